"""LISTENER-LEAK (``app/engine/compat/listener_leak.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import pytest
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair

from app.engine.compat import listener_leak
from tests.helpers.nodes import accepts_tcp
from tests.unit.engine.compat.hosts import (
    LOOPBACK,
)


@pytest.mark.trio
async def test_defect_host_run_leaves_its_listener_open() -> None:
    host = new_host(key_pair=create_new_key_pair(), listen_addrs=LOOPBACK)
    async with host.run(LOOPBACK):
        port = int(host.get_addrs()[0].value_for_protocol("tcp"))
    try:
        assert await accepts_tcp(port)  # nobody serves it, yet the socket still listens
    finally:
        await listener_leak.close_listeners(host)
    assert not await accepts_tcp(port)
