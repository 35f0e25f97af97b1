"""YAMUX-SHUTDOWN-EOF: a stream cut off by the end of its yamux session reads as a clean end.

Upstream (``libp2p.stream_muxer.yamux.yamux``): when a session ends (closed by us, GO_AWAY, or the
transport broke), a stream's pending or next ``read`` reports a clean end of stream, even for
streams the peer never finished (and after buffered data was thrown away). A forwarded connection
cut off by a dead path would look complete to the client.

Workaround (:func:`install`, process-wide): ``Yamux.close`` and ``Yamux._cleanup_on_error`` first
note the streams the peer had not finished, and ``YamuxStream.read`` (:func:`_yamux_read`)
raises a reset for them; streams that got the peer's FIN and were read to the end keep their
clean EOF.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import trio
from libp2p.stream_muxer.exceptions import MuxedStreamEOF, MuxedStreamReset
from libp2p.stream_muxer.yamux import yamux as _yamux

_original_yamux_close: Callable[..., Awaitable[None]] = _yamux.Yamux.close
_original_yamux_cleanup: Callable[[Any], Awaitable[None]] = _yamux.Yamux._cleanup_on_error
_original_yamux_read: Callable[[Any, int | None], Awaitable[bytes]] = _yamux.YamuxStream.read
_cut_streams: weakref.WeakSet[Any] = weakref.WeakSet()
_CUT_WAIT = 1.0


def _mark_cut_streams(session: Any) -> None:
    """Remember the streams a session is about to end before the peer finished them."""
    for stream in list(session.streams.values()):
        if not stream.recv_closed or session.stream_buffers.get(stream.stream_id):
            _cut_streams.add(stream)


async def _yamux_close(self: Any, *args: Any, **kwargs: Any) -> None:
    _mark_cut_streams(self)
    await _original_yamux_close(self, *args, **kwargs)


async def _yamux_cleanup_on_error(self: Any) -> None:
    _mark_cut_streams(self)
    await _original_yamux_cleanup(self)


async def _yamux_read(self: Any, n: int | None = None) -> bytes:
    """``YamuxStream.read`` that reports a stream cut off by its session's end as a reset."""
    try:
        return await _original_yamux_read(self, n)
    except MuxedStreamEOF:
        session = self.conn
        if session.event_shutting_down.is_set() and self not in _cut_streams:
            # The session flags its shutdown before it sorts out its streams; a reader that woke
            # in between waits (briefly) for that, so it can tell a cut stream from a finished one.
            with trio.move_on_after(_CUT_WAIT):
                while self.stream_id in session.streams:  # noqa: ASYNC110
                    await trio.sleep(0.01)
        if self in _cut_streams:
            raise MuxedStreamReset("the connection carrying this stream was lost") from None
        raise


def install() -> None:
    """Install the YAMUX-SHUTDOWN-EOF workaround (idempotent)."""
    _yamux.Yamux.close = _yamux_close  # type: ignore[method-assign]
    _yamux.Yamux._cleanup_on_error = _yamux_cleanup_on_error  # type: ignore[method-assign]
    _yamux.YamuxStream.read = _yamux_read  # type: ignore[method-assign]


def original_yamux_close() -> Callable[..., Awaitable[None]]:
    """The upstream ``Yamux.close``, for the test that proves YAMUX-CLOSE-BLOCKS."""
    return _original_yamux_close


def original_yamux_read() -> Callable[[Any, int | None], Awaitable[bytes]]:
    """The upstream ``YamuxStream.read``, for the test that proves the defect."""
    return _original_yamux_read
