#!/usr/bin/env python3
"""badpeer.py - a hostile iperf3 control-protocol peer for weir's e2e tests.

Usage:
    badpeer.py list                     print the scenario names
    badpeer.py [--host H] [--port P] [--timeout S] [--arg A] SCENARIO

It speaks the raw iperf3 control protocol (docs/protocol.md §3, §4): connect,
send a 37-byte cookie (36 characters of a-z2-7 and a NUL), read the
PARAM_EXCHANGE byte (0x09), then misbehave as SCENARIO says.  Everything the
server answers after the misbehaviour is collected until EOF, a reset or the
timeout, and printed as hex so a shell test can check it.  Output lines:

    SETUP <hex>       bytes the server sent during the normal part of the
                      exchange (09, 0a, 01 02 ...) -- informational
    DATA <hex>        what a data connection received (wrong-cookie case)
    DATA_END <why>    how the data connection ended: eof, reset or timeout
    ANSWER <hex>      what the control connection received after the
                      misbehaviour ("-" if nothing)
    END <why>         eof, reset or timeout
    ELAPSED <secs>    seconds from the misbehaviour to END

Exit status: 0 when the scenario could be played (whatever the server
answered), 2 when the server did not follow the protocol up to the point of
the misbehaviour (for example no PARAM_EXCHANGE), 3 on a usage error.
Every socket operation has a timeout: the script never hangs.
"""

import json
import os
import socket
import struct
import sys
import time

from peerlib import ProtocolError, make_cookie, read_all, read_exact

PARAM_EXCHANGE = 0x09
CREATE_STREAMS = 0x0A
TEST_START = 0x01
TEST_RUNNING = 0x02
TEST_END = 0x04
EXCHANGE_RESULTS = 0x0D
DISPLAY_RESULTS = 0x0E
IPERF_DONE = 0x10
UNKNOWN_STATE = 99          # not a state any iperf3 peer defines


def valid_params(**override):
    """Parameters as a 3.12 iperf3 client sends them for `-t 10`."""
    p = {"tcp": True, "omit": 0, "time": 10, "num": 0, "blockcount": 0,
         "parallel": 1, "len": 131072, "pacing_timer": 1000,
         "client_version": "3.12"}
    p.update(override)
    return p


def frame(obj_or_bytes):
    data = obj_or_bytes
    if not isinstance(data, (bytes, bytearray)):
        data = json.dumps(data, separators=(",", ":")).encode("utf-8")
    return struct.pack(">I", len(data)) + data


def expect_state(sock, want, timeout, seen):
    b = read_exact(sock, 1, time.monotonic() + timeout)
    seen.append(b)
    if b[0] != want:
        raise ProtocolError("expected state 0x%02x, got 0x%02x" % (want, b[0]))


def connect(host, port, timeout):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Peer:
    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookie = make_cookie()
        self.ctl = None
        self.seen = []          # setup bytes received, for the SETUP line
        self.extra = []         # sockets to close at the end
        self.arg = None         # scenario argument (--arg)

    # -- steps of a normal client --
    def open_control(self):
        self.ctl = connect(self.host, self.port, self.timeout)
        self.ctl.sendall(self.cookie)
        expect_state(self.ctl, PARAM_EXCHANGE, self.timeout, self.seen)

    def send_valid_params(self, **override):
        self.ctl.sendall(frame(valid_params(**override)))
        expect_state(self.ctl, CREATE_STREAMS, self.timeout, self.seen)

    def open_data(self, cookie):
        d = connect(self.host, self.port, self.timeout)
        self.extra.append(d)
        d.sendall(cookie)
        return d

    def wait_running(self):
        expect_state(self.ctl, TEST_START, self.timeout, self.seen)
        expect_state(self.ctl, TEST_RUNNING, self.timeout, self.seen)

    def close(self):
        for s in self.extra + [self.ctl]:
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


def emit_answer(sock, timeout, t0):
    data, why = read_all(sock, time.monotonic() + timeout)
    print("ANSWER %s" % (data.hex() if data else "-"))
    print("END %s" % why)
    print("ELAPSED %.3f" % (time.monotonic() - t0))
    sys.stdout.flush()


# ---- scenarios: each misbehaves, then reports the answer ----

def sc_send_after_param_exchange(payload):
    def run(peer):
        peer.open_control()
        t0 = time.monotonic()
        peer.ctl.sendall(payload)
        emit_answer(peer.ctl, peer.timeout, t0)
    return run


