"""YAMUX-TIMER-PER-FRAME: every yamux DATA frame body is read under a timer.

Upstream (``libp2p.stream_muxer.yamux.yamux.Yamux._read_data_body``): every body is read inside
``trio.fail_after`` (a cancel scope with a deadline), even when it is already decrypted in memory.

Workaround (:func:`install`, process-wide): :func:`_read_data_body` reads a body that
READ-PATH-COPIES's ``SecureSession.read`` (:mod:`app.engine.compat.read_path_copies`) already
holds directly, and leaves the bounded read to upstream otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from libp2p.stream_muxer.yamux import yamux as _yamux

from app.engine.compat.read_path_copies import _read_exactly

_original_read_data_body: Callable[[Any, int], Awaitable[bytes]] = _yamux.Yamux._read_data_body


async def _read_data_body(self: Any, length: int) -> bytes:
    """A DATA frame's body, without a timer when it is already decrypted (YAMUX-TIMER-PER-FRAME).

    Upstream bounds every body read with ``trio.fail_after`` (a cancel scope with a deadline per
    frame). With the frame's Noise message in hand (:func:`_secure_read` keeps it) the read cannot
    wait, so the bound is only set up when the body is still on the way.
    """
    secured = self.secured_conn
    pending: bytes = getattr(secured, "_peerup_pending", b"")
    if len(pending) - getattr(secured, "_peerup_offset", 0) >= length:
        return await _read_exactly(secured, length)
    return await _original_read_data_body(self, length)


def install() -> None:
    """Install :func:`_read_data_body` on ``Yamux`` (idempotent)."""
    _yamux.Yamux._read_data_body = _read_data_body  # type: ignore[method-assign]


def original_read_data_body() -> Callable[[Any, int], Awaitable[bytes]]:
    """The upstream ``Yamux._read_data_body``, for the test that proves the defect."""
    return _original_read_data_body
