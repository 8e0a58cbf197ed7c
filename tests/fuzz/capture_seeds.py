#!/usr/bin/env python3
"""Capture real control sessions and UDP datagrams as fuzz seeds.

Not part of make check: run by hand from a built tree when the protocol
changes (needs strace, and iperf3 for the interop sessions):

    WEIR=src/weir WEIR_PLUGIN_PATH=... python3 tests/fuzz/capture_seeds.py tests/fuzz/corpus

A weir server runs under strace (main thread only: the control channel)
and serves one client per session; the bytes it read from the control
connection seed server_control, the bytes it wrote seed client_control,
and the JSON frames inside them seed params_json and results_json. An
iperf3 UDP client under strace gives udp_rx real datagrams and
udp_hello_reply the real hello exchange. Files are named after their
session; re-running overwrites them. Edge cases (lengths 0, 8192, 8193,
0xFFFFFFFF, numbers at and past 2^63, deep nesting, wrong types) are
written too, as edge-*; with --edge-only nothing is captured."""

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

CALL = re.compile(r'^(\w+)\((\d+), "((?:\\x[0-9a-f]{2})*)"(?:\.\.\.)?, \d+.*\)\s+=\s+(\d+)$')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def calls(trace):
    """(syscall, fd, bytes actually transferred) from an strace -xx log."""
    for line in open(trace):
        m = CALL.match(line.strip())
        if m:
            data = bytes.fromhex(m.group(3).replace("\\x", ""))
            yield m.group(1), int(m.group(2)), data[:int(m.group(4))]


def control_fd(trace):
    for line in open(trace):
        m = re.match(r"^accept4?\(.*\)\s+=\s+(\d+)$", line.strip())
        if m:
            return int(m.group(1))
    raise SystemExit("no accepted connection in " + trace)


def frames(stream, skip):
    """JSON frames in a control byte stream after skip bytes."""
    out, i = [], skip
    while i + 4 <= len(stream):
        n = struct.unpack(">I", stream[i:i + 4])[0]
        if 0 < n <= len(stream) - i - 4 and stream[i + 4:i + 5] == b"{":
            out.append(stream[i + 4:i + 4 + n])
            i += 4 + n
        else:
            i += 1
    return out


