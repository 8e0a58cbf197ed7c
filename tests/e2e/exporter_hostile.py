#!/usr/bin/env python3
"""Hostile HTTP clients and a soak for tests/e2e/exporter_hostile.sh.

Each command drives the exporter at ADDR (host:port) and prints one line
per check on stdout: "ok|NAME" or "fail|NAME|WHY" (and "info|TEXT").

  silent PORT
      a TCP listener on 127.0.0.1:PORT that accepts and never answers:
      probes of it can only end by the exporter's timeout.
  headers ADDR GOOD       huge headers, huge URL, thousands of headers
  slowloris ADDR GOOD N SECONDS
      N connections, each sending its request a byte per second; the
      exporter must serve others meanwhile and close them all within
      SECONDS
  disallowed ADDR GOOD DENIED...
      targets outside the allow-list: 403
  overflow ADDR GOOD CLOSED
      thousands of parameters, absurd values: 400 (or clamped: 200)
  malformed ADDR GOOD IDLE_SECONDS
      broken request lines and framing; connections that send no request
      closed within IDLE_SECONDS
  limits ADDR CLOSED1 CLOSED2 SILENT
      an exporter with max_concurrent 1, queue_timeout 1 s, min_interval
      30 s: 429 for a target probed again, 503 behind a probe that hangs
  soak ADDR PID N GOOD CLOSED SILENT DENIED
      N probes, six kinds mixed (passing, failing, refused twice, timed
      out by a scrape timeout, abandoned by their client); the exporter's
      descriptors and memory after a warm-up and at the end
GOOD is a target (host:port) whose probe (module "pass") must succeed.
After each hostile command the exporter must still answer /-/healthy and
a probe of GOOD.
"""
import concurrent.futures
import http.client
import os
import socket
import sys
import threading
import time
import urllib.parse

SLOW_SOURCE = "127.0.0.66"
LINES = []
LOCK = threading.Lock()


def out(verdict, name, why=""):
    with LOCK:
        LINES.append(f"{verdict}|{name}|{why}" if why else f"{verdict}|{name}")


def ok(name, cond, why=""):
    out("ok" if cond else "fail", name, "" if cond else why)
    return cond


def split(addr):
    host, _, port = addr.rpartition(":")
    return host, int(port)


def get(addr, path, timeout=20, headers=None):
    """(status, body) of GET path; status 0 and the error when none came."""
    host, port = split(addr)
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        return 0, f"{type(e).__name__}: {e}"
    finally:
        c.close()


def probe_path(target, module="pass", **params):
    q = [("target", target), ("module", module)] + list(params.items())
    return "/probe?" + urllib.parse.urlencode(q)


def success(body):
    """weir_probe_success's value in a probe's answer, or None."""
    for line in body.splitlines():
        if line.startswith("weir_probe_success"):
            try:
                return float(line.split()[-1])
            except ValueError:
                return None
    return None


def still_serving(addr, good, after):
    st, body = get(addr, "/-/healthy", timeout=10)
    ok(f"after {after}: /-/healthy answers 200", st == 200, f"status {st}: {body[:200]}")
    st, body = get(addr, probe_path(good), timeout=40)
    ok(f"after {after}: a probe of a weir server answers 200 with weir_probe_success 1",
       st == 200 and success(body) == 1, f"status {st}: {body[-300:]}")


def raw(addr, data, wait=10, chunk=65536):
    """Send data on a fresh connection, then read until close or wait
    seconds: what the exporter did, as "status NNN", "closed" or "hang"."""
    host, port = split(addr)
    s = socket.create_connection((host, port), timeout=wait)
    answer = b""
    try:
        try:
            for i in range(0, len(data), chunk):
                s.sendall(data[i:i + chunk])
        except OSError:
            pass        # it closed on us while we sent: an answer too
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                b = b""
            if not b:
                break
            answer += b
            if b"\r\n\r\n" in answer:
                break
        else:
            pass
        if answer.startswith(b"HTTP/"):
            return "status " + answer.split(b" ", 2)[1].decode("ascii", "replace")
        if answer:
            return "garbage " + repr(answer[:60])
        # Nothing read: closed, or still open (a hang) when recv timed out.
        s.settimeout(0.2)
        try:
            b = s.recv(1)
            return "closed" if not b else "garbage " + repr(b)
        except socket.timeout:
            return "hang"
        except OSError:
            return "closed"
    finally:
        s.close()


