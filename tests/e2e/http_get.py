#!/usr/bin/env python3
"""One HTTP request for the exporter's tests, loopback only.

http_get.py URL [METHOD] [ACCEPT] [SCRAPE_TIMEOUT]
SCRAPE_TIMEOUT: sent as X-Prometheus-Scrape-Timeout-Seconds, as
Prometheus does.
Prints "STATUS code", "TYPE content-type", "RETRY retry-after" (empty
when absent), an empty line, then the body. Exit 0 when an answer came
(whatever its status), 2 when none did.
"""
import sys
import urllib.error
import urllib.request


def main():
    url = sys.argv[1]
    method = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else "GET"
    headers = {}
    if len(sys.argv) > 3 and sys.argv[3]:
        headers["Accept"] = sys.argv[3]
    if len(sys.argv) > 4 and sys.argv[4]:
        headers["X-Prometheus-Scrape-Timeout-Seconds"] = sys.argv[4]
    req = urllib.request.Request(url, method=method, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=60)
        code, hdrs, body = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        code, hdrs, body = e.code, e.headers, e.read()
    except OSError as e:
        print("no answer: %s" % e, file=sys.stderr)
        return 2
    sys.stdout.write("STATUS %d\nTYPE %s\nRETRY %s\n\n" % (
        code, hdrs.get("Content-Type", ""), hdrs.get("Retry-After", "")))
    sys.stdout.write(body.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
