"""The PeerBook: who our peers are, for a running node.

It is the sole owner of authorized_keys (read, hot-reloaded, written), the peers' names (through
the settings store), their verified state, key-change detection and where each peer was last
reached. Invites, relay pairing, verification, the gate and the dialer ask it; nobody else reads
or writes those files while the node runs. The rules themselves are the pure
:class:`~app.core.peers.peerbook.PeerBookModel`, which the CLI uses without a daemon too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace

import trio

from app.core.errors import InvalidNameError, NotFoundError, PeerupError
from app.core.ids.names import sanitize_peer_name, validate_peer_name
from app.core.ids.peerid import PeerId
from app.core.peers import trust
from app.core.peers.authkeys import AuthorizedKey, AuthorizedKeysFile
from app.core.peers.peerbook import PeerBookModel
from app.core.status import (
    KEY_CHANGED,
    AuthEntry,
    AuthorizedKeysChanged,
    KeyChangeInfo,
    PeerKeyChanged,
    Resolved,
    VerificationChanged,
)
from app.engine.addrmemory import PeerAddressMemory
from app.engine.bus import EventBus
from app.engine.settings import SettingsStore

__all__ = ["AUTHKEYS_POLL_INTERVAL", "PeerBook", "unique_name"]

log = logging.getLogger("peerup.engine.peerbook")

AUTHKEYS_POLL_INTERVAL = 1.0
_KEPT_KEY_CHANGES = 16


def unique_name(wanted: str, peer_id: str, names: dict[str, str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… if it already names another peer.

    Raises:
        PeerupError: A hundred peers carry the name already.
    """
    try:
        validate_peer_name(wanted)
    except InvalidNameError:
        wanted = "peer"
    candidate = wanted
    for n in range(2, 100):
        if names.get(candidate) in (None, peer_id):
            return candidate
        candidate = f"{wanted[:58]}-{n}"
    raise PeerupError(f"too many peers named {wanted!r}")


