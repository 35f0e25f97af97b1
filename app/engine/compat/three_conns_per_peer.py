"""THREE-CONNS-PER-PEER: the swarm keeps up to three connections to each peer.

Upstream (``libp2p.network.config.ConnectionConfig``): ``max_connections_per_peer`` defaults to 3;
the extra dials add ~200 ms to every first connection.

Workaround (per host): the node passes :func:`connection_config` (one connection per peer) to
``new_host``.
"""

from __future__ import annotations

from libp2p.network.config import ConnectionConfig


def connection_config() -> ConnectionConfig:
    """Connection settings with one connection per peer (defect THREE-CONNS-PER-PEER)."""
    return ConnectionConfig(max_connections_per_peer=1)
