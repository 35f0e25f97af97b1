"""Status values built for tests: a reachability, a node status, settings, a watch snapshot.

Every field gets a plain default; a test names only what it is about.
"""

from __future__ import annotations

from typing import Any

from app.api.models import Snapshot
from app.core.status import Grade, NatMapping, NodeStatus, PeerInfo, Reachability, Settings

ME = "12D3KooWMe"


def reachability(
    grade: Grade, reason_code: str = "endpoint-independent", *, reason: str = "x", hint: str = ""
) -> Reachability:
    """A grade with its code (an endpoint-independent NAT, nothing else measured)."""
    return Reachability(
        grade=grade,
        reason_code=reason_code,
        reason=reason,
        hint=hint,
        nat_mapping=NatMapping.ENDPOINT_INDEPENDENT,
        udp_blocked=False,
        cgnat=False,
        public_addresses=(),
        probed_at=0.0,
    )


def node_status(**overrides: Any) -> NodeStatus:
    """Our node: ``ME``, grade B unless ``overrides`` say otherwise."""
    fields: dict[str, Any] = {
        "peer_id": ME,
        "version": "0",
        "uptime_seconds": 1.0,
        "listen_addresses": (),
        "connected_peers": 0,
        "authorized_peers": 0,
        "services": 0,
        "forwards": 0,
        "config_path": "/x",
        "reachability": reachability(Grade.B),
    }
    fields.update(overrides)
    return NodeStatus(**fields)


def settings(**overrides: Any) -> Settings:
    """The preferences of a fresh config (device ``laptop``) unless ``overrides`` say otherwise."""
    fields: dict[str, Any] = {
        "device_name": "laptop",
        "network": None,
        "mdns": False,
        "port_mapping": False,
        "hole_punching": True,
    }
    fields.update(overrides)
    return Settings(**fields)


def snapshot(*peers: PeerInfo, **status: Any) -> Snapshot:
    """A watch snapshot of ``peers`` and :func:`node_status` (``status`` overrides it)."""
    return Snapshot(seq=1, status=node_status(**status), settings=settings(), peers=peers)
