#!/usr/bin/env python3
"""sockpeek.py - read socket options of another process's TCP sockets.

Usage: sockpeek.py PID PORT

For every connected TCP socket of process PID whose local or remote port is
PORT, a duplicate of the descriptor is taken with pidfd_getfd(2) (Linux 5.6+,
needs ptrace rights over PID: root, or the same user with ptrace_scope 0) and
its options are read with getsockopt(2). One line per socket, in descriptor
order:

    fd=7 local=40000 remote=5201 user_timeout=3000 keepalive=1 idle=30 intvl=5 cnt=6

(idle, intvl and cnt are the kernel's values, defaults included.)
Exit status: 0, 2 when a descriptor could not be taken (no line printed for
any: the caller should skip), 3 on a usage error.
"""

import ctypes
import os
import socket
import sys

SYS_PIDFD_GETFD = 438       # the same number on every Linux architecture
TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", 18)


def take_fd(pidfd, fd):
    libc = ctypes.CDLL(None, use_errno=True)
    got = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
    if got < 0:
        err = ctypes.get_errno()
        raise OSError(err, "pidfd_getfd(%d): %s" % (fd, os.strerror(err)))
    return got


def port_of(addr):
    return addr[1] if isinstance(addr, tuple) and len(addr) >= 2 else None


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 3
    pid, port = int(argv[0]), int(argv[1])
    fds = []
    for name in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, name)).startswith("socket:"):
                fds.append(int(name))
        except OSError:
            pass
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError) as e:
        sys.stderr.write("sockpeek: pidfd_open: %s\n" % e)
        return 2
    lines = []
    try:
        for fd in sorted(fds):
            try:
                mine = take_fd(pidfd, fd)
            except OSError as e:
                sys.stderr.write("sockpeek: %s\n" % e)
                return 2
            s = socket.socket(fileno=mine)
            try:
                if s.family not in (socket.AF_INET, socket.AF_INET6) or s.type != socket.SOCK_STREAM:
                    continue
                try:
                    local, remote = port_of(s.getsockname()), port_of(s.getpeername())
                except OSError:
                    continue            # a listener: not connected
                if port not in (local, remote):
                    continue
                opt = lambda level, name: s.getsockopt(level, name)
                lines.append("fd=%d local=%d remote=%d user_timeout=%d keepalive=%d idle=%d intvl=%d cnt=%d" % (
                    fd, local, remote,
                    opt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT),
                    opt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                    opt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                    opt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                    opt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT)))
            finally:
                s.close()
    finally:
        os.close(pidfd)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
