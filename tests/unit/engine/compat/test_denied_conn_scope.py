"""DENIED-CONN-SCOPE (``app/engine/compat/denied_conn_scope.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import pytest
import trio
from libp2p.network.exceptions import SwarmException
from libp2p.network.swarm import Swarm

from app.engine.compat import denied_conn_scope
from tests.unit.engine.compat.hosts import noise_host, running

pytestmark = pytest.mark.trio


async def _refused_dials(monkeypatch: pytest.MonkeyPatch, add_conn, dials: int) -> tuple[int, int]:
    """(slots before, after) on the dialer when ``dials`` extra connections are refused."""
    monkeypatch.setattr(Swarm, "add_conn", add_conn)
    a, b = noise_host(), noise_host()
    async with running(a, b):
        addr = b.get_addrs()[0]
        swarm = a.get_network()
        with trio.fail_after(10):
            await swarm.dial_addr(addr, b.get_id())
        rm = swarm._resource_manager
        rm.connection_limits.max_established_per_peer = 1  # every further connection is refused
        before = rm._current_connections
        for _ in range(dials):
            with trio.fail_after(10), pytest.raises(SwarmException):
                await swarm._dial_addr_single_attempt(addr, b.get_id())
        return before, rm._current_connections


async def test_defect_a_refused_connection_keeps_its_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = await _refused_dials(monkeypatch, denied_conn_scope.original_add_conn(), 5)
    assert after == before + 5


async def test_a_refused_connection_gives_its_slot_back(monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = await _refused_dials(monkeypatch, denied_conn_scope._add_conn, 5)
    assert after == before
