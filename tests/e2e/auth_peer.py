#!/usr/bin/env python3
"""auth_peer.py - send one hand-made iperf3 authentication token to a server.

Usage:
    auth_peer.py --port P --pubkey PEM --user U --password W [--ts-offset S]
                 [--padding oaep|pkcs1] [--plaintext TEXT] [--token TOKEN]

Speaks the iperf3 control protocol up to the parameters (docs/protocol.md §3):
cookie, PARAM_EXCHANGE, then parameter JSON whose "authtoken" is made here:
"user: U\\npwd:  W\\nts:   T" (T = now + S) RSA-encrypted with the openssl
command (OAEP unless --padding pkcs1) and Base64-encoded.  --plaintext
replaces the plaintext, --token the whole token (sent verbatim).  Prints

    ANSWER <hex>    the bytes the server sent after the parameters ("-": none)
    END <why>       eof, reset or timeout

and exits 0, or 2 when the server did not ask for parameters.  A server that
accepts the token sends CREATE_STREAMS (0a); one that refuses sends
SERVER_ERROR (fe) and the error number 142 (8e).
"""

import argparse
import base64
import json
import socket
import struct
import subprocess
import sys
import time

from peerlib import make_cookie, read_all


def make_token(args):
    if args.token is not None:
        return args.token
    plain = args.plaintext
    if plain is None:
        ts = int(time.time()) + args.ts_offset
        plain = "user: %s\npwd:  %s\nts:   %d" % (args.user, args.password, ts)
    ct = subprocess.run(
        ["openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", args.pubkey,
         "-pkeyopt", "rsa_padding_mode:" + args.padding],
        input=plain.encode(), stdout=subprocess.PIPE, check=True, timeout=10).stdout
    return base64.b64encode(ct).decode()


def accepted(data):
    """Stop reading at CREATE_STREAMS: the server took the token, and what
    follows (the data phase) is not this peer's business."""
    return "streams" if data[:1] == b"\x0a" else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pubkey")
    ap.add_argument("--user", default="mario")
    ap.add_argument("--password", default="rossi")
    ap.add_argument("--ts-offset", type=int, default=0)
    ap.add_argument("--padding", choices=["oaep", "pkcs1"], default="oaep")
    ap.add_argument("--plaintext")
    ap.add_argument("--token")
    ap.add_argument("--timeout", type=float, default=5)
    args = ap.parse_args()

    token = make_token(args)
    s = socket.create_connection((args.host, args.port), timeout=args.timeout)
    s.sendall(make_cookie())
    s.settimeout(args.timeout)
    b = s.recv(1)
    if b != b"\x09":
        print("SETUP %s" % b.hex())
        return 2
    params = {"tcp": True, "omit": 0, "time": 1, "num": 0, "blockcount": 0,
              "parallel": 1, "len": 131072, "pacing_timer": 1000,
              "authtoken": token, "client_version": "3.12"}
    body = json.dumps(params).encode()
    s.sendall(struct.pack(">I", len(body)) + body)
    data, why = read_all(s, time.monotonic() + args.timeout, stop=accepted)
    print("ANSWER %s" % (data.hex() if data else "-"))
    print("END %s" % why)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
