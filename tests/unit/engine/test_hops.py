"""The hop probe's bounds (the routers it finds are proven in the NAT lab: tests/lab/test_netlab.py
``test_hops_show_the_nat_beyond_the_router`` and tests/lab/test_carrier_nat.py)."""

from __future__ import annotations

import pytest
import trio

from app.core.reach.reachability import StunProbe, StunResult
from app.engine.hops import probe_hops
from app.engine.reachability import _probe_hops_behind_nat


@pytest.mark.trio
@pytest.mark.parametrize("target", [("127.0.0.1", 3478), ("::1", 3478), ("2001:db8::1", 3478)])
async def test_no_router_to_find_means_no_probe(target: tuple[str, int]) -> None:
    with trio.fail_after(0.2):  # returns at once: nothing is sent
        assert await probe_hops(target) == ()


@pytest.mark.trio
async def test_no_nat_or_no_answer_means_no_probe() -> None:
    server = ("198.51.100.1", 3478)
    no_nat = StunResult.from_probes(
        4000,
        [StunProbe("a", ("192.0.2.7", 4000), None, server),
         StunProbe("b", ("192.0.2.7", 4000), None, ("198.51.100.2", 3478))],
        local_ips={"192.0.2.7"},
    )  # fmt: skip
    silent = StunResult.from_probes(4000, [StunProbe("a", None, None, server)])
    with trio.fail_after(0.2):
        assert await _probe_hops_behind_nat(None) == ()
        assert await _probe_hops_behind_nat(no_nat) == ()
        assert await _probe_hops_behind_nat(silent) == ()
