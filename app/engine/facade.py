"""What the daemon may ask of a running node: the engine's public surface, as a Protocol.

The daemon's HTTP handlers are written against this Protocol, so unit tests of the handler layer may
pass a small fake, while end-to-end tests drive the real :class:`app.engine.node.Node`.
All methods raise :class:`app.core.errors.PeerupError` subclasses for expected failures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

from app.core.pairing.invite import JoinResult
from app.core.status import (
    AuthEntry,
    ForwardInfo,
    InviteInfo,
    ListenCheck,
    NodeStatus,
    PathInfo,
    PeerInfo,
    PingResult,
    Reachability,
    RelayInfo,
    Resolved,
    ServiceCheck,
    ServiceInfo,
    Settings,
    SettingsUpdate,
    TracerouteResult,
    VerifySessionInfo,
)

if TYPE_CHECKING:
    from app.engine.bus import Subscription
    from app.engine.invite import OpenInvite
    from app.engine.relaypair import PairingService


class NodeFacade(Protocol):
    """The operations the local API exposes; implemented by :class:`app.engine.node.Node`."""

    @property
    def peer_id(self) -> str: ...

    pairing: PairingService | None
    """Relay pairing (groups on a relay; joins and introductions on every node)."""

    def status(self) -> NodeStatus: ...

    def peers(self, *, include_unauthorized: bool = False) -> list[PeerInfo]: ...

    def paths(self) -> list[PathInfo]: ...

    def services(self) -> list[ServiceInfo]: ...

    def expose_service(
        self,
        name: str,
        local_address: str,
        allowed_peers: Sequence[str] = (),
        *,
        persist: bool = False,
        verified_only: bool = False,
    ) -> ServiceInfo: ...

    def unexpose_service(self, name: str, *, persist: bool = False) -> None: ...

    def set_service_enabled(self, name: str, enabled: bool) -> ServiceInfo:
        """Enable (expose) or disable (unexpose) a service of config.yaml, in the file too."""
        ...

    def add_relay(self, address: str) -> RelayInfo:
        """Add a relay to config.yaml (AlreadyExistsError, InvalidAddressError); reserve now."""
        ...

    def remove_relay(self, relay: str) -> str:
        """Remove a relay (multiaddr or peer ID) from config.yaml; returns its address."""
        ...

    def settings(self) -> Settings:
        """The preferences (device name, network, mDNS, port mapping, hole punching)."""
        ...

    def update_settings(self, change: SettingsUpdate) -> Settings:
        """Change preferences in config.yaml and apply them live (InvalidNameError,
        InvalidNetworkError); None leaves one as it is."""
        ...

    def forwards(self) -> list[ForwardInfo]: ...

    async def open_forward(
        self, peer: str, service: str, listen: str, *, persist: bool = False
    ) -> ForwardInfo:
        """Listen on ``listen`` ("host:port", port 0 = any), reaching ``service`` on ``peer``;
        with ``persist`` saved in config.yaml (AlreadyExistsError for a saved address)."""
        ...

    async def close_forward(self, forward_id: str) -> None:
        """Close a forward; a saved one is removed from config.yaml too."""
        ...

    async def set_forward_enabled(self, forward_id: str, enabled: bool) -> ForwardInfo:
        """Start or stop a saved forward (ForwardNotSavedError for another one)."""
        ...

    async def peer_services(self, peer: str) -> list[str]:
        """The services an authorized peer offers (connects first; PeerUnreachableError)."""
        ...

    async def check_listen(self, listen: str) -> ListenCheck:
        """Whether a forward could listen there, with a suggestion (InvalidAddressError)."""
        ...

    async def check_service(self, local_address: str) -> ServiceCheck:
        """Whether a local TCP service answers within 2 s (InvalidAddressError)."""
        ...

    def auth_entries(self) -> list[AuthEntry]: ...

    def authorize(self, peer: str, comment: str = "") -> AuthEntry:
        """Add a peer ID to authorized_keys and reload; raises AlreadyExistsError."""
        ...

    def deauthorize(self, peer: str) -> None:
        """Remove from authorized_keys, reload, and close its connections; raises NotFoundError."""
        ...

    def rename_peer(self, peer: str, name: str) -> AuthEntry:
        """Name an authorized peer in config.yaml (old names go); raises NotFoundError."""
        ...

    def resolve(self, name: str) -> Resolved: ...

    def ping(self, peer: str, *, count: int, interval: float) -> AsyncIterator[PingResult]:
        """Ping ``count`` times, ``interval`` seconds apart, yielding each result as it comes."""
        ...

    async def connect(self, peer: str, addresses: Sequence[str] = ()) -> PathInfo:
        """Connect to ``peer`` (name, peer ID or /p2p/ multiaddr); extra multiaddrs may be given."""
        ...

    async def disconnect(self, peer: str) -> None: ...

    async def probe_reachability(self) -> Reachability:
        """Re-probe interfaces and STUN now and return the new grade."""
        ...

    async def traceroute(self, peer: str) -> TracerouteResult:
        """Show the path to a peer hop by hop (connecting first if needed)."""
        ...

    def subscribe(self) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe to the event bus (numbered events, a resync after falling behind).

        The subscription ends when the node stops; its ``latest_seq`` is what a snapshot taken at
        that moment is consistent with.
        """
        ...

    # ---- verification (issue 4) ----

    def set_verified(self, peer: str, verified: bool) -> AuthEntry:
        """Mark a peer verified (static fingerprint compared by hand) or unverified."""
        ...

    async def start_verify(self, peer: str) -> VerifySessionInfo:
        """Start /peerup/verify/1.0.0; returns once the SAS is ready (VerifyUnsupportedError)."""
        ...

    def verify_sessions(self) -> list[VerifySessionInfo]: ...

    async def answer_verify(self, session_id: str, match: bool) -> VerifySessionInfo: ...

    async def wait_verify_change(self, session_id: str) -> VerifySessionInfo: ...

    async def cancel_verify(self, session_id: str) -> None: ...
    def open_invite(
        self, *, name: str = "", ttl: float = 600.0, lan: bool = False
    ) -> AbstractAsyncContextManager[OpenInvite]:
        """Open an invite for the block; its ``receive`` channel streams the progress."""
        ...

    def invites(self) -> list[InviteInfo]:
        """The open invites (their state, never their codes)."""
        ...

    async def join_invite(self, code: str, *, name: str = "") -> JoinResult:
        """Join with an invite code or link."""
        ...

    def confirm_invite_sas(self, peer: str) -> None:
        """Mark a peer paired by an invite here verified (the SAS matched)."""
        ...
