"""AUTO-DIAL: the swarm dials the peers of its peerstore on its own.

Upstream (the swarm's ``AutoConnector``): whenever the node has fewer than ``min_connections``
(default 50) connections, the swarm dials peers from the peerstore, so a node would dial every
peer it ever heard of. peer-up dials only the peers a user asks for.

Workaround (per host): :func:`disable_auto_dial` makes the host's ``maybe_connect`` do nothing.
"""

from __future__ import annotations

from typing import Any


def disable_auto_dial(host: Any) -> None:
    """Stop the swarm from dialing peers on its own (defect AUTO-DIAL)."""

    async def no_auto_dial() -> None:
        return None

    host.get_network().auto_connector.maybe_connect = no_auto_dial
