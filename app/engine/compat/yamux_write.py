"""YAMUX-WINDOW-TIMEOUT, YAMUX-FRAME-SPLIT, YAMUX-WRITE-PER-FRAME: how a yamux stream writes.

Upstream (``libp2p.stream_muxer.yamux.yamux``):

* YAMUX-WINDOW-TIMEOUT: ``YamuxStream.write`` gives up with ``MuxedStreamError("Timed out waiting
  for window update after 5 seconds.")`` when the reader has not consumed data for 5 s. For a port
  forward that means any client that stops reading for 5 s (a paused download, an ssh session in
  a suspended terminal) kills its connection.
* YAMUX-FRAME-SPLIT: frames are 64 KiB, but a Noise transport message holds at most 65519 bytes of
  plaintext, so every full frame is encrypted and written as two Noise messages.
* YAMUX-WRITE-PER-FRAME: a write goes out frame by frame, each frame through the connection's
  write lock, a Noise encryption and a socket write of its own; and ``Yamux._write_frame``
  unpacks each frame's header to format a debug line whether debug logging is on or not.

Workaround (:func:`install`, process-wide): :func:`_yamux_write` replaces ``YamuxStream.write``.
It waits for the send window with no deadline (until the window opens or the stream closes),
sends frames that fit one Noise message (+60% forwarded throughput on loopback, see
docs/performance.md) and builds up to four frames at a time to write them at once;
:func:`_write_frame` skips the debug formatting when debug logging is off.
"""

from __future__ import annotations

import contextlib
import logging
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import trio
from libp2p.connection_types import ConnectionType
from libp2p.security.noise import io as _noise_io
from libp2p.security.noise.io import MAX_PLAINTEXT_LENGTH as NOISE_MAX_PLAINTEXT
from libp2p.stream_muxer.exceptions import MuxedStreamError
from libp2p.stream_muxer.yamux import yamux as _yamux

from app.engine.compat.noise_write_per_message import NOISE_OVERHEAD

# A yamux frame whose header and payload fit one Noise transport message (65519 bytes of plaintext)
# costs one encryption and one socket write; upstream's 64 KiB frames need two of each. On a
# relayed connection the frames are smaller still, so that each inner Noise message (2-byte length,
# 16-byte tag) also fits one frame of the outer connection to the relay.
_FRAME_PAYLOAD: int = min(_yamux.MAX_MESSAGE_SIZE, NOISE_MAX_PLAINTEXT) - _yamux.HEADER_SIZE
_RELAYED_FRAME_PAYLOAD: int = _FRAME_PAYLOAD - NOISE_OVERHEAD - _yamux.HEADER_SIZE


def _frame_payload(muxed_conn: Any) -> int:
    """The largest frame payload for this yamux connection (cached on it)."""
    cached = getattr(muxed_conn, "_peerup_frame_payload", None)
    if isinstance(cached, int):
        return cached
    secured = getattr(muxed_conn, "secured_conn", None)
    noise_io = getattr(secured, "conn", None)
    packets = getattr(noise_io, "read_writer", None)
    raw = getattr(packets, "read_write_closer", None)
    relayed = getattr(raw, "_connection_type", None) == ConnectionType.RELAYED
    size = _RELAYED_FRAME_PAYLOAD if relayed else _FRAME_PAYLOAD
    with contextlib.suppress(AttributeError):  # slotted classes cannot cache; it is cheap anyway
        muxed_conn._peerup_frame_payload = size
    if isinstance(noise_io, _noise_io.NoiseTransportReadWriter):
        # A batch of frames is cut into Noise messages where frames end: one frame per message.
        noise_io._peerup_message_size = size + _yamux.HEADER_SIZE  # type: ignore[attr-defined]
    return size


_WINDOW_WAIT_FIRST = 0.0005
_WINDOW_WAIT_MAX = 0.01


async def _wait_for_send_window(stream: Any) -> None:
    """Wait, with no deadline, until ``stream`` may send again or is closed."""
    delay = _WINDOW_WAIT_FIRST
    while True:
        async with stream.window_lock:
            if stream.send_window > 0 or stream.closed or stream.reset_received:
                return
        await trio.sleep(delay)
        delay = min(delay * 2, _WINDOW_WAIT_MAX)


# One write of up to this many bytes goes out as one batch: its frames are encrypted into one
# buffer and handed to the socket in one call (see NOISE-WRITE-PER-MESSAGE).
_WRITE_BATCH = 4 * _FRAME_PAYLOAD


async def _yamux_write(self: Any, data: bytes) -> None:
    """``YamuxStream.write`` without the 5 s window deadline (defect YAMUX-WINDOW-TIMEOUT).

    The framing is the same as upstream: frames of at most ``MAX_MESSAGE_SIZE`` minus the header,
    never more than the peer's send window. Up to :data:`_WRITE_BATCH` bytes of frames are built
    at a time and written in one ``_write_frame`` (defect YAMUX-WRITE-PER-FRAME): one lock round,
    one encryption pass and one socket write per batch instead of per frame.
    """
    if self.send_closed:
        raise MuxedStreamError("Stream is closed for sending")
    view = memoryview(data)
    total = len(data)
    sent = 0
    max_payload = _frame_payload(self.conn)
    pack = struct.pack
    header_format = _yamux.YAMUX_HEADER_FORMAT
    stream_id = self.stream_id
    while sent < total:
        parts: list[bytes | memoryview] = []
        end = sent
        async with self.rw_lock.write_lock():
            if self.send_closed:
                raise MuxedStreamError("Stream is closed for sending")
            async with self.window_lock:
                if self.closed or self.reset_received:
                    raise MuxedStreamError("Stream is closed")
                batch_end = min(total, sent + _WRITE_BATCH)
                while end < batch_end and self.send_window > 0:
                    size = min(self.send_window, max_payload, batch_end - end)
                    self.send_window -= size
                    parts.append(pack(header_format, 0, _yamux.TYPE_DATA, 0, stream_id, size))
                    parts.append(view[end : end + size])
                    end += size
        if not parts:
            await _wait_for_send_window(self)
            continue
        await self.conn._write_frame(b"".join(parts))  # one copy of the payload, not two
        sent = end


_original_write_frame: Callable[[Any, bytes], Awaitable[None]] = _yamux.Yamux._write_frame


async def _write_frame(self: Any, data: bytes) -> None:
    """``Yamux._write_frame`` without formatting a debug line per frame (YAMUX-WRITE-PER-FRAME).

    Upstream unpacks every frame's header and formats a log line from it whether debug logging
    is on or not; with debug logging on, upstream's version runs.
    """
    if _yamux.logger.isEnabledFor(logging.DEBUG):
        await _original_write_frame(self, data)
        return
    async with self._write_lock:
        await self.secured_conn.write(data)
    await trio.lowlevel.checkpoint()


_original_yamux_write: Callable[[Any, bytes], Awaitable[None]] = _yamux.YamuxStream.write


def install() -> None:
    """Install :func:`_yamux_write` and :func:`_write_frame` on py-libp2p's yamux (idempotent)."""
    _yamux.YamuxStream.write = _yamux_write  # type: ignore[method-assign]
    _yamux.Yamux._write_frame = _write_frame  # type: ignore[method-assign]


def original_yamux_write() -> Callable[[Any, bytes], Awaitable[None]]:
    """The upstream ``YamuxStream.write``, for the test that proves the defect."""
    return _original_yamux_write


def original_write_frame() -> Callable[[Any, bytes], Awaitable[None]]:
    """The upstream ``Yamux._write_frame``, for the test that proves YAMUX-WRITE-PER-FRAME."""
    return _original_write_frame
