#!/usr/bin/env python3
"""A relay that holds everything it forwards for a fixed time each way.

    latency_relay.py LISTEN_ADDR PORT SERVER_ADDR SERVER_PORT DELAY_MS

TCP: each accepted connection gets its own connection to the server; every
chunk read on either side is written to the other DELAY_MS after it was
read, in order. UDP on the same port: each client address gets its own
socket toward the server; every datagram goes on DELAY_MS after it came.
A known delay added to both directions: the round trip through the relay
is the path's plus twice DELAY_MS (latency_queue.sh checks weir's).

One thread reads and one writes per direction; the writer sleeps until each
item is due (time.sleep, not an event loop's millisecond timeouts), so the
delay is kept to well under a millisecond. On a busy machine a writer that
wakes late would add to the delay: the relay asks for a real-time priority
(threads made after inherit it; without the privilege it runs as it is)
and a short GIL switch interval. Runs until killed.
"""
import os
import queue
import socket
import sys
import threading
import time


def later(delay, send):
    """A queue whose items (data) are passed to send delay seconds after
    they were put, in order; None ends it."""
    q = queue.Queue()

    def run():
        while True:
            due, data = q.get()
            if data is None:
                return
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                send(data)
            except OSError:
                return

    threading.Thread(target=run, daemon=True).start()
    return lambda data: q.put((time.monotonic() + delay, data))


def pump_tcp(src, dst, delay):
    def send(data):
        if data:
            dst.sendall(data)
        else:
            dst.shutdown(socket.SHUT_WR)    # the end, after what was held
    put = later(delay, send)
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            put(data)
    except OSError:
        pass
    put(b"")


def serve_tcp(listen, server, delay):
    while True:
        conn, _ = listen.accept()
        up = socket.create_connection(server)
        for s in (conn, up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pump_tcp, args=(conn, up, delay), daemon=True).start()
        threading.Thread(target=pump_tcp, args=(up, conn, delay), daemon=True).start()


def serve_udp(sock, server, delay):
    uplinks = {}
    lock = threading.Lock()

    def replies(up, client):
        back = later(delay, lambda data: sock.sendto(data, client))
        while True:
            try:
                back(up.recv(65536))
            except OSError:
                return

    while True:
        data, client = sock.recvfrom(65536)
        with lock:
            link = uplinks.get(client)
            if link is None:
                up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                up.connect(server)
                link = uplinks[client] = later(delay, up.send)
                threading.Thread(target=replies, args=(up, client), daemon=True).start()
        link(data)


def main():
    addr, port, saddr, sport, delay_ms = sys.argv[1:6]
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (OSError, AttributeError):
        pass
    sys.setswitchinterval(0.0002)
    delay = float(delay_ms) / 1000.0
    server = (saddr, int(sport))
    listen = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listen.bind((addr, int(port)))
    listen.listen(16)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, int(port)))
    threading.Thread(target=serve_udp, args=(udp, server, delay), daemon=True).start()
    serve_tcp(listen, server, delay)


if __name__ == "__main__":
    main()