def refused_or_closed(res):
    return res == "closed" or (res.startswith("status 4") or res.startswith("status 5"))


# ---------------------------------------------------------------- commands

def cmd_silent(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(128)
    held = []
    while True:
        c, _ = ls.accept()
        held.append(c)
        # Keep the newest few hundred; older ones close (the exporter
        # has long given up on them).
        if len(held) > 500:
            held.pop(0).close()


def cmd_headers(addr, good):
    host = addr
    cases = [
        ("a 1 MiB header", b"GET /-/healthy HTTP/1.1\r\nHost: " + host.encode() +
         b"\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"),
        ("20000 headers", b"GET /-/healthy HTTP/1.1\r\nHost: " + host.encode() + b"\r\n" +
         b"".join(b"X-H%d: v\r\n" % i for i in range(20000)) + b"\r\n"),
        ("a 256 KiB URL", b"GET /probe?target=" + b"a" * (256 << 10) + b" HTTP/1.1\r\nHost: " +
         host.encode() + b"\r\n\r\n"),
        ("a 64 KiB cookie header line folded", b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nCookie: a\r\n" +
         b" b\r\n" * 16384 + b"\r\n"),
    ]
    for name, data in cases:
        res = raw(addr, data)
        ok(f"{name}: refused (4xx) or closed, not served or left hanging", refused_or_closed(res), res)
    still_serving(addr, good, "huge headers")


def cmd_slowloris(addr, good, n, seconds):
    n, seconds = int(n), float(seconds)
    host, port = split(addr)
    request = b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 4096 + b"\r\n\r\n"
    socks = []
    for _ in range(n):
        try:
            # From an address of their own: one abusive client, while the
            # checks below come from 127.0.0.1 like everybody else.
            s = socket.create_connection((host, port), timeout=5, source_address=(SLOW_SOURCE, 0))
            s.setblocking(False)
            socks.append([s, 0, False])     # socket, bytes sent, closed by the exporter
        except OSError:
            break
    out("info", f"slowloris: {len(socks)} of {n} connections opened")
    t0 = time.monotonic()
    served = []
    while time.monotonic() - t0 < seconds:
        for rec in socks:
            s, sent, closed = rec
            if closed:
                continue
            try:
                if s.recv(4096) == b"":
                    rec[2] = True
                    continue
            except BlockingIOError:
                pass
            except OSError:
                rec[2] = True
                continue
            try:
                s.send(request[sent % len(request):sent % len(request) + 1])
                rec[1] += 1
            except (BlockingIOError, OSError):
                rec[2] = True
        c0 = time.monotonic()
        st, _ = get(addr, "/-/healthy", timeout=10)
        served.append((st, time.monotonic() - c0))
        if all(r[2] for r in socks):
            break
        time.sleep(max(0.0, 1.0 - (time.monotonic() - c0)))
    closed = sum(1 for r in socks if r[2])
    took = time.monotonic() - t0
    bad = [x for x in served if x[0] != 200]
    ok(f"slowloris: /-/healthy answered 200 all along ({len(served)} times)", served and not bad,
       f"not 200: {bad[:5]}")
    ok(f"slowloris: the exporter closed all {len(socks)} slow connections within {seconds:g} s",
       closed == len(socks), f"{closed} closed after {took:.0f} s")
    for rec in socks:
        rec[0].close()
    still_serving(addr, good, "slowloris")


def cmd_disallowed(addr, good, denied):
    for t in denied:
        st, body = get(addr, probe_path(t))
        ok(f"target {t} outside the allow-list: 403", st == 403, f"status {st}: {body[:200]}")
    still_serving(addr, good, "disallowed targets")


def cmd_overflow(addr, good, closed):
    many = "&".join(f"p{i}={i}" for i in range(5000))
    cases = [
        ("5000 unknown parameters", f"/probe?target={closed}&module=pass&{many}", {400, 414, 431}),
        ("2000 repeated target parameters",
         "/probe?" + "&".join(f"target={closed}" for _ in range(2000)) + "&module=pass", {400, 414, 431}),
        ("an unknown parameter", probe_path(closed, frobnicate="1"), {400}),
        ("a repeated module", probe_path(closed) + "&module=pass", {400}),
        ("no target", "/probe?module=pass", {400}),
        ("an unknown module", probe_path(closed, module="nosuchmodule"), {400}),
        ("a 10 KiB module name", probe_path(closed, module="m" * 10240), {400, 414, 431}),
        ("a 1000-character host", probe_path("h" * 1000 + ":5201"), {400, 403}),
        ("port 99999", probe_path("127.0.0.1:99999"), {400}),
        ("port -1", probe_path("127.0.0.1:-1"), {400}),
        ("port 0", probe_path("127.0.0.1:0"), {400}),
        ("a NUL in the target", "/probe?target=127.0.0.1%00x&module=pass", {400}),
        ("bad percent-encoding", "/probe?target=127.0.0.1%zz&module=pass", {400}),
        ("time=-1", probe_path(closed, time="-1"), {400}),
        ("time=nan", probe_path(closed, time="nan"), {400}),
        ("time=inf", probe_path(closed, time="inf"), {400}),
        ("time=0x10", probe_path(closed, time="0x10"), {400}),
        ("time=1e308 (clamped to the module's max_time, or refused)",
         probe_path(closed, time="1e308"), {200, 400}),
        ("time=" + "9" * 400, probe_path(closed, time="9" * 400), {200, 400}),
        ("parallel=99999999999999999999", probe_path(closed, parallel="9" * 20), {400}),
        ("parallel=0", probe_path(closed, parallel="0"), {400}),
        ("parallel=1000000 (clamped to max_parallel, or refused)",
         probe_path(closed, parallel="1000000"), {200, 400}),
        ("bitrate=1e400", probe_path(closed, bitrate="1e400"), {400}),
        ("bitrate=99999999999999999999999G", probe_path(closed, bitrate="9" * 23 + "G"), {400}),
        ("reverse=2", probe_path(closed, reverse="2"), {400}),
        ("transport=../../etc/passwd", probe_path(closed, transport="../../etc/passwd"), {400}),
        ("udp=maybe", probe_path(closed, udp="maybe"), {400}),
        ("an empty query", "/probe?", {400}),
        ("a query of only separators", "/probe?&&&&&&&&&&==&=", {400}),
    ]
    for name, path, want in cases:
        st, body = get(addr, path)
        ok(f"{name}: {' or '.join(str(w) for w in sorted(want))}", st in want,
           f"status {st}: {body[:200]}")
    still_serving(addr, good, "parameter overflow")


def cmd_malformed(addr, good, idle_bound):
    # Connections that never send a request (blank lines are skipped
    # before a request line, as HTTP allows): closed by the exporter's idle
    # timeout, watched while the cases below run.
    host, port = split(addr)
    idle = []
    for name, data in (("a connection that sends nothing", b""),
                       ("a connection that sends blank lines only", b"\r\n\r\n")):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(data)
        idle.append((name, s))
    idle_t0 = time.monotonic()
    # Requests no server may serve: refused (4xx, 5xx) or closed.
    invalid = [
        ("a request line of garbage", b"GARBAGE\r\n\r\n"),
        ("a method alone", b"GET\r\n\r\n"),
        ("HTTP/9.9", b"GET /-/healthy HTTP/9.9\r\nHost: x\r\n\r\n"),
        ("binary junk", bytes(range(256)) * 64 + b"\r\n\r\n"),
        ("NULs in the request line", b"GET /-/he\x00althy HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("a POST announcing 100 GB it never sends",
         b"POST /probe HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\nabc"),
        ("a negative Content-Length", b"POST /probe HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"),
        ("a bad chunk size",
         b"POST /probe HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzzzz\r\n"),
        ("a path not starting with /", b"GET probe?target=x HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("an unknown method", b"BREW /probe HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]
    for name, data in invalid:
        res = raw(addr, data)
        ok(f"{name}: refused or closed, not left hanging", refused_or_closed(res), res)
    # Requests a lenient parser may take (HTTP allows some leniency): any
    # answer or a close, never a hang.
    lenient = [
        ("a header without a colon", b"GET /-/healthy HTTP/1.1\r\nHost\r\n\r\n"),
        ("lone LF line endings", b"GET /-/healthy HTTP/1.1\nHost: x\n\n"),
        ("an absolute URI to elsewhere", b"GET http://192.0.2.1/probe HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("HTTP/1.0 without Host", b"GET /-/healthy HTTP/1.0\r\n\r\n"),
    ]
    for name, data in lenient:
        res = raw(addr, data)
        ok(f"{name}: answered or closed, not left hanging", res.startswith("status ") or res == "closed",
           res)
    # Pipelined: 500 health checks in one write; each answered, or closed.
    res = raw(addr, b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n" * 500)
    ok("500 pipelined requests: answered or closed", res.startswith("status ") or res == "closed", res)
    st, body = get(addr, "/nothing-here")
    ok("GET of an unknown path: 404", st == 404, f"status {st}")
    host, port = split(addr)
    c = http.client.HTTPConnection(host, port, timeout=10)
    try:
        c.request("DELETE", "/-/healthy")
        st = c.getresponse().status
    except (OSError, http.client.HTTPException) as e:
        st = f"{e}"
    finally:
        c.close()
    ok("DELETE /-/healthy: not served (4xx or 5xx)", isinstance(st, int) and st >= 400, f"status {st}")
    for name, s in idle:
        left = max(0.1, float(idle_bound) - (time.monotonic() - idle_t0))
        s.settimeout(left)
        try:
            closed = s.recv(1) == b""
        except socket.timeout:
            closed = False
        except OSError:
            closed = True
        ok(f"{name}: closed within {float(idle_bound):g} s", closed,
           f"still open after {time.monotonic() - idle_t0:.0f} s")
        s.close()
    still_serving(addr, good, "malformed requests")


def cmd_limits(addr, closed1, closed2, silent):
    st1, _ = get(addr, probe_path(closed1))
    st2, body2 = get(addr, probe_path(closed1))
    ok("the same target again within min_interval: 429", st1 == 200 and st2 == 429,
       f"statuses {st1}, {st2}: {body2[:200]}")
    slow = {}

    def hang():
        slow["t0"] = time.monotonic()
        slow["st"], slow["body"] = get(addr, probe_path(silent), timeout=60)
        slow["took"] = time.monotonic() - slow["t0"]
    th = threading.Thread(target=hang)
    th.start()
    time.sleep(0.5)             # the hanging probe holds the only slot now
    st3, body3 = get(addr, probe_path(closed2))
    ok("a probe behind a hanging one, beyond queue_timeout: 503", st3 == 503,
       f"status {st3}: {body3[:200]}")
    th.join()
    ok("the probe of a target that never answers: 200, weir_probe_success 0 (killed)",
       slow.get("st") == 200 and success(slow.get("body", "")) == 0,
       f"status {slow.get('st')} after {slow.get('took', 0):.1f} s: {slow.get('body', '')[-300:]}")


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return f.read().split()
    except OSError:
        return []


def settled(pid):
    """The fewest descriptors over 2 s, once no probe child runs (up to 30 s)."""
    deadline = time.monotonic() + 30
    while children(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    least = fds(pid)
    for _ in range(20):
        time.sleep(0.1)
        least = min(least, fds(pid))
    return least, rss_kb(pid)


def cmd_soak(addr, pid, n, good, closed, silent, denied, rss_slack_kb):
    n, rss_slack_kb = int(n), int(rss_slack_kb)
    host_good, port_good = split(good)
    # Kinds in a fixed rotation of 50: 6 passing, 20 failing, 22 refused,
    # 1 timed out (Prometheus's 3 s scrape timeout, sent as it does: the
    # test is cut at 2.5 s), 1 abandoned (its client gives up after 0.5 s
    # and closes: its test is ended).
    rotation = (["pass"] * 6 + ["fail"] * 20 + ["deny"] * 11 + ["bad"] * 11 + ["hang"] * 1
                + ["gone"] * 1)
    kinds = [rotation[(i * 7) % len(rotation)] for i in range(n)]
    paths = {
        "pass": lambda i: probe_path(good),
        "fail": lambda i: probe_path(closed),
        "deny": lambda i: probe_path(denied),
        "bad": lambda i: probe_path(good, time="x%d" % i),
        "hang": lambda i: probe_path(silent),
        "gone": lambda i: probe_path(silent),
    }
    # (status, weir_probe_success); status 0: no answer, as the client left.
    want = {"pass": (200, 1), "fail": (200, 0), "deny": (403, None), "bad": (400, None),
            "hang": (200, 0), "gone": (0, None)}
    scrape = {"X-Prometheus-Scrape-Timeout-Seconds": "3"}
    wrong = {}
    counts = {}

    def one(i):
        k = kinds[i]
        if k == "gone":
            st, body = get(addr, paths[k](i), timeout=0.5)
        else:
            st, body = get(addr, paths[k](i), timeout=60, headers=scrape if k == "hang" else None)
        w_st, w_succ = want[k]
        good_answer = st == w_st and (w_succ is None or success(body) == w_succ)
        with LOCK:
            counts[k] = counts.get(k, 0) + 1
            if not good_answer:
                wrong.setdefault(k, []).append(f"#{i} status {st}: {body[-160:]!r}")

    warm = max(50, n // 10)
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(one, range(warm)))
        fd0, rss0 = settled(pid)
        list(pool.map(one, range(warm, n)))
    fd1, rss1 = settled(pid)
    took = time.monotonic() - t0
    out("info", f"soak: {n} probes in {took:.0f} s: {counts}")
    out("info", f"soak: descriptors {fd0} after {warm} probes, {fd1} at the end; "
                f"VmRSS {rss0} kB, then {rss1} kB")
    for k in sorted(want):
        w = wrong.get(k, [])
        ok(f"soak: every {k} probe " + (f"answered {want[k][0]}" if want[k][0] else "left unanswered")
           + (f" with weir_probe_success {want[k][1]}" if want[k][1] is not None else "")
           + f" ({counts.get(k, 0)} probes)", not w, f"{len(w)} wrong, e.g. {w[:3]}")
    ok("soak: the exporter's open descriptors did not grow", fd1 <= fd0, f"{fd0} -> {fd1}")
    if rss_slack_kb >= 0:
        ok(f"soak: the exporter's resident memory grew less than {rss_slack_kb} kB",
           rss1 - rss0 < rss_slack_kb, f"{rss0} kB -> {rss1} kB")
    else:
        out("info", "soak: memory not judged (ASan build: its quarantine grows by design)")
    ok("soak: no probe process left behind", not children(pid), f"children {children(pid)}")
    # Each abandoned probe's test was ended as its client left, not at its
    # deadline (which would count as a timeout).
    st, body = get(addr, "/metrics", timeout=10)
    gone = [line.split()[-1] for line in body.splitlines()
            if line.startswith('weir_exporter_probe_failures_total{reason="client_gone"}')]
    ok("soak: /metrics counts every abandoned probe as client_gone",
       st == 200 and gone == [str(counts.get("gone", 0))], f"status {st}: {gone}")


def main(argv):
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    table = {
        "headers": (cmd_headers, 2), "slowloris": (cmd_slowloris, 4),
        "overflow": (cmd_overflow, 3), "malformed": (cmd_malformed, 3),
        "limits": (cmd_limits, 4), "soak": (cmd_soak, 8),
    }
    if cmd == "silent" and len(args) == 1:
        cmd_silent(args[0])
        return 0
    if cmd == "disallowed" and len(args) >= 3:
        cmd_disallowed(args[0], args[1], args[2:])
    elif cmd in table and len(args) == table[cmd][1]:
        table[cmd][0](*args)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("\n".join(LINES), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
