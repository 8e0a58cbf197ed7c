#!/usr/bin/env python3
"""tls_peer.py - helpers for tests/e2e/tls.sh (standard library only).

Usage:
    tls_peer.py garbage|stall --port P [--timeout S]
        a weir client on the control protocol that asks for the tls
        transport, then opens a data connection, sends the right cookie and
        then plain text (garbage) or nothing (stall) where the TLS handshake
        belongs.  Prints
            ACCEPTED <yes|no>   whether the server answered WEIR_ACCEPT (64)
            ANSWER <hex>        what the control connection got after
                                CREATE_STREAMS ("-" for nothing)
            END <why>           eof, reset or timeout
            ELAPSED <secs>      from the data connection's cookie to END
        Exit 0 when played, 2 when the server did not follow the protocol.
    tls_peer.py zerocopy --port P [--timeout S]
        a weir client asking for the tls transport with -Z, which its
        server's tls does not take (as a client whose tls did might).
        Prints
            REFUSED <text>      the reason in the server's WEIR_ACCEPT frame
            CODE <n>            the error number that frame gives
            ERROR <n>           the i_errno of the SERVER_ERROR that follows
        Exit 0 when played, 2 when the server did not follow the protocol.
    tls_peer.py counts CLIENT.json SERVER.json MODE [check ...]
        the two -J documents of one test: MODE normal|reverse|bidir.  Checks
        that the counts the server measured are the ones the client reports,
        per direction and per stream, and that receivers got what senders
        sent, give or take what was in flight.  Extra checks: bytes>=N, blocks=K:LEN, congestion=NAME.
        Prints one line per problem; exit 0 when there is none.
"""

import json
import socket
import struct
import sys
import time

from peerlib import ProtocolError, make_cookie, read_all, read_exact

PARAM_EXCHANGE, CREATE_STREAMS, WEIR_ACCEPT, SERVER_ERROR = 0x09, 0x0A, 64, 0xFE
TLS_PARAMS = {"tcp": True, "omit": 0, "time": 1, "num": 0, "blockcount": 0,
              "parallel": 1, "len": 131072, "pacing_timer": 1000,
              "client_version": "weir tls_peer", "weir_transport": "tls"}


def refused(port, timeout):
    deadline = time.monotonic() + timeout
    ctl = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        ctl.sendall(make_cookie())
        if read_exact(ctl, 1, deadline)[0] != PARAM_EXCHANGE:
            print("no PARAM_EXCHANGE")
            return 2
        data = json.dumps(dict(TLS_PARAMS, zerocopy=1), separators=(",", ":")).encode()
        ctl.sendall(struct.pack(">I", len(data)) + data)
        if read_exact(ctl, 1, deadline)[0] != WEIR_ACCEPT:
            print("no WEIR_ACCEPT")
            return 2
        n = struct.unpack(">I", read_exact(ctl, 4, deadline))[0]
        frame = json.loads(read_exact(ctl, n, deadline))
        print("REFUSED %s" % frame.get("refused"))
        print("CODE %s" % frame.get("code"))
        if read_exact(ctl, 1, deadline)[0] != SERVER_ERROR:
            print("no SERVER_ERROR")
            return 2
        print("ERROR %d" % struct.unpack(">i", read_exact(ctl, 4, deadline))[0])
        return 0
    except (ProtocolError, OSError, ValueError) as e:
        print("protocol: %s" % e)
        return 2
    finally:
        ctl.close()


def hostile(scenario, port, timeout):
    deadline = time.monotonic() + timeout
    cookie = make_cookie()
    ctl = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        ctl.sendall(cookie)
        if read_exact(ctl, 1, deadline)[0] != PARAM_EXCHANGE:
            print("no PARAM_EXCHANGE")
            return 2
        data = json.dumps(TLS_PARAMS, separators=(",", ":")).encode()
        ctl.sendall(struct.pack(">I", len(data)) + data)
        state = read_exact(ctl, 1, deadline)[0]
        accepted = state == WEIR_ACCEPT
        if accepted:
            n = struct.unpack(">I", read_exact(ctl, 4, deadline))[0]
            read_exact(ctl, n, deadline)
            state = read_exact(ctl, 1, deadline)[0]
        print("ACCEPTED %s" % ("yes" if accepted else "no"))
        if state != CREATE_STREAMS:
            print("no CREATE_STREAMS (got 0x%02x)" % state)
            return 2
        d = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        d.sendall(cookie)
        t0 = time.monotonic()
        if scenario == "garbage":
            d.sendall(b"GET / HTTP/1.1\r\nHost: weir\r\n\r\n")
        answer, why = read_all(ctl, deadline)
        print("ANSWER %s" % (answer.hex() if answer else "-"))
        print("END %s" % why)
        print("ELAPSED %.1f" % (time.monotonic() - t0))
        d.close()
        return 0
    except (ProtocolError, OSError) as e:
        print("protocol: %s" % e)
        return 2
    finally:
        ctl.close()


