"""Keeping a front end's state from the watch stream: fold each event into the last snapshot.

A front end holds one :class:`~app.api.models.Snapshot`: it replaces it with every snapshot the
stream sends (the first one, one after a ``resync``, and refreshes) and applies every event in
between with :func:`apply_event`. The result is what a fresh snapshot would show, except for
values that change without an event: counters of services and forwards between their events,
RTTs, uptime, agent versions.

Events that change state they do not carry in full (:data:`app.api.models.RESNAPSHOT_AFTER`,
``config-changed`` among them) are left to the refresh snapshot the daemon sends after them.
``connection-refused``, ``join-progress`` and ``peers-introduced`` change no state of the snapshot
(the peers a relay introduced come with ``authorized-keys-changed``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import msgspec

from app.api.models import Snapshot, WatchEvent
from app.core.reach.reachability import expected_path
from app.core.status import (
    ForwardChanged,
    ForwardState,
    InviteChanged,
    InviteState,
    PathChanged,
    PathInfo,
    PeerConnected,
    PeerDisconnected,
    PeerInfo,
    PortMappingChanged,
    Reachability,
    ReachabilityChanged,
    RttChanged,
    ServicesChanged,
    SettingsChanged,
    VerifyRequested,
    VerifySessionInfo,
    VerifyUpdated,
)

__all__ = ["apply_event"]

T = TypeVar("T")


def apply_event(snapshot: Snapshot, item: WatchEvent) -> Snapshot:
    """Return ``snapshot`` with the event applied, numbered ``item.seq``.

    Args:
        snapshot: The state so far (a snapshot from the stream, or the result of this function).
        item: The next event of the stream.

    Returns:
        The new state. Events that do not change it (see the module docstring) only advance
        ``seq``.
    """
    state = msgspec.structs.replace(snapshot, seq=item.seq)
    event = item.event
    if isinstance(event, PeerConnected | PathChanged) and event.path is not None:
        state = _set_path(state, event.peer_id, event.path)
    elif isinstance(event, PeerDisconnected):
        state = _set_path(state, event.peer_id, None)
    elif isinstance(event, ForwardChanged):
        forward = event.forward
        value = None if forward.state is ForwardState.CLOSED else forward
        forwards = _upsert(state.forwards, forward.id, value, key=lambda f: f.id)
        state = msgspec.structs.replace(state, forwards=forwards)
    elif isinstance(event, ServicesChanged):
        state = msgspec.structs.replace(state, services=event.services)
    elif isinstance(event, ReachabilityChanged):
        state = _set_reachability(state, event.peer_id, event.reachability)
    elif isinstance(event, VerifyRequested | VerifyUpdated):
        state = _set_session(state, event.session)
    elif isinstance(event, InviteChanged):
        invite = event.invite
        kept = invite if invite.state is InviteState.OPEN else None
        invites = _upsert(state.invites, invite.id, kept, key=lambda i: i.id)
        state = msgspec.structs.replace(state, invites=invites)
    elif isinstance(event, RttChanged):
        state = _set_rtt(state, event.peer_id, event.rtt_ms)
    elif isinstance(event, PortMappingChanged):
        status = replace(state.status, port_mapping=event.mapping)
        state = msgspec.structs.replace(state, status=status)
    elif isinstance(event, SettingsChanged):
        status = replace(state.status, network=event.settings.network)
        state = msgspec.structs.replace(state, status=status, settings=event.settings)
    return _recount(state)


def _set_path(state: Snapshot, peer_id: str, path: PathInfo | None) -> Snapshot:
    peers = {p.peer_id: p for p in state.peers}
    known = peers.get(peer_id)
    if path is not None and known is not None:
        # Events carry the connection as classified; the badge is the peer's.
        path = replace(path, verified=known.verified)
    paths = _upsert(state.paths, peer_id, path, key=lambda p: p.peer_id)
    if known is not None:
        peers[peer_id] = replace(
            known,
            connected=path is not None,
            path=path,
            addresses=(path.address,) if path is not None else (),
        )
    return msgspec.structs.replace(state, paths=paths, peers=tuple(peers.values()))


def _set_rtt(state: Snapshot, peer_id: str, rtt_ms: float | None) -> Snapshot:
    paths = tuple(replace(p, rtt_ms=rtt_ms) if p.peer_id == peer_id else p for p in state.paths)
    peers = tuple(
        replace(p, path=replace(p.path, rtt_ms=rtt_ms))
        if p.peer_id == peer_id and p.path is not None
        else p
        for p in state.peers
    )
    return msgspec.structs.replace(state, paths=paths, peers=peers)


def _set_reachability(state: Snapshot, peer_id: str, value: Reachability) -> Snapshot:
    if peer_id == state.status.peer_id:
        status = replace(state.status, reachability=value)
        peers = tuple(_with_expected_path(p, value) for p in state.peers)
        return msgspec.structs.replace(state, status=status, peers=peers)
    ours = state.status.reachability
    peers = tuple(
        _with_expected_path(replace(p, reachability=value), ours) if p.peer_id == peer_id else p
        for p in state.peers
    )
    return msgspec.structs.replace(state, peers=peers)


def _with_expected_path(peer: PeerInfo, ours: Reachability | None) -> PeerInfo:
    theirs = peer.reachability
    if ours is None or theirs is None:
        return replace(peer, expected_path=None)
    return replace(peer, expected_path=expected_path(ours.grade, theirs.grade))


def _set_session(state: Snapshot, session: VerifySessionInfo) -> Snapshot:
    sessions = _upsert(state.verify_sessions, session.id, session, key=lambda s: s.id)
    return msgspec.structs.replace(state, verify_sessions=sessions)


def _upsert(
    items: tuple[T, ...], id_: str, value: T | None, *, key: Callable[[T], str]
) -> tuple[T, ...]:
    """``items`` with the one whose key is ``id_`` replaced in place, added at the end, or
    removed (``value`` None)."""
    if value is None:
        return tuple(item for item in items if key(item) != id_)
    if not any(key(item) == id_ for item in items):
        return (*items, value)
    return tuple(value if key(item) == id_ else item for item in items)


def _recount(state: Snapshot) -> Snapshot:
    """The status's counts, from the lists (as the node counts them)."""
    connected = {p.peer_id for p in state.paths}
    authorized = {p.peer_id for p in state.peers if p.authorized}
    connected_peers = len(connected & authorized)
    status = replace(
        state.status,
        connected_peers=connected_peers,
        connected_others=len(connected) - connected_peers,
        services=sum(1 for s in state.services if s.enabled),
        forwards=len(state.forwards),
    )
    return msgspec.structs.replace(state, status=status)
