"""Counters are equal only to themselves (a forward removes each connection's own from a list)."""

from __future__ import annotations

from app.engine.splice import Counters


def test_a_connection_removes_its_own_counters_not_an_equal_looking_one() -> None:
    # Two connections that both failed to open have the same counts; removing the second one's
    # must leave the first one's (by value it removed the first, and the first's removal later
    # raised ValueError inside the forward's task, which took the daemon down).
    first, second = Counters(), Counters()
    live = [first, second]
    live.remove(second)
    assert live == [first]
    assert live[0] is first
    first.up = 5
    live.remove(first)
    assert live == []