def sc_params(**override):
    return sc_send_after_param_exchange(frame(valid_params(**override)))


def sc_silent(peer):
    """Connect and send nothing at all, not even the cookie."""
    peer.ctl = connect(peer.host, peer.port, peer.timeout)
    t0 = time.monotonic()
    emit_answer(peer.ctl, peer.timeout, t0)


def sc_busy(peer):
    """Connect while a test runs, send nothing: expect exactly FF, EOF."""
    peer.ctl = connect(peer.host, peer.port, peer.timeout)
    t0 = time.monotonic()
    emit_answer(peer.ctl, peer.timeout, t0)


def sc_state_in_streams(peer):
    """Valid parameters, then an unknown state byte instead of streams."""
    peer.open_control()
    peer.send_valid_params()
    t0 = time.monotonic()
    peer.ctl.sendall(bytes([UNKNOWN_STATE]))
    emit_answer(peer.ctl, peer.timeout, t0)


def sc_state_running(peer):
    """A real test runs (one stream); then an unknown state byte arrives
    where TEST_END would be expected."""
    peer.open_control()
    peer.send_valid_params()
    peer.open_data(peer.cookie)
    peer.wait_running()
    t0 = time.monotonic()
    peer.ctl.sendall(bytes([UNKNOWN_STATE]))
    emit_answer(peer.ctl, peer.timeout, t0)


def sc_transport_path(peer):
    """Valid parameters naming a weir transport by a server-side file path
    (the --arg value): a server must not load files a remote peer names."""
    peer.open_control()
    t0 = time.monotonic()
    peer.ctl.sendall(frame(valid_params(weir_transport=peer.arg)))
    emit_answer(peer.ctl, peer.timeout, t0)


def sc_wrong_cookie(peer):
    """During CREATE_STREAMS a data connection with a wrong cookie must get
    FF and be closed; the right stream afterwards still starts the test.
    Then the peer just leaves: the server must reset."""
    peer.open_control()
    peer.send_valid_params()
    wrong = make_cookie()
    while wrong == peer.cookie:
        wrong = make_cookie()
    d = peer.open_data(wrong)
    data, why = read_all(d, time.monotonic() + peer.timeout)
    print("DATA %s" % (data.hex() if data else "-"))
    print("DATA_END %s" % why)
    sys.stdout.flush()
    peer.open_data(peer.cookie)
    t0 = time.monotonic()
    # What the control connection says now: TEST_START TEST_RUNNING.
    data = b""
    try:
        data = read_exact(peer.ctl, 2, time.monotonic() + peer.timeout)
    except ProtocolError as e:
        print("ANSWER %s" % (data.hex() if data else "-"))
        print("END %s" % e)
        raise
    print("ANSWER %s" % data.hex())
    print("END left")
    print("ELAPSED %.3f" % (time.monotonic() - t0))


def sc_garbage(peer):
    """Random bytes where the cookie belongs, then the peer closes."""
    peer.ctl = connect(peer.host, peer.port, peer.timeout)
    t0 = time.monotonic()
    peer.ctl.sendall(os.urandom(64))
    peer.ctl.shutdown(socket.SHUT_WR)
    emit_answer(peer.ctl, peer.timeout, t0)


def sc_cookie_vanish(peer):
    """A valid cookie, then the peer is gone without reading a byte."""
    peer.ctl = connect(peer.host, peer.port, peer.timeout)
    peer.ctl.sendall(peer.cookie)
    peer.ctl.close()
    peer.ctl = None
    print("ANSWER -")
    print("END left")


def sc_params_arg(peer):
    """Valid parameters with the keys of the --arg JSON object merged in
    (range checks: "--arg '{\"omit\":601}'")."""
    peer.open_control()
    t0 = time.monotonic()
    peer.ctl.sendall(frame(valid_params(**json.loads(peer.arg or "{}"))))
    emit_answer(peer.ctl, peer.timeout, t0)


def sc_overrun(peer):
    """A reverse test of "time":1 whose TEST_END never comes: the server's
    duration safety timer (time + omit + 40 s) must end it. The data
    stream is left unread."""
    peer.open_control()
    peer.send_valid_params(time=1, reverse=True)
    peer.open_data(peer.cookie)
    peer.wait_running()
    t0 = time.monotonic()
    emit_answer(peer.ctl, peer.timeout, t0)


