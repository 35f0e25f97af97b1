"""What the pairing features (invites, relay pairing) use of a running node, and nothing more."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.engine.bus import EventBus
from app.engine.dialer import Dialer
from app.engine.gate import Gate
from app.engine.peerbook import PeerBook
from app.engine.relayclient import RelayClient
from app.engine.settings import SettingsStore

__all__ = ["PairingContext"]


@dataclass(frozen=True)
class PairingContext:
    """The capabilities :class:`~app.engine.invite.InviteService` and
    :class:`~app.engine.relaypair.PairingService` are built with.

    Attributes:
        own_peer_id: This node's peer ID.
        bus: Where invite and join progress go.
        settings: The config (namespace, relays) and its one writer.
        peers: Where a new peer is stored (authorized, named, verified once confirmed).
        gate: Admits strangers on probation while an invite or a pairing group is open.
        dialer: Reaches the inviter or the relay.
        relay_client: Our relay reservations (for the addresses a code carries).
        own_addresses: Our dialable listen addresses.
        clock: The wall clock (codes and groups carry Unix times; waits run on trio's clock).
    """

    own_peer_id: str
    bus: EventBus
    settings: SettingsStore
    peers: PeerBook
    gate: Gate
    dialer: Dialer
    relay_client: RelayClient
    own_addresses: Callable[[], Sequence[str]]
    clock: Callable[[], float]