def session(name, client, weir, tmp, out):
    port = free_port()
    trace = os.path.join(tmp, name + ".trace")
    srv = subprocess.Popen(["timeout", "30", "strace", "-o", trace, "-xx", "-s", "200000",
                            "-e", "trace=accept4,accept,recvfrom,sendto,read,write",
                            weir, "-s", "-p", str(port), "-1"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.7)
    cmd = [c.replace("PORT", str(port)) for c in client]
    subprocess.run(["timeout", "20"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srv.wait(timeout=40)
    fd = control_fd(trace)
    c2s = b"".join(d for call, f, d in calls(trace) if f == fd and call in ("recvfrom", "read"))
    s2c = b"".join(d for call, f, d in calls(trace) if f == fd and call in ("sendto", "write"))
    write(out, "server_control", name, c2s)
    udp = any("-u" == a for a in client)
    nstreams = 2 if "-P" in client else 1
    bidir = "--bidir" in client
    reverse = "-R" in client
    shape = (1 if udp else 0) | ((nstreams - 1) << 2) | (0x20 if reverse else 0) | (0x40 if bidir else 0)
    write(out, "client_control", name, bytes([shape]) + s2c)
    params = frames(c2s, 37)
    if params:
        write(out, "params_json", name, params[0])
    for i, r in enumerate(params[1:]):
        # The client's results, as the server reads them.
        sending = 0 if not (reverse or bidir) else 0b111
        write(out, "results_json", name + "-from-client",
              bytes([0x80 | (1 if udp else 0) | ((nstreams * (2 if bidir else 1) - 1) << 1) | sending << 4]) + r)
    for r in frames(s2c, 0):
        if b'"streams"' in r:
            sending = 0 if reverse else 0b111
            write(out, "results_json", name + "-from-server",
                  bytes([(1 if udp else 0) | ((nstreams * (2 if bidir else 1) - 1) << 1) | sending << 4]) + r)


def udp_datagrams(name, client, weir, tmp, out):
    """Datagrams an iperf3 UDP client wrote, as recvmmsg buffers."""
    port = free_port()
    srv = subprocess.Popen(["timeout", "30", weir, "-s", "-p", str(port), "-1"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.7)
    trace = os.path.join(tmp, name + ".trace")
    cmd = [c.replace("PORT", str(port)) for c in client]
    subprocess.run(["timeout", "20", "strace", "-o", trace, "-xx", "-s", "2000",
                    "-e", "trace=read,write,recvfrom,sendto"] + cmd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srv.wait(timeout=40)
    seq64 = "--udp-counters-64bit" in client
    blk = int(client[client.index("-l") + 1])
    grams = [d for call, f, d in calls(trace) if call == "write" and len(d) == blk]
    four = [(call, f, d) for call, f, d in calls(trace) if len(d) == 4]
    sent = [(i, f) for i, (call, f, d) in enumerate(four) if call in ("write", "sendto") and d == b"9876"]
    hello = [d for call, f, d in four[sent[0][0] + 1:]
             if f == sent[0][1] and call in ("read", "recvfrom")][:1] if sent else []
    rec = bytes([1 if seq64 else 0])
    # Single datagrams 1 ms apart, then one GRO train of the next four.
    for d in grams[:6]:
        rec += struct.pack(">HHI", len(d), 0, 1000) + d
    train = b"".join(grams[6:10])
    rec += struct.pack(">HHI", len(train), blk, 1000) + train
    write(out, "udp_rx", name, rec)
    if hello:
        body = b"".join(bytes([len(h)]) + h for h in hello)
        write(out, "udp_hello_reply", name, struct.pack(">H", blk) + body)


def write(out, target, name, data, prefix="real-"):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, prefix + name), "wb") as f:
        f.write(data)


CLIENT_PARAMS = (b'{"tcp":true,"omit":0,"time":1,"num":0,"blockcount":0,"parallel":1,'
                 b'"len":131072,"pacing_timer":1000,"client_version":"3.12"}')
RESULTS = (b'{"cpu_util_total":1.5,"cpu_util_user":0.5,"cpu_util_system":1,'
           b'"sender_has_retransmits":%s,"streams":[{"id":1,"bytes":%s,"retransmits":%s,'
           b'"jitter":%s,"errors":%s,"omitted_errors":%s,"packets":%s,"omitted_packets":%s,'
           b'"start_time":0,"end_time":%s}]}')
BIG = b"18446744073709551615"       # iperf3 3.12's -1
I64MAX = b"9223372036854775807"
I64MIN = b"-9223372036854775808"


def results(shr=b"1", nbytes=b"1000", retr=b"0", jitter=b"0", errors=b"0", oerr=b"0",
            packets=b"0", opk=b"0", end=b"1"):
    return RESULTS % (shr, nbytes, retr, jitter, errors, oerr, packets, opk, end)


def frame(body):
    return struct.pack(">I", len(body)) + body


def edge(out):
    cookie = b"abcdefghijklmnopqrstuvwxyz2345672345\0"
    deep = b"[" * 40 + b"]" * 40
    nested = b'{"tcp":{"a":[{"b":[[[[{"c":1}]]]]}]},"len":1,"x":' + deep + b"}"
    long_title = b'{"tcp":true,"len":1000,"title":"' + b"t" * (8192 - 32) + b'"}'
    long_title = long_title[:8192 - 2] + b'"}'
    params = {
        "empty-object": b"{}",
        "array": b"[1,2]",
        "not-json": b"{\"tcp\":tru",
        "nested": nested,
        "wrong-types": b'{"udp":true,"time":"10","len":[1],"parallel":{},"title":5,"reverse":"yes"}',
        "big-numbers": b'{"tcp":true,"num":' + BIG + b',"blockcount":' + I64MAX + b',"len":1000,"window":' + BIG + b'}',
        "huge-double": b'{"tcp":true,"time":1e308,"len":1000}',
        "negative": b'{"tcp":true,"time":-1,"len":-1}',
        "len-0": b'{"udp":true,"len":0}',
        "len-2-63": b'{"tcp":true,"len":9223372036854775808}',
        "parallel-limits": b'{"tcp":true,"parallel":4097,"len":1000}',
        "reverse-bidir": b'{"tcp":true,"reverse":true,"bidirectional":true,"len":1000}',
        "nul-in-strings": b'{"tcp":true,"len":1000,"title":"a\\u0000b","congestion":"\\u0000"}',
        "gsro": b'{"udp":true,"len":1460,"gso":1,"gro":0,"gso_dg_size":2147483648,"gso_bf_size":1}',
        "length-8192": long_title,
        "weir-transport": b'{"tcp":true,"len":1000,"weir_transport":"../../evil.so","client_version":"weir-0.1"}',
    }
    for k, v in params.items():
        write(out, "params_json", k, v, prefix="edge-")
    ctl = {
        "short-cookie": cookie[:36],
        "length-0": cookie + b"\0\0\0\0",
        "length-ffffffff": cookie + b"\xff\xff\xff\xff" + b"{}",
        "length-8192": cookie + frame(long_title),
        "length-8193": cookie + frame(long_title + b" "),
        "truncated-frame": cookie + struct.pack(">I", 100) + b'{"tcp":true}',
        "bad-json": cookie + frame(b'{"tcp":true,}'),
        "nested": cookie + frame(nested),
        "wrong-types": cookie + frame(params["wrong-types"]),
        "unknown-state": cookie + frame(CLIENT_PARAMS) + b"\x63",
        "client-terminate": cookie + frame(CLIENT_PARAMS) + b"\x0c",
        "results-2-63": cookie + frame(CLIENT_PARAMS) + b"\x01\x04" +
                        frame(results(shr=BIG, nbytes=BIG, retr=BIG, packets=I64MAX, opk=I64MIN)) + b"\x10",
        "results-length-ffffffff": cookie + frame(CLIENT_PARAMS) + b"\x04\xff\xff\xff\xff",
        "results-unknown-stream": cookie + frame(CLIENT_PARAMS) + b"\x04" +
                                  frame(results().replace(b'"id":1', b'"id":7')) + b"\x10",
    }
    for k, v in ctl.items():
        write(out, "server_control", k, v, prefix="edge-")
    tcp1, udp2 = b"\x00", b"\x05"
    cli = {
        "server-error-8": tcp1 + b"\x09\xfe\x00\x00\x00\x05\x00\x00\x00\x00",
        "server-error-4": tcp1 + b"\x09\xfe\x00\x00\x00\x8e",
        "server-error-0": tcp1 + b"\x09\xfe",
        "server-error-extremes": tcp1 + b"\xfe\xff\xff\xff\xff\x7f\xff\xff\xff",
        "access-denied": tcp1 + b"\xff",
        "unknown-state": tcp1 + b"\x09\x63",
        "weir-accept": tcp1 + b"\x09\x40" + frame(b'{"version":"weir 0.1.0","transport":"tls"}') + b"\x0a\x01\x02",
        "results-length-0": tcp1 + b"\x09\x0a\x01\x02\x0d\x00\x00\x00\x00",
        "results-length-ffffffff": tcp1 + b"\x09\x0a\x01\x02\x0d\xff\xff\xff\xff",
        "results-2-63": udp2 + b"\x09\x0a\x01\x02\x0d" +
                        frame(results(shr=BIG, nbytes=I64MAX, retr=BIG, jitter=b"1e308", errors=I64MAX,
                                      oerr=I64MIN, packets=I64MIN, opk=I64MAX, end=b"-1e308")) + b"\x0e",
        "results-nested": tcp1 + b"\x0d" + frame(b'{"streams":' + deep + b"}") + b"\x0e",
        "results-wrong-types": tcp1 + b"\x0d" + frame(results(nbytes=b'"1000"')) + b"\x0e",
    }
    for k, v in cli.items():
        write(out, "client_control", k, v, prefix="edge-")
    # results_json: client role, udp, 1 stream receiving = 0x01; server role = 0x81.
    res = {
        "overflow-packets": b"\x11" + results(packets=I64MIN, opk=I64MAX, errors=I64MAX, oerr=I64MIN),
        "iperf312-minus-one": b"\x00" + results(shr=BIG, retr=BIG),
        "doubles": b"\x01" + results(nbytes=b"1.8446744073709552e+19", packets=b"1e300", jitter=b"-0.0"),
        "server-echo": b"\x91" + results(jitter=b"0.000123456789", errors=b"3", oerr=b"1"),
        "server-output": b"\x00" + results()[:-1] + b',"server_output_text":"x\\n","server_output_json":{"a":' + deep + b"}}",
        "streams-not-array": b"\x00" + b'{"cpu_util_total":1,"cpu_util_user":1,"cpu_util_system":1,"sender_has_retransmits":0,"streams":{}}',
        "many-streams": b"\x0e" + results().replace(b"}]}", b"}" + b"".join(
            b',{"id":%d,"bytes":1,"retransmits":-1,"jitter":0,"errors":0,"packets":0}' % i for i in (3, 4, 5, 6, 7, 8, 9)) + b"]}"),
    }
    for k, v in res.items():
        write(out, "results_json", k, v, prefix="edge-")

    def dgram(seq, sec=1, usec=0, seq64=False, size=32):
        h = struct.pack(">II", sec, usec) + (struct.pack(">Q", seq) if seq64 else struct.pack(">I", seq))
        return h + b"\0" * (size - len(h))

    def rec(buf, seg=0, delta=1000):
        return struct.pack(">HHI", len(buf), seg, delta) + buf

    rx = {
        "empty-and-short": b"\x00" + rec(b"") + rec(b"\x00" * 11) + rec(dgram(1)),
        "seq-0-and-wrap": b"\x00" + rec(dgram(0)) + rec(dgram(0xffffffff)) + rec(dgram(1)) + rec(dgram(0xfffffffe)),
        "seq64-2-63": b"\x01" + rec(dgram(1, seq64=True)) + rec(dgram(1 << 63, seq64=True)) +
                      rec(dgram((1 << 63) + 5, seq64=True)) + rec(dgram(2**64 - 1, seq64=True)),
        "gro-seg-1": b"\x00" + rec(dgram(1) + dgram(2), seg=1),
        "gro-train-last-short": b"\x00" + rec(dgram(1) + dgram(2) + dgram(3)[:20], seg=32),
        "jitter-clock-jumps": b"\x00" + rec(dgram(1, sec=0xffffffff, usec=999999)) + rec(dgram(2, sec=0, usec=0), delta=0xffffffff) + rec(dgram(3, usec=0xffffffff)),
        "max-buffer": b"\x00" + rec(b"".join(dgram(i, size=64) for i in range(1, 1024)), seg=64),
    }
    for k, v in rx.items():
        write(out, "udp_rx", k, v, prefix="edge-")
    hl = {
        "legacy-reply": b"\x00\x10" + b"\x04\xb1\x68\xde\x3a",
        "data-first": b"\x00\x10" + b"\x20" + b"\x00" * 32 + b"\x04" + b"6789",
        "empty-datagrams": b"\x00\x00" + b"\x00" * 8 + b"\x03678" + b"\x056789x",
        "too-much": b"\x00\x01" + b"\x04abcd" * 3,
    }
    for k, v in hl.items():
        write(out, "udp_hello_reply", k, v, prefix="edge-")


def main():
    out = sys.argv[-1]
    edge(out)
    if "--edge-only" in sys.argv:
        return
    weir = os.environ.get("WEIR", "src/weir")
    iperf3 = shutil.which("iperf3")
    tmp = tempfile.mkdtemp(prefix="weir-seeds.")
    h = ["-c", "127.0.0.1", "-p", "PORT"]
    sessions = {
        "weir-tcp": [weir] + h + ["-t", "1"],
        "weir-tcp-R-P2": [weir] + h + ["-t", "1", "-R", "-P", "2"],
        "weir-udp": [weir] + h + ["-t", "1", "-u", "-b", "1M"],
        "weir-udp-bidir": [weir] + h + ["-t", "1", "-u", "--bidir", "-b", "1M"],
        "weir-tcp-title-output": [weir] + h + ["-t", "1", "-T", "seed", "--get-server-output", "-O", "1"],
    }
    if iperf3:
        sessions.update({
            "iperf3-tcp": [iperf3] + h + ["-t", "1"],
            "iperf3-udp": [iperf3] + h + ["-t", "1", "-u"],
            "iperf3-udp-R-64": [iperf3] + h + ["-t", "1", "-u", "-R", "--udp-counters-64bit"],
            "iperf3-tcp-bidir-P2": [iperf3] + h + ["-t", "1", "--bidir", "-P", "2"],
        })
    for name, client in sessions.items():
        session(name, client, weir, tmp, out)
    if iperf3:
        udp_datagrams("iperf3-l200", [iperf3] + h + ["-u", "-t", "1", "-l", "200", "-b", "200K"],
                      weir, tmp, out)
        udp_datagrams("iperf3-l200-64", [iperf3] + h + ["-u", "-t", "1", "-l", "200", "-b", "200K",
                                                         "--udp-counters-64bit"], weir, tmp, out)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