def sc_slow_goodbye(peer):
    """A whole, well-behaved test of one 128 KiB block, except that after
    DISPLAY_RESULTS it prints WINDING and waits --arg seconds (default 2)
    before its IPERF_DONE: the server's test is winding up meanwhile."""
    peer.open_control()
    peer.send_valid_params(time=0, num=131072)
    d = peer.open_data(peer.cookie)
    peer.wait_running()
    d.sendall(b"\0" * 131072)
    peer.ctl.sendall(bytes([TEST_END]))
    expect_state(peer.ctl, EXCHANGE_RESULTS, peer.timeout, peer.seen)
    peer.ctl.sendall(frame({"cpu_util_total": 0, "cpu_util_user": 0, "cpu_util_system": 0,
                            "sender_has_retransmits": 0,
                            "streams": [{"id": 1, "bytes": 131072, "retransmits": 0, "jitter": 0,
                                         "errors": 0, "packets": 0, "start_time": 0,
                                         "end_time": 0.01}]}))
    deadline = time.monotonic() + peer.timeout
    n = struct.unpack(">I", read_exact(peer.ctl, 4, deadline))[0]
    read_exact(peer.ctl, n, deadline)
    expect_state(peer.ctl, DISPLAY_RESULTS, peer.timeout, peer.seen)
    print("WINDING")
    sys.stdout.flush()
    time.sleep(float(peer.arg) if peer.arg else 2.0)
    t0 = time.monotonic()
    peer.ctl.sendall(bytes([IPERF_DONE]))
    emit_answer(peer.ctl, peer.timeout, t0)


LEN_OVER = 9000

SCENARIOS = {
    # JSON length of 0
    "len0": sc_send_after_param_exchange(struct.pack(">I", 0)),
    # JSON length over 8 KiB, followed by that many bytes
    "len9000": sc_send_after_param_exchange(
        frame(b'{"tcp":true,"title":"' + b"x" * (LEN_OVER - 23) + b'"}')),
    # JSON length 0xFFFFFFFF and nothing after it
    "lenmax": sc_send_after_param_exchange(struct.pack(">I", 0xFFFFFFFF)),
    # length right, JSON invalid
    "badjson": sc_send_after_param_exchange(frame(b'{"tcp":true,"time":1,,}')),
    # JSON valid, but not an object
    "notobject": sc_send_after_param_exchange(frame(b'[1,2,3]')),
    # a key of the wrong type
    "wrongtype": sc_params(time="ten"),
    "parallel100000": sc_params(parallel=100000),
    "len_zero": sc_params(len=0),
    "time_neg": sc_params(time=-5),
    # unknown state byte while the server waits for the data streams
    "state_in_streams": sc_state_in_streams,
    # unknown state byte while the test is running
    "state_running": sc_state_running,
    # connect and say nothing
    "silent": sc_silent,
    # a second connection while a test runs (say nothing, expect FF)
    "busy": sc_busy,
    # a data connection with a wrong cookie
    "wrong_cookie": sc_wrong_cookie,
    # "weir_transport" naming a file on the server (--arg PATH)
    "transport_path": sc_transport_path,
    # garbage instead of a cookie, then close
    "garbage": sc_garbage,
    # a cookie, then close at once
    "cookie_vanish": sc_cookie_vanish,
    # valid parameters with the --arg JSON object's keys merged in
    "params": sc_params_arg,
    # a test that runs past its duration without TEST_END
    "overrun": sc_overrun,
    # a whole test whose IPERF_DONE comes late (--arg seconds)
    "slow_goodbye": sc_slow_goodbye,
}


def main(argv):
    host, port, timeout, arg = "127.0.0.1", 5201, 5.0, None
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--host", "--port", "--timeout", "--arg") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "--arg":
                arg = v
            elif a == "--host":
                host = v
            elif a == "--port":
                port = int(v)
            else:
                timeout = float(v)
            i += 2
            continue
        args.append(a)
        i += 1
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 3
    if args[0] == "list":
        print("\n".join(sorted(SCENARIOS)))
        return 0
    run = SCENARIOS.get(args[0])
    if run is None:
        sys.stderr.write("badpeer: unknown scenario %r\n" % args[0])
        return 3
    peer = Peer(host, port, timeout)
    peer.arg = arg
    try:
        run(peer)
    except (ProtocolError, OSError) as e:
        print("SETUP %s" % b"".join(peer.seen).hex())
        sys.stdout.flush()
        sys.stderr.write("badpeer %s: protocol broken before the misbehaviour: %s\n" % (args[0], e))
        return 2
    finally:
        peer.close()
    print("SETUP %s" % b"".join(peer.seen).hex())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
