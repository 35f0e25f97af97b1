"""Choosing the port a new node keeps.

A node that listens on a random port at every start (``/tcp/0``) cannot be found again at the
address its peers remember. Like Syncthing and Tailscale, ``peerup init`` (and ``join`` on a fresh
device) therefore picks a free port once and writes it into the config.
"""

from __future__ import annotations

import contextlib
import random
import socket

__all__ = ["pick_listen_port"]

# Below Linux's default ephemeral range (32768-60999), so an outgoing connection of this machine
# cannot already hold the port when the node starts; above most well-known services.
_FIRST, _LAST = 20000, 32767
_TRIES = 64


def _free(port: int) -> bool:
    """Whether TCP and UDP ``port`` are free on every IPv4 and (if present) IPv6 address."""
    checks = [
        (socket.AF_INET, socket.SOCK_STREAM, "0.0.0.0"),
        (socket.AF_INET, socket.SOCK_DGRAM, "0.0.0.0"),
        (socket.AF_INET6, socket.SOCK_STREAM, "::"),
        (socket.AF_INET6, socket.SOCK_DGRAM, "::"),
    ]
    for family, kind, host in checks:
        try:
            sock = socket.socket(family, kind)
        except OSError:
            continue  # no IPv6 on this machine: nothing can hold the port there
        with contextlib.closing(sock):
            if family == socket.AF_INET6:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


def pick_listen_port(rng: random.Random | None = None) -> int:
    """A port that is free now for TCP and UDP, IPv4 and IPv6, to keep in a new config.

    Returns:
        A port in 20000-32767, or one the system hands out if none there was free.
    """
    rng = rng or random.SystemRandom()
    for _ in range(_TRIES):
        port = rng.randint(_FIRST, _LAST)
        if _free(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))
        chosen: int = sock.getsockname()[1]
        return chosen
