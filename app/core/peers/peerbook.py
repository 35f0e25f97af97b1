"""Who our peers are: authorized keys, their names, their verified state (a pure model).

The engine's :class:`~app.engine.peerbook.PeerBook` (a running node) and the CLI without a daemon
read the same files through this one model, so a name resolves, a badge shows, an expiry counts
and a key change is detected the same way everywhere. Pure: the entries, the names and the wall
time (for ``expires=``) come in as values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.core.errors import InvalidPeerIdError, UnknownPeerError
from app.core.ids.peerid import PeerId, is_peer_id
from app.core.peers import trust
from app.core.peers.admission import is_relay_entry
from app.core.peers.authkeys import AuthorizedKey
from app.core.status import AuthEntry, Resolved

__all__ = ["PeerBookModel", "names_hint", "resolve_peer"]


def names_hint(names: Iterable[str]) -> str:
    """A hint listing the peer names a user may type."""
    known = sorted(names)
    if known:
        return "Known names: " + ", ".join(known) + ". A full peer ID (12D3KooW…) works too."
    return "Use a full peer ID (12D3KooW…), or add a name under `names:` in config.yaml."


def resolve_peer(names: Mapping[str, str], text: str) -> Resolved:
    """Resolve a peer given by name (``names:`` in the config) or by peer ID.

    Raises:
        UnknownPeerError: Neither a known name nor a peer ID; the hint lists the known names.
        InvalidPeerIdError: The text looks like a peer ID but is damaged.
    """
    text = text.strip()
    if text in names:
        return Resolved(name=text, peer_id=str(names[text]), source="names")
    if is_peer_id(text):
        return Resolved(name=text, peer_id=str(PeerId.parse(text)), source="peer-id")
    if text.startswith(("12D3Koo", "Qm")) and len(text) > 40:
        try:
            PeerId.parse(text)
        except InvalidPeerIdError as exc:
            raise InvalidPeerIdError(
                f"{text!r} is not a valid peer ID: {exc.message}", hint=names_hint(names)
            ) from None
    raise UnknownPeerError(f"unknown peer {text!r}", hint=names_hint(names))


@dataclass(frozen=True)
class PeerBookModel:
    """authorized_keys and ``names:`` as one value.

    Attributes:
        own: This node's peer ID (``verified=`` values are recomputed with it).
        entries: authorized_keys, peer ID → entry, in file order.
        names: ``names:`` of the config, name → peer ID.
    """

    own: PeerId | None
    entries: Mapping[str, AuthorizedKey] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls, own: PeerId | None, entries: Iterable[AuthorizedKey], names: Iterable[tuple[str, str]]
    ) -> PeerBookModel:
        """Build the model from the files' contents."""
        return cls(own, {str(e.peer_id): e for e in entries}, dict(names))

    def is_authorized(self, peer_id: str, *, now: float) -> bool:
        """Whether ``peer_id`` is in authorized_keys as a peer (a ``role=relay`` line is not)
        and its line has not expired at ``now`` (Unix seconds)."""
        entry = self.entries.get(peer_id)
        return entry is not None and not is_relay_entry(entry) and not entry.is_expired(now)

    def is_relay(self, peer_id: str, *, now: float) -> bool:
        """Whether ``peer_id``'s line in authorized_keys is a relay's (``role=relay``) and has
        not expired at ``now``."""
        entry = self.entries.get(peer_id)
        return entry is not None and is_relay_entry(entry) and not entry.is_expired(now)

    def peer_ids(self) -> list[str]:
        """The peers of authorized_keys, in file order (relays left out, expired ones kept)."""
        return [pid for pid, e in self.entries.items() if not is_relay_entry(e)]

    def expired_ids(self, now: float) -> set[str]:
        """The peers (and relays) whose lines have expired at ``now``."""
        return {pid for pid, e in self.entries.items() if e.is_expired(now)}

    def next_expiry(self, now: float) -> float | None:
        """The earliest ``expires=`` still to come after ``now``, None when none is."""
        times = [t for e in self.entries.values() if (t := e.expires_at) is not None and t > now]
        return min(times, default=None)

    def is_verified(self, peer_id: str) -> bool:
        """Whether a human verified ``peer_id`` (its ``verified=`` value matches, recomputed)."""
        entry = self.entries.get(peer_id)
        return entry is not None and self.own is not None and trust.is_verified(entry, self.own)

    def name_for(self, peer_id: str) -> str | None:
        """The first name that points at ``peer_id``."""
        return next((n for n, p in self.names.items() if p == peer_id), None)

    def resolve(self, text: str) -> Resolved:
        """See :func:`resolve_peer`."""
        return resolve_peer(self.names, text)

    def auth_entry(self, entry: AuthorizedKey, *, now: float) -> AuthEntry:
        """One authorized_keys line as shown to users (expired or not at ``now``)."""
        peer_id = str(entry.peer_id)
        return AuthEntry(
            peer_id=peer_id,
            comment=entry.comment,
            verified=self.own is not None and trust.is_verified(entry, self.own),
            attributes=tuple(entry.attributes),
            name=self.name_for(peer_id),
            verified_value=entry.verified,
            expires_at=entry.expires_at,
            expired=entry.is_expired(now),
        )

    def auth_entries(self, *, now: float) -> list[AuthEntry]:
        """authorized_keys as shown to users, in file order (expired lines flagged)."""
        return [self.auth_entry(e, now=now) for e in self.entries.values()]

    def key_changes(self, new: Iterable[AuthorizedKey]) -> list[trust.KeyChange]:
        """The key changes a new authorized_keys brings: a new line whose name (its ``names:``
        entry, else its comment) belonged to another key."""
        if self.own is None:
            return []
        found = []
        for entry in new:
            if str(entry.peer_id) in self.entries or not entry.comment:
                continue
            name = self.name_for(str(entry.peer_id)) or entry.comment
            change = trust.bind_name(
                name,
                entry.peer_id,
                names=self.names.items(),
                entries=self.entries.values(),
                own=self.own,
            )
            if change is not None:
                found.append(change)
        return found

    def stale_names(self) -> list[trust.KeyChange]:
        """``names:`` entries pointing to a key while an older, still authorized key carries
        that name (a key change made while no node was running)."""
        if self.own is None:
            return []
        found = []
        for name, pid in self.names.items():
            if not is_peer_id(pid):
                continue
            change = trust.bind_name(
                name, PeerId.parse(pid), names=(), entries=self.entries.values(), own=self.own
            )
            if change is not None and str(change.old) in self.entries:
                found.append(change)
        return found
