#!/usr/bin/env python3
"""udp_badpeer.py - misbehaving UDP peers for udp_bad.sh.

Usage:
    udp_badpeer.py silent-server PORT [--timeout S]
        An iperf3 server that never answers a UDP hello: on 127.0.0.1:PORT
        it accepts one control connection, reads the cookie, asks for the
        parameters (PARAM_EXCHANGE), binds UDP PORT, sends CREATE_STREAMS,
        then reads hellos and answers none. Prints "READY" once listening,
        then at the end
            HELLOS <n>            hellos that arrived
            CONTROL_END <why>     eof, reset or timeout (control connection)
            ELAPSED <secs>        from CREATE_STREAMS to CONTROL_END
    udp_badpeer.py storm PORT [--sockets N] [--seconds S] [--interval MS]
                              [--host H]
        N UDP sockets (own source ports) each send the hello "9876" to
        H:PORT every MS milliseconds for S seconds, and count what comes
        back. Prints "STORMING" once the first round is out, then at the end
            SENT <n>              hellos sent
            REPLIES <n>           datagrams "6789" received (a server took
                                  that socket's hello as a stream)
            ANSWERED <n>          sockets that got at least one reply
            OTHER <n>             other datagrams received

Every socket operation has a timeout: the script never hangs. Exit status
0 when the scenario could be played, 2 when the peer did not follow the
protocol up to the point of the misbehaviour, 3 on a usage error.
"""

import json
import select
import socket
import struct
import sys
import time

PARAM_EXCHANGE = 0x09
CREATE_STREAMS = 0x0A
HELLO = b"9876"
REPLY = b"6789"


class ProtocolError(Exception):
    pass


def read_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ProtocolError("timeout (wanted %d bytes, got %r)" % (n, buf))
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ProtocolError("eof (wanted %d bytes, got %r)" % (n, buf))
        buf += chunk
    return buf


def silent_server(port, timeout):
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", port))
    lst.listen(4)
    print("READY", flush=True)
    lst.settimeout(timeout)
    ctl, _ = lst.accept()
    deadline = time.monotonic() + timeout
    read_exact(ctl, 37, deadline)                   # the cookie
    ctl.sendall(bytes([PARAM_EXCHANGE]))
    (length,) = struct.unpack(">I", read_exact(ctl, 4, deadline))
    params = json.loads(read_exact(ctl, length, deadline))
    if not params.get("udp"):
        raise ProtocolError("the client did not ask for UDP: %r" % params)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind(("127.0.0.1", port))
    ctl.sendall(bytes([CREATE_STREAMS]))
    t0 = time.monotonic()
    hellos, why = 0, "timeout"
    ctl.setblocking(False)
    udp.setblocking(False)
    while time.monotonic() < deadline:
        r, _, _ = select.select([ctl, udp], [], [], max(0.0, deadline - time.monotonic()))
        if udp in r:
            try:
                udp.recvfrom(64)
                hellos += 1
            except BlockingIOError:
                pass
        if ctl in r:
            try:
                data = ctl.recv(4096)
            except ConnectionResetError:
                why = "reset"
                break
            except BlockingIOError:
                continue
            if not data:
                why = "eof"
                break
    print("HELLOS %d" % hellos)
    print("CONTROL_END %s" % why)
    print("ELAPSED %.2f" % (time.monotonic() - t0))
    return 0


def storm(port, host, nsock, seconds, interval_ms):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    socks = []
    for _ in range(nsock):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.setblocking(False)
        socks.append(s)
    sent = replies = other = 0
    answered = set()
    end = time.monotonic() + seconds
    next_round = 0.0
    storming = False
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now >= next_round:
            for s in socks:
                try:
                    s.sendto(HELLO, (host, port))
                    sent += 1
                except OSError:
                    pass            # port unreachable reported, buffer full
            next_round = now + interval_ms / 1000.0
            if sent and not storming:
                print("STORMING", flush=True)
                storming = True
        r, _, _ = select.select(socks, [], [], max(0.0, min(next_round, end) - time.monotonic()))
        for s in r:
            try:
                data = s.recv(65536)
            except OSError:
                continue
            if data == REPLY:
                replies += 1
                answered.add(s.fileno())
            else:
                other += 1
    print("SENT %d" % sent)
    print("REPLIES %d" % replies)
    print("ANSWERED %d" % len(answered))
    print("OTHER %d" % other)
    return 0


def main(argv):
    args = list(argv[1:])
    opts = {}
    pos = []
    while args:
        a = args.pop(0)
        if a.startswith("--"):
            if not args:
                print("option %s needs a value" % a, file=sys.stderr)
                return 3
            opts[a[2:]] = args.pop(0)
        else:
            pos.append(a)
    if len(pos) != 2 or pos[0] not in ("silent-server", "storm"):
        print(__doc__, file=sys.stderr)
        return 3
    port = int(pos[1])
    try:
        if pos[0] == "silent-server":
            return silent_server(port, float(opts.get("timeout", "30")))
        return storm(port, opts.get("host", "127.0.0.1"), int(opts.get("sockets", "50")),
                     float(opts.get("seconds", "3")), float(opts.get("interval", "10")))
    except (ProtocolError, OSError, ValueError) as e:
        print("PROTOCOL %s" % e, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
