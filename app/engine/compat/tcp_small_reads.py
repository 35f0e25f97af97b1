"""TCP-SMALL-READS: every read of a TCP connection is one socket read of exactly what was asked.

Upstream (``libp2p.io.trio.TrioTCPStream.read``): one ``receive_some`` per call, and Noise asks
twice per message (the 2-byte length, then the body), yamux twice per frame: two socket reads and
trio round trips per 64 KiB.

Workaround (:func:`install`, process-wide): :func:`_tcp_read` reads up to 256 KiB at once and
serves the small reads from that buffer. It also counts the bytes each TCP connection received
(:func:`received_bytes`): the path watcher takes a connection that is receiving as alive even
when its ping waits behind a busy transfer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from libp2p.io import trio as _trio_io

_TCP_READ_SIZE = 256 * 1024
_CONN_ATTRS = ("muxed_conn", "secured_conn", "conn", "read_writer", "stream")

_original_tcp_read: Callable[[Any, int | None], Awaitable[bytes]] = _trio_io.TrioTCPStream.read


async def _tcp_read(self: Any, n: int | None = None) -> bytes:
    """``TrioTCPStream.read`` served from a buffer of one large socket read (TCP-SMALL-READS).

    Same contract as upstream: up to ``n`` bytes (any amount if ``n`` is None), ``b""`` at EOF or
    after a local close, ``ConnectionClosedError`` when the peer resets.
    """
    if n == 0:
        return b""
    buffer: bytes = getattr(self, "_peerup_buffer", b"")
    offset: int = getattr(self, "_peerup_offset", 0)
    if offset >= len(buffer):
        buffer = await _original_tcp_read(self, _TCP_READ_SIZE)
        self._peerup_received = getattr(self, "_peerup_received", 0) + len(buffer)
        offset = 0
        if not buffer:
            return buffer
    if n is None or n < 0 or offset + n >= len(buffer):
        data = buffer[offset:] if offset else buffer
        self._peerup_buffer = b""
        self._peerup_offset = 0
        return data
    self._peerup_buffer = buffer
    self._peerup_offset = offset + n
    return buffer[offset : offset + n]


def received_bytes(conn: Any) -> int | None:
    """Bytes the TCP connection under a swarm connection received so far; None for QUIC or
    relayed connections (no TCP stream of their own) or before the workaround is installed."""
    obj, seen = conn, 0
    while obj is not None and seen < 10:
        if isinstance(obj, _trio_io.TrioTCPStream):
            return getattr(obj, "_peerup_received", None)
        obj = next((getattr(obj, a) for a in _CONN_ATTRS if hasattr(obj, a)), None)
        seen += 1
    return None


def install() -> None:
    """Install :func:`_tcp_read` on ``TrioTCPStream`` (idempotent)."""
    _trio_io.TrioTCPStream.read = _tcp_read  # type: ignore[method-assign]


def original_tcp_read() -> Callable[[Any, int | None], Awaitable[bytes]]:
    """The upstream ``TrioTCPStream.read``, for the test that proves the defect."""
    return _original_tcp_read
