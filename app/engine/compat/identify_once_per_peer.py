"""IDENTIFY-ONCE-PER-PEER: a peer we connect to again is not identified again, so the address it
observed us at on the new connection is never learned.

Upstream (``BasicHost._schedule_identify``): a new connection runs identify unless the peerstore
already lists the peer's protocols (``_has_cached_protocols``), which it does after the first
identify for as long as the process lives. But when a connection closes, the address the peer
observed us at on it is dropped from the ``ObservedAddrManager`` (``remove_conn``). After our
public address changes (every connection closes, the relay's too), the node reconnects to the
relay, identify is skipped, and the manager stays empty: DCUtR then offers our listen addresses
(a wildcard, skipped by DCUTR-WILDCARD-DIAL) instead of our new public one, and a hole-punched
pair that fell back to the relay never gets DIRECT again (the soak: RELAYED for the rest of a
10-minute run after the first public-address change).

Workaround (process-wide, :func:`install`): a new connection runs identify whatever is cached,
as go-libp2p does for every connection; other triggers keep upstream's shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from libp2p.host import basic_host as _basic_host
from libp2p.peer.id import ID

_original_schedule_identify: Callable[..., None] = _basic_host.BasicHost._schedule_identify

NEW_CONNECTION = "notifee-connected"  # upstream's reason for the identify of a new connection


def _schedule_identify(self: Any, peer_id: ID, *, reason: str) -> None:
    """Upstream's, except that a new connection is identified even when the peer's protocols are
    cached (IDENTIFY-ONCE-PER-PEER)."""
    if reason != NEW_CONNECTION:
        _original_schedule_identify(self, peer_id, reason=reason)
        return
    # An instance attribute shadows the method for this one synchronous call.
    self._has_cached_protocols = _nothing_cached
    try:
        _original_schedule_identify(self, peer_id, reason=reason)
    finally:
        del self._has_cached_protocols


def _nothing_cached(_peer_id: ID) -> bool:
    return False


def install() -> None:
    """Identify every new connection (idempotent)."""
    _basic_host.BasicHost._schedule_identify = _schedule_identify  # type: ignore[method-assign]


def original_schedule_identify() -> Callable[..., None]:
    """Upstream's ``_schedule_identify``, for the test that proves the defect."""
    return _original_schedule_identify
