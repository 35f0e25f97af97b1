"""QUIC-TAIL-LOSS: a QUIC stream can end short, its last data left in the buffer.

Upstream (``libp2p.transport.quic.stream.QUICStream.read``): the buffer is checked, then the read
yields taking the state lock, then raises EOF if the read side closed meanwhile, without looking
at the buffer again; when the last data and the FIN arrive during that yield, the tail of the
stream is dropped. QUIC is off by default for this.

Workaround (:func:`install`, process-wide): :func:`_quic_read` looks at the buffer once more
before it reports EOF.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from libp2p.transport.quic import stream as _quic_stream

_original_quic_read: Callable[[Any, int | None], Awaitable[bytes]] = _quic_stream.QUICStream.read


async def _quic_read(self: Any, n: int | None = None) -> bytes:
    """``QUICStream.read`` that looks at the buffer once more before reporting EOF.

    Defect QUIC-TAIL-LOSS: upstream checks the buffer, then yields taking the state lock, then
    raises EOF if the read side closed meanwhile, without looking at the buffer again; when the
    last data and the FIN arrive during that yield, the tail of the stream is dropped.
    """
    try:
        return await _original_quic_read(self, n)
    except _quic_stream._QUICStreamEOF:
        async with self._receive_buffer_lock:
            if self._receive_buffer:
                return bytes(self._extract_data_from_buffer(-1 if n is None else n))
        raise


def install() -> None:
    """Install :func:`_quic_read` on ``QUICStream`` (idempotent)."""
    _quic_stream.QUICStream.read = _quic_read  # type: ignore[method-assign]


def original_quic_read() -> Callable[[Any, int | None], Awaitable[bytes]]:
    """The upstream ``QUICStream.read``, for the test that proves the defect."""
    return _original_quic_read
