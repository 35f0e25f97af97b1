"""When a path's RTT is news for front ends (``rtt-changed``)."""

from __future__ import annotations

import pytest

from app.engine.pathwatch import rtt_change_noticeable


@pytest.mark.parametrize(
    ("old", "new", "news"),
    [
        (None, 0.3, True),  # the first RTT of a path
        (12.0, None, True),  # forgotten (a relayed probe went unanswered)
        (None, None, False),
        (0.3, 0.9, False),  # tripled, but a fraction of a millisecond
        (100.0, 110.0, False),  # 10 ms, but 10 %
        (20.0, 26.0, True),  # 6 ms and 30 %
        (26.0, 20.0, True),  # either way
        (20.0, 24.0, False),  # 4 ms
    ],
)
def test_rtt_change_noticeable(old: float | None, new: float | None, news: bool) -> None:
    assert rtt_change_noticeable(old, new) is news
