"""The PeerBook: who our peers are, for a running node.

It is the sole owner of authorized_keys (read, hot-reloaded, written), the peers' names (through
the settings store), their verified state, key-change detection and where each peer was last
reached. Invites, relay pairing, verification, the gate and the dialer ask it; nobody else reads
or writes those files while the node runs. The rules themselves are the pure
:class:`~app.core.peers.peerbook.PeerBookModel`, which the CLI uses without a daemon too.

Two things can take a peer's authorization away while the node runs, and :meth:`PeerBook.watch`
acts on both: an edit of the file (polled every second; a file that someone else could have
written is refused and the last good list kept, see ``authorized_keys_problem``), and an
``expires=`` time coming (a trio timer set for the next one; every check also compares with the
wall clock, so a peer is refused from its expiry on even before the timer fires).
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
    AuthorizedKeysProblem,
    FileProblem,
    KeyChangeInfo,
    PeerExpired,
    PeerKeyChanged,
    Resolved,
    VerificationChanged,
)
from app.engine.addrmemory import PeerAddressMemory
from app.engine.bus import EventBus
from app.engine.settings import SettingsStore

__all__ = ["AUTHKEYS_POLL_INTERVAL", "EXPIRY_RECHECK", "PeerBook", "unique_name"]

log = logging.getLogger("peerup.engine.peerbook")

AUTHKEYS_POLL_INTERVAL = 1.0
# The expiry timer sleeps on trio's clock, which stands still while the machine is suspended and
# ignores a wall clock set forward: it looks at the wall clock again at least this often.
EXPIRY_RECHECK = 60.0
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
        bus: Where ``authorized-keys-changed``, ``authorized-keys-problem``, ``peer-expired``,
            ``peer-key-changed`` and ``verification-changed`` go.
        on_new_peers: Called with the peer IDs that a reload found newly authorized.
        clock: Wall clock, for ``expires=`` and how old remembered addresses are (both hold
            across restarts). The authorized_keys poll and the wait for the next expiry run
            on trio's clock.

    Raises:
        UnsafeFileError: authorized_keys could have been written by someone else.
        AuthorizedKeysError: It cannot be read.
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
        self._clock = clock
        self.keys_file = AuthorizedKeysFile(config.authorized_keys_file)
        self._signature: tuple[int, ...] | None = None
        self._gating = config.enable_connection_gating
        self.model = PeerBookModel(own, {}, dict(config.names))
        self.remembered = PeerAddressMemory(config.path.parent, clock=clock)
        self._key_changes: list[KeyChangeInfo] = []
        self._problem: FileProblem | None = None
        self._expiries_changed = trio.Event()
        self.reload(publish=False)
        self._on_new_peers = on_new_peers  # from now on: the first reload finds no one new
        # Lines that had expired before we started: refused from the start, nothing to announce.
        self._expired = self.model.expired_ids(clock())
        if self._expired:
            log.info("%d peer(s) in authorized_keys have expired", len(self._expired))
        for change in self.model.stale_names():
            self.report_key_change(change)

    # ---- questions ------------------------------------------------------------------------------

    def is_authorized(self, peer_id: str) -> bool:
        """Whether ``peer_id`` may open streams to us (always true with gating off)."""
        return not self._gating or self.is_listed(peer_id)

    def is_listed(self, peer_id: str) -> bool:
        """Whether authorized_keys authorizes ``peer_id`` as a peer now: listed as a peer (not
        ``role=relay``), and its line has not expired (whatever the gating setting)."""
        return self.model.is_authorized(peer_id, now=self._clock())

    def is_expired(self, peer_id: str) -> bool:
        """Whether ``peer_id`` is listed but its line has expired."""
        entry = self.model.entries.get(peer_id)
        return entry is not None and entry.is_expired(self._clock())

    def is_relay(self, peer_id: str) -> bool:
        """Whether ``peer_id`` is in authorized_keys as a relay (``role=relay``), not a peer, and
        its line has not expired."""
        return self.model.is_relay(peer_id, now=self._clock())

    def authorized_ids(self) -> list[str]:
        """Every peer authorized_keys authorizes now, in file order (relays are no peers, and
        expired lines authorize nothing: both left out)."""
        now = self._clock()
        return [p for p in self.model.peer_ids() if self.model.is_authorized(p, now=now)]

    def listed_ids(self) -> list[str]:
        """Every peer of authorized_keys, expired ones too, in file order (relays left out)."""
        return self.model.peer_ids()

    def entry(self, peer_id: str) -> AuthorizedKey | None:
        """``peer_id``'s authorized_keys line, if any (expired or not)."""
        return self.model.entries.get(peer_id)

    @property
    def problem(self) -> FileProblem | None:
        """Why the last reload of authorized_keys was refused; None after a good one."""
        return self._problem

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
        """authorized_keys as shown to users (expired lines flagged)."""
        return self.model.auth_entries(now=self._clock())

    def auth_entry(self, peer_id: str) -> AuthEntry:
        """One authorized peer as shown to users.

        Raises:
            NotFoundError: Not authorized.
        """
        entry = self.entry(peer_id)
        if entry is None:
            raise NotFoundError(f"{peer_id} is not in authorized_keys")
        return self.model.auth_entry(entry, now=self._clock())

    @property
    def key_changes(self) -> tuple[KeyChangeInfo, ...]:
        """The latest key changes, one per name, oldest first."""
        return tuple(self._key_changes)

    # ---- authorized_keys ------------------------------------------------------------------------

    def reload(self, *, publish: bool = True) -> list[KeyChangeInfo]:
        """Read authorized_keys again; report key changes and newly authorized peers.

        Raises:
            UnsafeFileError: The file could have been written by someone else (nothing changes).
            AuthorizedKeysError: The file cannot be read (nothing changes).
        """
        entries = self.keys_file.load()
        self._signature = self.keys_file.signature()
        self._problem = None
        old = self.model
        self.model = PeerBookModel.of(self._own, entries, self._settings.config.names)
        changes = (
            [self.report_key_change(c) for c in old.key_changes(entries)] if old.entries else []
        )
        self.remembered.retain(self.model.entries)
        new = self.model.entries.keys() - old.entries.keys()
        if publish:
            self._bus.publish(AuthorizedKeysChanged(authorized_peers=len(self.authorized_ids())))
        self._expiries_changed.set()  # the expiry timer looks at the new lines
        if new:
            self._on_new_peers(set(new))
        return changes

    async def watch(self, on_reload: Callable[[], Awaitable[None]]) -> None:
        """Hot reload, and expiry: runs until cancelled, owning both tasks.

        The file's signature is polled (portable; inotify is not everywhere) every
        :data:`AUTHKEYS_POLL_INTERVAL`; a timer waits for the next ``expires=``. ``on_reload``
        runs after each reload and each expiry (the gate drops peers no longer authorized).
        """
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._poll_file, on_reload)
            nursery.start_soon(self._expire, on_reload)

    async def _poll_file(self, on_reload: Callable[[], Awaitable[None]]) -> None:
        while True:
            await trio.sleep(AUTHKEYS_POLL_INTERVAL)
            signature = self.keys_file.signature()
            if signature == self._signature:
                continue
            try:
                self.reload()
            except PeerupError as exc:
                self._signature = signature  # tried once: again at the next change
                self._refused(exc)
                continue
            await on_reload()

    def _refused(self, exc: PeerupError) -> None:
        """A reload was refused: keep the last good list, say why (once per refusal)."""
        log.error("authorized_keys not reloaded, keeping the previous list: %s", exc)
        self._problem = FileProblem(
            path=str(self.keys_file.path), code=exc.code, message=exc.message, hint=exc.hint
        )
        self._bus.publish(AuthorizedKeysProblem(self._problem))

    async def _expire(self, on_expired: Callable[[], Awaitable[None]]) -> None:
        """Take each line's authorization away the moment its ``expires=`` comes."""
        while True:
            now = self._clock()
            expired = self.model.expired_ids(now)
            new, self._expired = expired - self._expired, expired
            if new:
                for pid in sorted(new):
                    entry = self.model.entries[pid]
                    log.info("authorization of %s expired", pid)
                    self._bus.publish(PeerExpired(pid, self.name_for(pid), entry.expires_at))
                await on_expired()  # their connections close; new ones are refused already
                continue  # that took a while: look at the clock again
            coming = self.model.next_expiry(now)
            wait = EXPIRY_RECHECK if coming is None else min(coming - now, EXPIRY_RECHECK)
            self._expiries_changed = trio.Event()
            # (At least a millisecond: a wall time a rounding short of the expiry must not spin.)
            with trio.move_on_after(max(0.001, wait)):
                await self._expiries_changed.wait()

    def authorize(self, peer: str, comment: str = "") -> AuthEntry:
        """Add a peer to authorized_keys and reload at once; an expired line of the peer is
        renewed (its ``expires=`` removed).

        When ``comment`` (or the peer's name) belonged to another key, the returned entry's
        ``warning`` says so (and a ``peer-key-changed`` event is published).
        """
        peer_id = PeerId.parse(peer)
        self.keys_file.add(peer_id, comment, now=self._clock())
        changes = self.reload()
        mine = [c.message for c in changes if c.new_peer_id == str(peer_id)]
        return replace(
            self.auth_entry(str(peer_id)),
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
