"""Shared helpers of the compat tests: Noise-only py-libp2p hosts on loopback, Noise states."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import multiaddr
import pytest
import trio
import trio.testing
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.engine import compat

LOOPBACK = [multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]
SINK = TProtocol("/test/sink/1.0.0")


def noise_host():
    """A host that speaks Noise only, listens on loopback and dials nobody on its own."""
    kp = create_new_key_pair()
    host = new_host(
        key_pair=kp,
        sec_opt=compat.noise_only_security(kp),
        listen_addrs=LOOPBACK,
        connection_config=compat.connection_config(),
    )
    compat.disable_auto_dial(host)
    return host


@asynccontextmanager
async def running(*hosts) -> AsyncIterator[None]:
    """Run ``hosts`` on loopback for the ``async with`` block."""
    async with trio.open_nursery() as nursery:
        ctxs = [h.run(LOOPBACK) for h in hosts]
        for c in ctxs:
            await c.__aenter__()
        try:
            yield
        finally:
            for c in reversed(ctxs):
                await c.__aexit__(None, None, None)
            nursery.cancel_scope.cancel()


def random_peer() -> ID:
    """A fresh peer ID nobody uses."""
    return ID.from_pubkey(create_new_key_pair().public_key)


def noise_pair() -> tuple[Any, Any]:
    """Two Noise states after a real XX handshake (initiator, responder)."""
    from noise.connection import Keypair, NoiseConnection

    ends = []
    for initiator in (True, False):
        conn = NoiseConnection.from_name(b"Noise_XX_25519_ChaChaPoly_SHA256")
        conn.set_keypair_from_private_bytes(Keypair.STATIC, os.urandom(32))
        if initiator:
            conn.set_as_initiator()
        else:
            conn.set_as_responder()
        conn.start_handshake()
        ends.append(conn)
    a, b = ends
    b.read_message(a.write_message())
    a.read_message(b.write_message())
    b.read_message(a.write_message())
    assert a.handshake_finished
    assert b.handshake_finished
    return a, b


class Recorder:
    """A raw connection that records what is written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    async def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    async def close(self) -> None:
        return None


def noise_messages(data: bytes) -> list[bytes]:
    """The Noise messages (still encrypted) in ``data``, as written to a connection."""
    messages = []
    while data:
        size = int.from_bytes(data[:2], "big")
        messages.append(data[2 : 2 + size])
        data = data[2 + size :]
    return messages


def ipv6_loopback() -> bool:
    """Whether this machine can bind ::1."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback (::1) here")


DUAL_STACK = [multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0"), multiaddr.Multiaddr("/ip6/::1/tcp/0")]


def tcp_port(host, family: str) -> int:
    """The TCP port ``host`` listens on for ``family`` (``ip4`` or ``ip6``)."""
    for addr in host.get_transport_addrs():
        if str(addr).startswith(f"/{family}/"):
            return int(addr.value_for_protocol("tcp"))
    raise AssertionError(f"no {family} listener in {host.get_transport_addrs()}")
