"""AUTO-DIAL (``app/engine/compat/auto_dial.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import pytest
import trio
import trio.testing
from libp2p.network.config import ConnectionConfig

from app.engine.compat import auto_dial
from tests.unit.engine.compat.hosts import (
    noise_host,
    running,
)


def test_defect_auto_dial_targets_fifty_connections() -> None:
    assert ConnectionConfig().min_connections == 50


@pytest.mark.trio
async def test_disable_auto_dial_dials_nobody() -> None:
    host = noise_host()
    auto_dial.disable_auto_dial(host)
    async with running(host):
        await host.get_network().auto_connector.maybe_connect()
        await trio.sleep(0.2)
        assert host.get_network().get_total_connections() == 0
