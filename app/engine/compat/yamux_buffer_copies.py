"""YAMUX-BUFFER-COPIES: each yamux stream copies its received data into and out of a bytearray.

Upstream (``libp2p.stream_muxer.yamux.yamux.Yamux.stream_buffers``): each stream keeps its
received data in one ``bytearray``: every frame is copied in (with reallocations as it grows) and
every read copies it out again.

Workaround (:func:`install`, process-wide): ``Yamux.__init__`` is followed by
:class:`_ReceiveBuffers`, which turns every buffer py-libp2p stores into a :class:`ReceiveBuffer`
that keeps the frames' own bytes; a read of whole frames copies nothing.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

from libp2p.stream_muxer.yamux import yamux as _yamux


class ReceiveBuffer:
    """A yamux stream's received data, kept as the frames' own ``bytes`` (YAMUX-BUFFER-COPIES).

    py-libp2p keeps each stream's received data in one ``bytearray``: every frame is copied into
    it (and the array reallocated as it grows) and every read copies out of it again. This holds
    the frames as they came and supports what py-libp2p does with the buffer (``len``, truth,
    ``extend``, ``bytes()``, ``[:n]``, ``del [:n]``, ``clear``); a read of whole frames copies
    nothing, a read of one whole frame returns that frame's object.
    """

    __slots__ = ("_chunks", "_size")

    def __init__(self, data: bytes | bytearray = b"") -> None:
        self._chunks: collections.deque[bytes] = collections.deque()
        self._size = 0
        self.extend(data)

    def __len__(self) -> int:
        return self._size

    def extend(self, data: bytes | bytearray | memoryview) -> None:
        """Append received data (``bytes`` is kept as it is, anything else copied once)."""
        if len(data):
            self._chunks.append(data if type(data) is bytes else bytes(data))
            self._size += len(data)

    def clear(self) -> None:
        """Drop everything."""
        self._chunks.clear()
        self._size = 0

    def __bytes__(self) -> bytes:
        return self._peek(self._size)

    def __getitem__(self, key: slice) -> bytes:
        if isinstance(key, slice) and key.step is None and not key.start:
            stop = self._size if key.stop is None else key.stop
            if stop >= 0:
                return self._peek(min(stop, self._size))
        return bytes(self)[key]

    def __delitem__(self, key: slice) -> None:
        if isinstance(key, slice) and key.step is None and not key.start:
            stop = self._size if key.stop is None else key.stop
            if stop >= 0:
                self._drop(min(stop, self._size))
                return
        rest = bytearray(bytes(self))
        del rest[key]
        self.clear()
        self.extend(bytes(rest))

    def _peek(self, n: int) -> bytes:
        chunks = self._chunks
        if not chunks or n <= 0:
            return b""
        first = chunks[0]
        if n == len(first):
            return first
        if n < len(first):
            return first[:n]
        parts: list[bytes] = []
        have = 0
        for chunk in chunks:
            parts.append(chunk)
            have += len(chunk)
            if have >= n:
                break
        joined = b"".join(parts)
        if len(parts) == len(chunks):  # everything: keep the joined copy for the next peek
            chunks.clear()
            chunks.append(joined)
        return joined if have == n else joined[:n]

    def _drop(self, n: int) -> None:
        chunks = self._chunks
        self._size -= n
        while n:
            first = chunks[0]
            if n >= len(first):
                chunks.popleft()
                n -= len(first)
            else:
                chunks[0] = first[n:]
                n = 0


class _ReceiveBuffers(dict[int, Any]):
    """``Yamux.stream_buffers``: every buffer py-libp2p stores becomes a :class:`ReceiveBuffer`."""

    def __setitem__(self, key: int, value: Any) -> None:
        if isinstance(value, (bytes, bytearray)):
            value = ReceiveBuffer(value)
        super().__setitem__(key, value)


_original_yamux_init: Callable[..., None] = _yamux.Yamux.__init__


def _yamux_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """``Yamux.__init__``, then buffers that keep frames as they are (YAMUX-BUFFER-COPIES)."""
    _original_yamux_init(self, *args, **kwargs)
    self.stream_buffers = _ReceiveBuffers(self.stream_buffers)


def install() -> None:
    """Install :func:`_yamux_init` on ``Yamux`` (idempotent)."""
    _yamux.Yamux.__init__ = _yamux_init  # type: ignore[method-assign]
