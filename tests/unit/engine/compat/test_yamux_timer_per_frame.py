"""YAMUX-TIMER-PER-FRAME (``app/engine/compat/yamux_timer_per_frame.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import trio
import trio.testing

from app.engine.compat import read_path_copies, yamux_timer_per_frame


def test_defect_yamux_reads_every_body_under_a_timer() -> None:
    assert "fail_after" in inspect.getsource(yamux_timer_per_frame.original_read_data_body())


@pytest.mark.trio
async def test_data_body_in_hand_is_read_without_a_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    class Secured:
        _peerup_pending = b"header" + b"body"
        _peerup_offset = 6

        async def read(self, n: int | None = None) -> bytes:
            return await read_path_copies._secure_read(self, n)

    class Conn:
        secured_conn = Secured()

    def no_timer(seconds: float) -> Any:
        raise AssertionError("a timer was set")

    monkeypatch.setattr(trio, "fail_after", no_timer)
    assert await yamux_timer_per_frame._read_data_body(Conn(), 4) == b"body"
    Conn.secured_conn = Secured()
    with pytest.raises(AssertionError, match="a timer was set"):
        await yamux_timer_per_frame._read_data_body(
            Conn(), 5
        )  # not all in hand: upstream's bounded read