class PeerBook:
    """authorized_keys, names, verified state, key changes and remembered addresses.

    Args:
        settings: The settings store (names live in config.yaml).
        own: This node's peer ID.
        bus: Where ``authorized-keys-changed``, ``peer-key-changed`` and
            ``verification-changed`` go.
        on_new_peers: Called with the peer IDs that a reload found newly authorized.
        clock: Wall clock, for how old remembered addresses are (they age out across
            restarts). The authorized_keys poll runs on trio's clock.
    """

    def __init__(
        self,
        settings: SettingsStore,
        own: PeerId,
        bus: EventBus,
        *,
        on_new_peers: Callable[[set[str]], None] = lambda _: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        config = settings.config
        self._settings = settings
        self._own = own
        self._bus = bus
        self._on_new_peers: Callable[[set[str]], None] = lambda _: None
        self.keys_file = AuthorizedKeysFile(config.authorized_keys_file)
        self._signature: tuple[int, int, int] | None = None
        self._gating = config.enable_connection_gating
        self.model = PeerBookModel(own, {}, dict(config.names))
        self.remembered = PeerAddressMemory(config.path.parent, clock=clock)
        self._key_changes: list[KeyChangeInfo] = []
        self.reload(publish=False)
        self._on_new_peers = on_new_peers  # from now on: the first reload finds no one new
        for change in self.model.stale_names():
            self.report_key_change(change)

    # ---- questions ------------------------------------------------------------------------------

    def is_authorized(self, peer_id: str) -> bool:
        """Whether ``peer_id`` may open streams to us (always true with gating off)."""
        return not self._gating or self.model.is_authorized(peer_id)

    def is_listed(self, peer_id: str) -> bool:
        """Whether ``peer_id`` is in authorized_keys as a peer (whatever the gating setting)."""
        return self.model.is_authorized(peer_id)

    def is_relay(self, peer_id: str) -> bool:
        """Whether ``peer_id`` is in authorized_keys as a relay (``role=relay``), not a peer."""
        return self.model.is_relay(peer_id)

    def authorized_ids(self) -> list[str]:
        """Every peer of authorized_keys, in file order (relays are no peers: left out)."""
        return self.model.peer_ids()

    def entry(self, peer_id: str) -> AuthorizedKey | None:
        """``peer_id``'s authorized_keys line, if any."""
        return self.model.entries.get(peer_id)

    def is_verified(self, peer_id: str) -> bool:
        """Whether a human verified ``peer_id``'s key."""
        return self.model.is_verified(peer_id)

    def name_for(self, peer_id: str) -> str | None:
        """The first name that points at ``peer_id``."""
        return self.model.name_for(peer_id)

    def describe(self, peer_id: str) -> tuple[str | None, bool]:
        """``(name, verified)`` of a peer, as forwards show it."""
        return self.name_for(peer_id), self.is_verified(peer_id)

    def resolve(self, text: str) -> Resolved:
        """Resolve a ``names:`` entry or a peer ID.

        See :func:`app.core.peers.peerbook.resolve_peer`.
        """
        return self.model.resolve(text)

    def auth_entries(self) -> list[AuthEntry]:
        """authorized_keys as shown to users."""
        return self.model.auth_entries()

    def auth_entry(self, peer_id: str) -> AuthEntry:
        """One authorized peer as shown to users.

        Raises:
            NotFoundError: Not authorized.
        """
        entry = self.entry(peer_id)
        if entry is None:
            raise NotFoundError(f"{peer_id} is not in authorized_keys")
        return self.model.auth_entry(entry)

    @property
    def key_changes(self) -> tuple[KeyChangeInfo, ...]:
        """The latest key changes, one per name, oldest first."""
        return tuple(self._key_changes)

    # ---- authorized_keys ------------------------------------------------------------------------

    def reload(self, *, publish: bool = True) -> list[KeyChangeInfo]:
        """Read authorized_keys again; report key changes and newly authorized peers.

        Raises:
            AuthorizedKeysError: The file cannot be read.
        """
        entries = self.keys_file.load()
        self._signature = self.keys_file.signature()
        old = self.model
        self.model = PeerBookModel.of(self._own, entries, self._settings.config.names)
        changes = (
            [self.report_key_change(c) for c in old.key_changes(entries)] if old.entries else []
        )
        self.remembered.retain(self.model.entries)
        new = self.model.entries.keys() - old.entries.keys()
        if publish:
            self._bus.publish(AuthorizedKeysChanged(authorized_peers=len(self.model.entries)))
        if new:
            self._on_new_peers(set(new))
        return changes

    async def watch(self, on_reload: Callable[[], Awaitable[None]]) -> None:
        """Hot reload: poll the file's signature (portable; inotify is not everywhere).

        ``on_reload`` runs after each reload (the gate drops peers no longer authorized).
        """
        while True:
            await trio.sleep(AUTHKEYS_POLL_INTERVAL)
            if self.keys_file.signature() == self._signature:
                continue
            try:
                self.reload()
            except PeerupError as exc:
                log.error("authorized_keys reload failed, keeping the previous list: %s", exc)
                continue
            await on_reload()

    def authorize(self, peer: str, comment: str = "") -> AuthEntry:
        """Add a peer to authorized_keys and reload at once.

        When ``comment`` (or the peer's name) belonged to another key, the returned entry's
        ``warning`` says so (and a ``peer-key-changed`` event is published).
        """
        peer_id = PeerId.parse(peer)
        entry = self.keys_file.add(peer_id, comment)
        changes = self.reload()
        mine = [c.message for c in changes if c.new_peer_id == str(peer_id)]
        return replace(
            self.model.auth_entry(entry),
            warning=mine[0] if mine else None,
            warning_code=KEY_CHANGED if mine else None,
        )

    def deauthorize(self, peer_id: str) -> None:
        """Remove a peer from authorized_keys; the watcher closes its connections within a
        second (see :meth:`watch`)."""
        self.keys_file.remove(PeerId.parse(peer_id))
        self.reload()
        self._signature = None  # the watcher's next tick runs on_reload

    def admit(
        self, peer_id: str, wanted_name: str, *, comment_fallback: str
    ) -> tuple[str | None, str | None]:
        """A peer paired by an invite or a pairing code: authorize it (unverified) and name it.

        Returns:
            The name stored (None when none was wanted or it could not be saved) and the
            key-change warning when the name belonged to another key.
        """
        wanted = sanitize_peer_name(wanted_name)
        warning = None
        if not self.is_listed(peer_id):
            comment = wanted or comment_fallback
            warning = self.authorize(peer_id, comment).warning
        if not wanted:
            return None, warning
        try:
            return self.bind_name(wanted, peer_id), warning
        except (PeerupError, OSError) as exc:
            log.error("could not save the name %r for %s: %s", wanted, peer_id, exc)
            return None, warning

    def bind_name(self, wanted: str, peer_id: str) -> str:
        """Give ``peer_id`` the name ``wanted`` (or ``wanted-2``… if taken) in config.yaml.

        Raises:
            ConfigError: The config cannot be written.
        """
        names = dict(self.model.names)
        name = unique_name(wanted, peer_id, names)
        if names.get(name) != peer_id:
            self.set_names([(name, peer_id)])
        return name

    def set_names(self, names: Iterable[tuple[str, str]]) -> None:
        """Write ``names:`` entries (name → peer ID) into config.yaml at once."""
        with self._settings.edit() as editor:
            for name, peer_id in names:
                editor.set_name(name, peer_id)
        self.model = replace(self.model, names=dict(self._settings.config.names))

    def rename(self, peer_id: str, wanted: str) -> AuthEntry:
        """Give an authorized peer the name ``wanted`` (``wanted-2``… if another peer has it),
        replacing the names it had; front ends get a fresh snapshot.

        Raises:
            NotFoundError: The peer is not authorized.
            InvalidNameError: ``wanted`` is not a valid name.
        """
        self.auth_entry(peer_id)
        names = {n: p for n, p in self.model.names.items() if p != peer_id}
        name = unique_name(wanted, peer_id, names)
        with self._settings.edit() as editor:
            for old in [n for n, p in self.model.names.items() if p == peer_id and n != name]:
                editor.remove_name(old)
            editor.set_name(name, peer_id)
        self.model = replace(self.model, names=dict(self._settings.config.names))
        self.reload()  # publishes authorized-keys-changed: watchers get a refresh snapshot
        return self.auth_entry(peer_id)

    # ---- verification and key changes ----------------------------------------------------------

    def set_verified(self, peer_id: str, verified: bool) -> AuthEntry:
        """Mark a peer verified (both humans compared the SAS) or unverified.

        Raises:
            NotFoundError: The peer is not authorized.
        """
        peer = PeerId.parse(peer_id)
        if verified:
            trust.mark_verified(self.keys_file, self._own, peer)
        else:
            trust.clear_verified(self.keys_file, peer)
        self.reload()
        self._bus.publish(VerificationChanged(peer_id=peer_id, verified=verified))
        return self.auth_entry(peer_id)

    def report_key_change(self, change: trust.KeyChange) -> KeyChangeInfo:
        """Log and publish a key change; keep it for status (one per name)."""
        info = KeyChangeInfo(
            name=change.name,
            old_peer_id=str(change.old),
            new_peer_id=str(change.new),
            old_was_verified=change.old_was_verified,
            message=change.message(),
        )
        log.warning("%s", info.message)
        kept = [c for c in self._key_changes if c.name != info.name][-(_KEPT_KEY_CHANGES - 1) :]
        self._key_changes = [*kept, info]
        self._bus.publish(PeerKeyChanged(info))
        return info
