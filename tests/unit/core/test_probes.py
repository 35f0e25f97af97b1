"""The probe budget: refused lookups per peer and per source address, in a sliding window."""

from __future__ import annotations

import pytest

from app.core.pairing.probes import MAX_TRACKED, ProbeBudget


def test_a_peer_is_dropped_at_its_third_refusal() -> None:
    budget = ProbeBudget(per_peer=3, per_address=100, window=60)
    assert budget.charge("p1", "10.0.0.1", 0.0)
    assert budget.charge("p1", "10.0.0.1", 1.0)
    assert not budget.charge("p1", "10.0.0.1", 2.0)
    assert not budget.charge("p1", "10.0.0.1", 3.0)
    assert budget.charge("p2", "10.0.0.1", 3.0)  # another peer has its own budget
    # The window slides: refusals older than 60 s are forgotten.
    assert budget.charge("p1", "10.0.0.1", 62.5)


def test_an_address_is_barred_whatever_peer_ids_it_uses() -> None:
    budget = ProbeBudget(per_peer=3, per_address=10, window=600)
    results = [budget.charge(f"peer{i}", "192.168.1.9", float(i)) for i in range(10)]
    assert results == [True] * 9 + [False]
    assert budget.barred("192.168.1.9", 10.0)
    assert not budget.charge("fresh", "192.168.1.9", 11.0)
    assert not budget.barred("192.168.1.10", 10.0)
    assert budget.charge("fresh", "192.168.1.10", 11.0)
    # Until the oldest refusal leaves the window.
    assert budget.barred("192.168.1.9", 599.0)
    assert not budget.barred("192.168.1.9", 611.5)


def test_unknown_sources_share_one_budget_and_memory_is_bounded() -> None:
    budget = ProbeBudget(per_peer=1_000_000, per_address=2, window=600)
    assert budget.charge("a", "", 0.0)
    assert not budget.charge("b", "", 0.0)
    for i in range(MAX_TRACKED + 10):
        budget.charge(f"p{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", 1.0)
    assert len(budget._peers) <= MAX_TRACKED
    assert len(budget._addresses) <= MAX_TRACKED


def test_a_budget_needs_room_for_one_refusal() -> None:
    with pytest.raises(ValueError):
        ProbeBudget(per_peer=0)
