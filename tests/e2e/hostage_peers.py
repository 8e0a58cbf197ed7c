#!/usr/bin/env python3
"""Would-be hostage takers for hostage.sh: SILENT connections that never send
a byte, and one that dribbles its 37-byte cookie a byte at a time and then
says nothing more. Prints READY once all are connected, then watches them
for WATCH seconds (or until every one was closed by the server) and prints:

  DRIBBLER sent 37 answer 09            what the dribbler got after its cookie
  SILENT closed K of N answers A,B      connections the server closed, and
                                        the distinct answers they got (hex)
  SILENT last_close S                   seconds until the last one closed
"""
import argparse
import select
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--silent", type=int, default=20)
    ap.add_argument("--gap", type=float, default=0.1, help="seconds between cookie bytes")
    ap.add_argument("--watch", type=float, default=15.0)
    a = ap.parse_args()

    silent = []
    for _ in range(a.silent):
        s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
        s.setblocking(False)
        silent.append(s)
    drib = socket.create_connection(("127.0.0.1", a.port), timeout=5)
    drib.setblocking(False)
    cookie = b"dribbledribbledribbledribbledribblex" + b"\0"
    assert len(cookie) == 37
    t0 = time.monotonic()
    print("READY", flush=True)

    answers = {s: b"" for s in silent}
    closed = {}
    sent = 0
    drib_answer = b""
    next_byte = t0
    while time.monotonic() - t0 < a.watch and len(closed) < len(silent):
        now = time.monotonic()
        if drib and sent < len(cookie) and now >= next_byte:
            drib.send(cookie[sent:sent + 1])
            sent += 1
            # On a fixed schedule from t0: late wake-ups on a loaded
            # machine must not add up past the server's cookie timeout.
            next_byte = t0 + sent * a.gap
        watch = [s for s in silent if s not in closed] + ([drib] if drib else [])
        r, _, _ = select.select(watch, [], [], 0.05)
        for s in r:
            try:
                data = s.recv(64)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if s is drib:
                drib_answer += data
                if not data:
                    drib.close()
                    drib = None
                continue
            if data:
                answers[s] += data
            else:
                closed[s] = time.monotonic() - t0
    print("DRIBBLER sent %d answer %s" % (sent, drib_answer.hex() or "-"))
    print("SILENT closed %d of %d answers %s" % (
        len(closed), len(silent),
        ",".join(sorted({answers[s].hex() or "-" for s in closed})) or "-"))
    print("SILENT last_close %.1f" % (max(closed.values()) if closed else -1))
    sys.stdout.flush()
    for s in silent:
        s.close()


if __name__ == "__main__":
    main()
