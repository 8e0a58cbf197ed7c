"""peerlib.py - what the raw control-protocol peers of the e2e tests share
(badpeer.py, tls_peer.py, auth_peer.py; standard library only).

Every read is bounded by a deadline on time.monotonic(): a peer never hangs.
The peers are run as scripts, so this directory is first on sys.path.
"""

import os
import socket
import time

ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


class ProtocolError(Exception):
    """The server did not follow the protocol (or went away) before the
    point the peer meant to reach."""


def make_cookie():
    """A control-connection cookie: 36 characters of a-z2-7 and a NUL."""
    raw = os.urandom(36)
    return "".join(ALPHABET[b % 32] for b in raw).encode("ascii") + b"\0"


def read_exact(sock, n, deadline):
    """Exactly n bytes before the deadline, or raise ProtocolError."""
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ProtocolError("timeout after %r (wanted %d bytes)" % (buf.hex(), n))
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            raise ProtocolError("timeout after %r (wanted %d bytes)" % (buf.hex(), n))
        except OSError as e:
            raise ProtocolError("%s after %r" % (e, buf.hex()))
        if not chunk:
            raise ProtocolError("EOF after %r (wanted %d bytes)" % (buf.hex(), n))
        buf += chunk
    return buf


def read_all(sock, deadline, stop=None):
    """Read until EOF, a reset, an error or the deadline, or until
    stop(bytes so far) returns a reason; return (bytes, why)."""
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return buf, "timeout"
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            return buf, "timeout"
        except ConnectionResetError:
            return buf, "reset"
        except OSError as e:
            return buf, "error:%s" % e.errno
        if not chunk:
            return buf, "eof"
        buf += chunk
        why = stop(buf) if stop else None
        if why:
            return buf, why
