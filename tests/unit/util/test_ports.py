"""The port a new config keeps: free for TCP and UDP, outside the ephemeral range."""

from __future__ import annotations

import random
import socket

from app.util.ports import pick_listen_port


def test_the_port_is_free_and_below_the_ephemeral_range() -> None:
    port = pick_listen_port()
    assert 20000 <= port <= 32767
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.bind(("0.0.0.0", port))  # free: binding works


def test_a_port_in_use_is_not_picked() -> None:
    first = pick_listen_port(random.Random(5))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", first))
        busy.listen()
        # The same random sequence would hand out the same port first; it is taken now.
        assert pick_listen_port(random.Random(5)) != first