def counts(cpath, spath, mode, extra):
    problems = []
    with open(cpath) as f:
        C = json.load(f)
    with open(spath) as f:
        S = json.load(f)
    for name, d in (("client", C), ("server", S)):
        if "error" in d:
            problems.append("%s reports an error: %s" % (name, d["error"]))
        if d.get("start", {}).get("test_start", {}).get("protocol") != "TCP":
            problems.append("%s start.test_start.protocol is not TCP" % name)
        if d.get("start", {}).get("weir", {}).get("transport") != "tls":
            problems.append("%s start.weir.transport is not tls" % name)
        streams = d.get("start", {}).get("weir", {}).get("streams", [])
        if len(streams) != len(d.get("end", {}).get("streams", [])):
            problems.append("%s start.weir.streams: %d entries for %d streams"
                            % (name, len(streams), len(d.get("end", {}).get("streams", []))))
        for st in streams:
            tls = st.get("tls", {})
            if tls.get("version") not in ("TLSv1.3", "TLSv1.2") or not tls.get("cipher") \
               or not isinstance(tls.get("ktls_send"), bool) or tls.get("handshake_ms", -1) < 0:
                problems.append("%s start.weir.streams[]: bad tls facts %r" % (name, st))
            for x in extra:
                key, _, val = x.partition("=")
                if key in ("version", "cipher") and tls.get(key) != val:
                    problems.append("%s stream %s: tls.%s %r, want %r" % (name, st.get("id"), key, tls.get(key), val))
    if problems:
        print("\n".join(problems))
        return 1
    ce, se = C["end"], S["end"]
    # The directions the server measured, as they are named in both documents.
    server_keys = {"normal": ["sum_received"], "reverse": ["sum_sent"],
                   "bidir": ["sum_received", "sum_sent_bidir_reverse"]}[mode]
    pairs = {"normal": [("sum_sent", "sum_received")],
             "reverse": [("sum_sent", "sum_received")],
             "bidir": [("sum_sent", "sum_received"),
                       ("sum_sent_bidir_reverse", "sum_received_bidir_reverse")]}[mode]
    for k in server_keys:
        if ce[k]["bytes"] != se[k]["bytes"]:
            problems.append("end.%s.bytes: client says %d, server measured %d"
                            % (k, ce[k]["bytes"], se[k]["bytes"]))
    nstreams = C["start"]["test_start"]["num_streams"]
    for snd, rcv in pairs:
        s, r = ce[snd]["bytes"], ce[rcv]["bytes"]
        # What was in flight when the sender stopped: at most the socket
        # buffers' worth, per stream, either way.
        # With -O the two ends start counting at their own omit ends, which
        # are apart by however long the control messages took: no bound.
        slack = nstreams * 16 * 1024 * 1024
        if C["start"]["test_start"].get("omit", 0) > 0:
            slack = float("inf")
        if s <= 0 or r <= 0 or abs(s - r) > slack:
            problems.append("%s %d vs %s %d" % (snd, s, rcv, r))
    own = {"normal": "receiver", "reverse": "sender"}.get(mode)
    if own:
        cs = sorted(st[own]["bytes"] for st in ce["streams"])
        ss = sorted(st[own]["bytes"] for st in se["streams"])
        if cs != ss:
            problems.append("per-stream %s bytes differ: client %s, server %s" % (own, cs, ss))
    for x in extra:
        key, _, val = x.partition("=")
        if key == "bytes" and ce["sum_sent"]["bytes"] < int(val):
            problems.append("sent %d < %s" % (ce["sum_sent"]["bytes"], val))
        elif key == "blocks":
            k, ln = (int(v) for v in val.split(":"))
            if ce["sum_sent"]["bytes"] != k * ln:
                problems.append("sent %d, want %d blocks of %d" % (ce["sum_sent"]["bytes"], k, ln))
        elif key == "congestion" and ce.get("sender_tcp_congestion") != val:
            problems.append("sender_tcp_congestion %r, want %r" % (ce.get("sender_tcp_congestion"), val))
    if problems:
        print("\n".join(problems))
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 1 and argv[0] in ("garbage", "stall", "zerocopy"):
        port, timeout = None, 30.0
        i = 1
        while i < len(argv):
            if argv[i] == "--port":
                port = int(argv[i + 1])
            elif argv[i] == "--timeout":
                timeout = float(argv[i + 1])
            i += 2
        if port is None:
            print(__doc__)
            return 3
        return refused(port, timeout) if argv[0] == "zerocopy" else hostile(argv[0], port, timeout)
    if len(argv) >= 4 and argv[0] == "counts":
        return counts(argv[1], argv[2], argv[3], argv[4:])
    print(__doc__)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
