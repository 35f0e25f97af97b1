"""The reference's line ping (``/pingpong/1.0.0``): ``ping\\n`` → ``pong\\n``, one per stream."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import trio
from libp2p.abc import INetStream

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


async def ping_once(stream: INetStream) -> float:
    """Send one ping on a fresh stream; return the RTT in milliseconds.

    Raises:
        ValueError: the peer answered something other than ``pong``.
    """
    start = trio.current_time()
    await stream.write(b"ping\n")
    line = await read_line(stream)
    rtt = (trio.current_time() - start) * 1000.0
    await stream.close()
    if line.strip() != b"pong":
        raise ValueError(f"unexpected response: {line[:200]!r}")
    return rtt
