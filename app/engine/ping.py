"""Ping: the reference's line protocol (``/pingpong/1.0.0``, ``ping\\n`` → ``pong\\n``, one exchange
per stream) and, for libp2p peers that are not peer-up, the standard ``/ipfs/ping/1.0.0`` (32 random
bytes echoed back). The standard responder is py-libp2p's own.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

import trio
from libp2p.abc import INetStream
from libp2p.custom_types import TProtocol
from libp2p.host.ping import ID as LIBP2P_PING_ID
from libp2p.host.ping import PING_LENGTH
from libp2p.io.utils import read_exactly

log = logging.getLogger("peerup.engine.ping")

MAX_LINE = 64
PING_TIMEOUT = 15.0


async def read_line(stream: INetStream, limit: int = MAX_LINE) -> bytes:
    """Read up to and excluding ``\\n``; at most ``limit`` bytes (untrusted input)."""
    buf = b""
    while b"\n" not in buf:
        if len(buf) > limit:
            raise ValueError("line too long")
        chunk = await stream.read(limit)
        if not chunk:
            break
        buf += chunk
    return buf.split(b"\n", 1)[0]


def make_responder(
    is_authorized: Callable[[str], bool],
) -> Callable[[INetStream], Awaitable[None]]:
    """A stream handler that answers ``ping`` with ``pong`` for authorized peers."""

    async def handle(stream: INetStream) -> None:
        try:
            if not is_authorized(str(stream.muxed_conn.peer_id)):
                await stream.reset()
                return
            with trio.fail_after(PING_TIMEOUT):
                line = await read_line(stream)
                await stream.write(b"pong\n" if line.strip() == b"ping" else b"unknown\n")
                await stream.close()
        except Exception as exc:  # a misbehaving peer must not take the handler down
            log.debug("ping responder: %s", exc)
            try:
                await stream.reset()
            except Exception:  # already broken
                log.debug("reset failed", exc_info=True)

    return handle


def ping_protocols(line_protocol: str) -> list[TProtocol]:
    """Protocols to offer when opening a ping stream, preferred first."""
    return [TProtocol(line_protocol), LIBP2P_PING_ID]


async def ping_once(stream: INetStream) -> float:
    """Send one ping on a fresh stream (either protocol); return the RTT in milliseconds.

    Raises:
        ValueError: the peer answered something other than the expected reply.
    """
    standard = stream.get_protocol() == LIBP2P_PING_ID
    request = secrets.token_bytes(PING_LENGTH) if standard else b"ping\n"
    start = trio.current_time()
    await stream.write(request)
    reply = await read_exactly(stream, PING_LENGTH) if standard else await read_line(stream)
    rtt = (trio.current_time() - start) * 1000.0
    await stream.close()
    if (reply != request) if standard else (reply.strip() != b"pong"):
        raise ValueError(f"unexpected response: {reply[:200]!r}")
    return rtt
