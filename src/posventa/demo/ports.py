"""Is a port free to serve on? Asked before any work, so `make run` and `posventa run` say
at once how to pick another port instead of dying with a traceback after migrating.

Standard library only: the Makefile runs it with the system Python before anything is
installed (`python3 src/posventa/demo/ports.py HOST PORT`).
"""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Sequence

# How far to look for a free port to suggest.
SUGGESTION_RANGE = 50


def bind_error(host: str, port: int) -> OSError | None:
    """The error binding host:port gives, or None when a server could listen there.

    The probe sets SO_REUSEADDR like the web server does (waitress), so a port that only
    has connections in TIME_WAIT counts as free, as it is for the server.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        return OSError(errno.EADDRNOTAVAIL, f"unknown host ({error.strerror})")
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        return error
    return None


def free_port_after(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + SUGGESTION_RANGE, 65535) + 1):
        if bind_error(host, candidate) is None:
            return candidate
    return None


def port_problem(host: str, port: int) -> str | None:
    """None when the port is free; otherwise a sentence saying what to do instead."""
    error = bind_error(host, port)
    if error is None:
        return None
    if error.errno != errno.EADDRINUSE:
        return f"Posventa cannot listen on {host}:{port}: {error.strerror or error}."
    other = free_port_after(host, port) or port + 1
    return (
        f"Port {port} on {host} is already in use (another Posventa, or another program).\n"
        f"Pick another port: make run PORT={other}  (or: posventa run --port {other})"
    )


def main(argv: Sequence[str]) -> int:
    host, port = argv[0], int(argv[1])
    problem = port_problem(host, port)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
