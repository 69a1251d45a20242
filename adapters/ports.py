"""A port Homeroom should listen on, and why it cannot, in words a person can act on."""

from __future__ import annotations

import errno
import socket


def port_problem(port: int, error: OSError, variable: str) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} is already in use by another program: stop that program, or set "
            f"{variable} to a free port"
        )
    if error.errno == errno.EACCES:
        return f"port {port} needs administrator rights here: set {variable} to a port above 1023"
    return (
        f"can't listen on port {port} ({error.strerror or error}): set {variable} to another port"
    )


def probe(port: int, variable: str, host: str = "0.0.0.0") -> str | None:
    """Why listening on `port` would fail now, found by binding it for a moment."""
    with socket.socket() as trial:
        try:
            trial.bind((host, port))
        except OSError as error:
            return port_problem(port, error, variable)
    return None
