"""THREE-CONNS-PER-PEER (``app/engine/compat/three_conns_per_peer.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

from libp2p.network.config import ConnectionConfig

from app.engine.compat import three_conns_per_peer


def test_defect_three_connections_per_peer_by_default() -> None:
    assert ConnectionConfig().max_connections_per_peer == 3
    assert three_conns_per_peer.connection_config().max_connections_per_peer == 1
