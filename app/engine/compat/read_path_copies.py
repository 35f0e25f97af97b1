"""READ-PATH-COPIES: every incoming frame body is copied about five times on top of decryption.

Upstream: ``libp2p.io.utils.read_exactly`` collects even a complete read in a ``bytearray`` and
copies it out again, and ``libp2p.security.secure_session.SecureSession`` copies the rest of a
Noise message into a ``BytesIO`` and out again.

Workaround (:func:`install`, process-wide): :func:`_read_exactly` (in yamux and msgio) returns a
complete read as it is, and :func:`_secure_read` keeps the unread rest of a message as it is,
with an offset.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from libp2p.io import msgio as _msgio
from libp2p.io import utils as _io_utils
from libp2p.io.exceptions import ConnectionClosedError, IncompleteReadError
from libp2p.security import secure_session as _secure_session
from libp2p.stream_muxer.yamux import yamux as _yamux

_original_read_exactly: Callable[..., Awaitable[bytes]] = _io_utils.read_exactly
_original_secure_read: Callable[[Any, int | None], Awaitable[bytes]] = (
    _secure_session.SecureSession.read
)


async def _read_exactly(
    reader: Any, n: int, retry_count: int = _io_utils.DEFAULT_RETRY_READ_COUNT
) -> bytes:
    """``read_exactly`` that returns a complete first read as it is (defect READ-PATH-COPIES)."""
    data: bytes = await reader.read(n)
    if len(data) == n:
        return data
    buffer = bytearray(data)
    for _ in range(retry_count):
        if len(buffer) >= n:
            return bytes(buffer)
        buffer.extend(await reader.read(n - len(buffer)))
    if len(buffer) >= n:
        return bytes(buffer)
    raise IncompleteReadError(
        f"Connection closed during read operation: expected {n} bytes but "
        f"received {len(buffer)} bytes",
        expected_bytes=n,
        received_bytes=len(buffer),
    )


async def _secure_read(self: Any, n: int | None = None) -> bytes:
    """``SecureSession.read`` keeping the unread rest of a message as it is, with an offset.

    Same contract as upstream: ``n`` None returns what is left of the current message or the
    next whole message; otherwise exactly ``n`` bytes across messages, or fewer when the
    connection closes after some data (``ConnectionClosedError`` when it closes before any).
    """
    if n == 0:
        return b""
    pending: bytes = getattr(self, "_peerup_pending", b"")
    offset: int = getattr(self, "_peerup_offset", 0)
    parts: list[bytes] = []
    have = 0
    if offset < len(pending):
        if n is not None and offset + n < len(pending):
            self._peerup_offset = offset + n
            return pending[offset : offset + n]
        rest = pending[offset:] if offset else pending
        self._peerup_pending = b""
        self._peerup_offset = 0
        if n is None or len(rest) == n:
            return rest
        parts.append(rest)
        have = len(rest)
    elif n is None:
        msg: bytes = await self.conn.read_msg()
        if msg == b"":
            raise ConnectionClosedError("Connection closed")
        return msg
    assert n is not None
    while have < n:
        msg = await self.conn.read_msg()
        if msg == b"":
            if parts:
                return b"".join(parts)
            raise ConnectionClosedError("Connection closed")
        need = n - have
        if len(msg) > need:
            self._peerup_pending = msg
            self._peerup_offset = need
            msg = msg[:need]
        parts.append(msg)
        have += len(msg)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def install() -> None:
    """Install :func:`_read_exactly` (in yamux and msgio) and :func:`_secure_read` (idempotent)."""
    _yamux.read_exactly = _read_exactly  # type: ignore[attr-defined]
    _msgio.read_exactly = _read_exactly  # type: ignore[attr-defined]
    _secure_session.SecureSession.read = _secure_read  # type: ignore[method-assign]


def original_read_exactly() -> Callable[..., Awaitable[bytes]]:
    """The upstream ``read_exactly``, for the test that proves the defect."""
    return _original_read_exactly


def original_secure_read() -> Callable[[Any, int | None], Awaitable[bytes]]:
    """The upstream ``SecureSession.read``, for the test that proves the defect."""
    return _original_secure_read
