"""Relay pairing on a node: the relay's groups and the member's side (join and introductions).

Relay side (only when the node runs the relay service): the
:class:`~app.core.pairing.relaypair.TokenStore` is loaded from ``relay-pairing.json`` next to the
config and written atomically after every change (the reference kept it in memory and lost every
group on restart). While some group is open, the node admits unknown peers on probation for
``/peerup/relay-pair/1.0.0`` only. A successful redemption authorizes the joiner (``group=<gid>``),
replies with the members so far, and introduces the joiner to the members that are connected; a
member that was offline gets its introductions when it next connects (deliveries are recorded in
the store, so they survive restarts too).

Member side (every node): ``/peerup/peer-notify/1.0.0`` accepts introductions from the relay of a
group we joined, for that group, with proofs that verify, within the group's size and time as our
join recorded them (see :mod:`app.core.pairing.relaypair`); the groups we joined live in
``relay-groups.json`` next to the config. The relay goes into authorized_keys as a relay
(``role=relay``), not as a peer: the admission table lets it carry circuits and introduce
members, and nothing else (no service, no verification, no ping). :meth:`PairingService.join`
redeems a code. Members written by a join or an introduction are published as
``peers-introduced``, and a join's steps as ``join-progress``.

Both files grant access (a planted group or membership would let a stranger pair or be
introduced), so, like authorized_keys, they are refused at start when someone else could have
written them (:class:`~app.core.errors.UnsafeFileError`: the node does not start). A joiner's
``expires=`` (``relay pair --expires``) is enforced by the PeerBook like any other.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio
from libp2p.abc import INetStream
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.core.codes.codetext import CodeKind
from app.core.codes.paircode import (
    PairingCode,
    encode_pairing,
    encode_reference_pairing,
    parse_pairing_code,
)
from app.core.errors import (
    AlreadyExistsError,
    InvalidCodeError,
    InvalidNameError,
    PairingError,
    PeerupError,
    RemoteProtocolError,
    UnsafeFileError,
)
from app.core.files import GRANTING, require_private
from app.core.ids.names import sanitize_peer_name, validate_peer_name
from app.core.ids.peerid import PeerId
from app.core.pairing.relaypair import (
    KEEP_EXPIRED,
    MAX_NOTIFY,
    MAX_PAIR_REPLY,
    MAX_PAIR_REQUEST,
    NOTIFY_PROTOCOL,
    PAIR_PROTOCOL,
    Group,
    Introduction,
    Member,
    Membership,
    MembershipBook,
    TokenStore,
    decode_notify,
    decode_pair_reply,
    decode_pair_request,
    encode_notify,
    encode_pair_error,
    encode_pair_reply,
    encode_pair_request,
    intro_proof,
    member_key,
    relay_proof,
)
from app.core.peers import trust
from app.core.peers.admission import RELAY_ROLE
from app.core.peers.authkeys import format_expires
from app.core.status import KEY_CHANGED, IntroducedPeer, JoinStep, PeersIntroduced
from app.engine import compat
from app.engine.joinprogress import JoinReport, open_join_report
from app.engine.pairingctx import PairingContext
from app.engine.peerbook import unique_name
from app.engine.splice import first_line, read_to_eof
from app.util.fsio import atomic_write_bytes

if TYPE_CHECKING:
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.relaypair")

STATE_FILE = "relay-pairing.json"
MEMBERSHIP_FILE = "relay-groups.json"
PROBATION_LIMIT = 10
PROBATION_PER_ADDRESS = 3
PAIR_TIMEOUT = 30.0
NOTIFY_TIMEOUT = 10.0
MAX_STATE_FILE = 8 * 1024 * 1024
MAX_CODE_ADDRESSES = 4
RELAY_COMMENT = "relay"


@dataclass(frozen=True)
class CreatedGroup:
    """What ``relay pair`` prints."""

    group_id: str
    codes: tuple[str, ...]
    reference_codes: tuple[str, ...]
    expires_at: float
    namespace: str | None


@dataclass(frozen=True)
class JoinedMember:
    """A member written by a join: its peer ID, the local name given to it."""

    peer_id: str
    name: str
    renamed_from: str | None
    warning: str | None = None
    warning_code: str | None = None  # "peer-key-changed" with a warning


@dataclass(frozen=True)
class JoinResult:
    """The outcome of :meth:`PairingService.join`."""

    group_id: str
    relay: str
    group_size: int
    members: tuple[JoinedMember, ...]
    proofs_verified: bool
    relay_added: bool


def _require_safe_state(path: Path) -> None:
    """Refuse a state file someone else could have written (a missing one is fine).

    Raises:
        UnsafeFileError: Writable by group or others, or owned by another user than root or us.
    """
    if os.path.lexists(path):
        require_private(path, "relay pairing file", UnsafeFileError, mask=GRANTING)


def _read_state(path: Path) -> bytes | None:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_STATE_FILE + 1)
    except FileNotFoundError:
        return None
    if len(data) > MAX_STATE_FILE:
        raise PairingError("bad-state", f"{path} is too large")
    return data


class PairingService:
    """Relay pairing for one node (both roles; the relay role only with the relay service).

    ``clock`` is the wall clock: groups, codes and authorized_keys ``expires=`` carry Unix or
    RFC 3339 times. The waits until they come run on trio's clock.

    Raises:
        UnsafeFileError: A state file could have been written by someone else.
    """

    def __init__(self, context: PairingContext) -> None:
        self._ctx = context
        self._own = PeerId.parse(context.own_peer_id)
        directory = context.settings.config.path.parent
        self._state_path = directory / STATE_FILE
        self._book_path = directory / MEMBERSHIP_FILE
        self._relaying = context.settings.config.relay_service.enabled
        self.store = TokenStore()
        self.book = MembershipBook()
        self._changed = trio.Event()
        self._nursery: trio.Nursery | None = None
        self._sending: set[tuple[str, str]] = set()
        self._load()
        self._relays_as_relays()

    def _load(self) -> None:
        for path, loader in ((self._state_path, "store"), (self._book_path, "book")):
            _require_safe_state(path)  # refused, not moved aside: the user must look at it
            try:
                data = _read_state(path)
                if data is None:
                    continue
                if loader == "store":
                    self.store = TokenStore.from_json(data)
                else:
                    self.book = MembershipBook.from_json(data)
            except (PeerupError, OSError) as exc:
                bad = path.with_suffix(".json.bad")
                log.error("%s is unusable (%s); moved to %s, starting empty", path, exc, bad)
                with contextlib.suppress(OSError):
                    path.replace(bad)

    def _relays_as_relays(self) -> None:
        """Make the relays of our groups relays, not peers (``role=relay``), in authorized_keys.

        Joins before the admission table wrote them as peers; only the lines a join wrote
        (comment ``relay``, a ``hmac_proof``) are changed, not a relay authorized by hand.
        """
        keys = self._ctx.peers.keys_file
        relays = self.group_relays()
        try:
            stale = [
                e.peer_id
                for e in keys.load()
                if str(e.peer_id) in relays
                and e.attr(RELAY_ROLE[0]) is None
                and e.comment == RELAY_COMMENT
                and e.attr("hmac_proof")
            ]
            for peer in stale:
                log.info("pairing: %s is the relay of a group of ours, not a peer", peer)
                keys.set_attr(peer, *RELAY_ROLE)
        except PeerupError as exc:
            log.error("cannot mark our groups' relays in authorized_keys: %s", exc)
            return
        if stale:
            self._ctx.peers.reload()

    def group_relays(self) -> set[str]:
        """The peer IDs of the relays of the groups we joined."""
        return {m.relay for m in self.book.memberships}

    def _save_store(self) -> None:
        atomic_write_bytes(self._state_path, self.store.to_json(), mode=0o600)
        self._changed.set()

    def _save_book(self) -> None:
        atomic_write_bytes(self._book_path, self.book.to_json(), mode=0o600)

    # ---- life cycle -----------------------------------------------------------------------------

    def install(self, host: object) -> None:
        """Register the stream handlers."""
        host.set_stream_handler(TProtocol(NOTIFY_PROTOCOL), self._handle_notify)  # type: ignore[attr-defined]
        if self._relaying:
            host.set_stream_handler(TProtocol(PAIR_PROTOCOL), self._handle_pair)  # type: ignore[attr-defined]

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Keep probation open while a group is open (relay only); own the introduction tasks."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            if not self._relaying:
                await trio.sleep_forever()
            while True:
                now = self._ctx.clock()
                if self.store.prune(now):
                    self._save_store()
                if not self.store.any_open(now):
                    self._changed = trio.Event()
                    await self._changed.wait()
                    continue
                async with self._ctx.gate.open_probation(
                    protocols={PAIR_PROTOCOL},
                    limit=PROBATION_LIMIT,
                    per_address=PROBATION_PER_ADDRESS,
                ):
                    log.info("pairing open: admitting unknown peers for %s", PAIR_PROTOCOL)
                    while self.store.any_open(self._ctx.clock()):
                        deadline = (
                            self.store.next_change(self._ctx.clock()) or self._ctx.clock() + 60
                        )
                        self._changed = trio.Event()
                        with trio.move_on_after(max(0.0, deadline - self._ctx.clock())):
                            await self._changed.wait()
                log.info("no pairing group open: probation closed")

    # ---- relay: admin ---------------------------------------------------------------------------

    def _require_relay(self) -> None:
        if not self._relaying:
            raise PairingError(
                "not-a-relay",
                "this node does not run the relay service",
                hint="run the relay with: peerup relay serve",
            )

    def _code_addresses(self) -> list[str]:
        addresses = [
            a for a in self._ctx.own_addresses() if "/p2p-circuit" not in a and "/p2p/" in a
        ]
        # Loopback last: a code goes to another machine.
        addresses.sort(key=lambda a: ("/127.0.0.1/" in a or "/::1/" in a, "/ip6/" in a))
        return addresses[:MAX_CODE_ADDRESSES]

    def create_group(
        self, *, count: int, ttl: float, namespace: str | None, peer_ttl: float = 0.0
    ) -> CreatedGroup:
        """Open a group of ``count`` codes (``relay pair``)."""
        self._require_relay()
        namespace = namespace or self._ctx.settings.config.network
        addresses = self._code_addresses()
        if not addresses:
            raise PairingError("no-address", "the relay has no address to put into a code")
        gid, tokens, expires = self.store.create_group(
            count=count,
            ttl=ttl,
            now=self._ctx.clock(),
            random=secrets.token_bytes,
            namespace=namespace,
            peer_ttl=peer_ttl,
        )
        codes = tuple(encode_pairing(t, addresses, namespace, int(expires)) for t in tokens)
        reference: tuple[str, ...] = ()
        ipv4 = [a for a in addresses if a.startswith("/ip4/") and a.split("/")[3] == "tcp"]
        if ipv4:
            with contextlib.suppress(InvalidCodeError):
                reference = tuple(encode_reference_pairing(t, ipv4[0], namespace) for t in tokens)
        self._save_store()
        log.info("pairing group %s opened: %d codes until %s", gid, count, time.ctime(expires))
        return CreatedGroup(gid, codes, reference, expires, namespace)

    def groups(self) -> list[Group]:
        """Every group (``relay pair --list``)."""
        self._require_relay()
        return self.store.groups(self._ctx.clock())

    def revoke(self, group_id: str) -> None:
        """Close a group (``relay pair --revoke``)."""
        self._require_relay()
        self.store.revoke(group_id)
        self._save_store()

    # ---- relay: redemption and introductions ----------------------------------------------------

    async def _handle_pair(self, stream: INetStream) -> None:
        peer_id = stream.muxed_conn.peer_id
        pid = PeerId.parse(peer_id.to_base58())
        gate = self._ctx.gate
        try:
            with trio.fail_after(PAIR_TIMEOUT):
                data = await read_to_eof(stream, MAX_PAIR_REQUEST)
                with gate.protocol_step(str(pid)):  # its request is in: not idle
                    token, name = decode_pair_request(data)
                    redeemed = self.store.redeem(token, pid, name, self._ctx.clock())
                    self._save_store()
                    self._authorize_joiner(pid, name, redeemed.group_id, redeemed.peer_expires_at)
                    await stream.write(encode_pair_reply(redeemed.reply))
            log.info("pairing: %s (%s) joined group %s", pid, name or "-", redeemed.group_id)
        except Exception as exc:  # anything from an untrusted peer: one uniform refusal
            if isinstance(exc, PairingError) and exc.reason in ("wrong-code", "burned"):
                self._save_store()  # the failed attempt counts, across restarts too
            if isinstance(exc, PairingError) and exc.reason == "unknown":
                gate.charge_probe(str(pid), compat.origin_of(stream.muxed_conn))
            log.warning("pairing: refused %s: %s", pid, first_line(exc))
            with contextlib.suppress(Exception):
                await stream.write(encode_pair_error())
            with contextlib.suppress(Exception):
                await stream.close()
            if self._nursery is not None and not self._ctx.peers.is_authorized(str(pid)):
                self._nursery.start_soon(self._drop_soon, peer_id)
            return
        with contextlib.suppress(Exception):
            await stream.close()
        self._introduce_group(redeemed.group_id, exclude=str(pid))

    async def _drop_soon(self, peer_id: ID) -> None:
        await trio.sleep(1.0)  # let the refusal reach the joiner first
        host = self._ctx.dialer.host
        if host is not None and not self._ctx.peers.is_authorized(peer_id.to_base58()):
            with contextlib.suppress(Exception):
                await host.get_network().close_peer(peer_id)  # type: ignore[attr-defined]

    def _authorize_joiner(self, pid: PeerId, name: str, gid: str, expires_at: float) -> None:
        keys = self._ctx.peers.keys_file
        comment = name or f"paired-{time.strftime('%Y-%m-%d', time.localtime(self._ctx.clock()))}"
        with contextlib.suppress(AlreadyExistsError):
            keys.add(pid, comment, now=self._ctx.clock())
        keys.set_attr(pid, "group", gid)
        # This group's expiry (or none) replaces one a former pairing left on the line.
        keys.set_attr(pid, "expires", format_expires(expires_at) if expires_at else None)
        self._ctx.peers.reload()

    def _introduce_group(self, group_id: str, *, exclude: str) -> None:
        """Tell every connected member of the group what it does not know yet."""
        host = self._ctx.dialer.host
        if host is None or self._nursery is None:
            return
        network = host.get_network()  # type: ignore[attr-defined]
        for group in self.store.groups(self._ctx.clock()):
            if group.id != group_id:
                continue
            for member in group.members:
                pid = str(member.peer_id)
                if pid != exclude and network.get_connections(ID.from_base58(pid)):
                    self._nursery.start_soon(self._send_introduction, group_id, member.peer_id)

    def peer_connected(self, pid: str) -> None:
        """Reconnect notifier: deliver what a member missed while it was away."""
        if not self._relaying or self._nursery is None:
            return
        try:
            peer = PeerId.parse(pid)
        except PeerupError:
            return
        for gid in self.store.member_groups(peer):
            self._nursery.start_soon(self._send_introduction, gid, peer, 0.5)

    async def _send_introduction(self, gid: str, recipient: PeerId, delay: float = 0.0) -> None:
        key = (gid, str(recipient))
        if key in self._sending:
            return
        self._sending.add(key)
        try:
            await trio.sleep(delay)
            intro = self.store.pending_introduction(gid, recipient)
            if intro is None:
                return
            delivered = await self._deliver(intro, recipient)
            if delivered:
                self.store.mark_delivered(gid, recipient, (m.peer_id for m, _ in intro.members))
                self._save_store()
        finally:
            self._sending.discard(key)

    async def _deliver(self, intro: Introduction, recipient: PeerId) -> bool:
        host = self._ctx.dialer.host
        if host is None:
            return False
        try:
            with trio.fail_after(NOTIFY_TIMEOUT):
                stream = await host.new_stream(  # type: ignore[attr-defined]
                    ID.from_base58(str(recipient)), [TProtocol(NOTIFY_PROTOCOL)]
                )
                await stream.write(encode_notify(intro))
                await stream.close_write()
                answer = await read_to_eof(stream, 1)
        except Exception as exc:  # an offline or odd member: it gets another go on reconnect
            log.info("introduction to %s not delivered: %s", recipient, first_line(exc))
            return False
        with contextlib.suppress(Exception):
            await stream.close()
        # Our members acknowledge with 0x01 (0x00 = refused); a Go peer-up member just closes.
        if answer == b"\x00":
            log.warning("member %s refused the introduction to group %s", recipient, intro.group_id)
            return False
        log.info(
            "introduced %d member(s) of %s to %s", len(intro.members), intro.group_id, recipient
        )
        return True

    # ---- member: introductions ------------------------------------------------------------------

    async def _handle_notify(self, stream: INetStream) -> None:
        sender = PeerId.parse(stream.muxed_conn.peer_id.to_base58())
        own = self._own
        try:
            with trio.fail_after(NOTIFY_TIMEOUT):
                data = await read_to_eof(stream, MAX_NOTIFY)
            intro = decode_notify(data)
            keys = self._ctx.peers.keys_file
            relays = {m.relay for m in self.book.memberships}
            known = [
                e.peer_id
                for e in keys.load()
                if e.attr("group") == intro.group_id and str(e.peer_id) not in relays
            ]
            accepted = self.book.check(
                intro, sender=sender, own=own, known_members=known, now=self._ctx.clock()
            )
            added = self._write_members(intro.group_id, accepted)
            self._introduced(intro.group_id, str(sender), added)
        except (PeerupError, trio.TooSlowError) as exc:
            log.warning("refused an introduction from %s: %s", sender, exc)
            with contextlib.suppress(Exception):
                await stream.write(b"\x00")
                await stream.close()
            return
        except Exception as exc:  # a broken stream: nothing was written
            log.info("introduction from %s failed: %s", sender, first_line(exc))
            with contextlib.suppress(Exception):
                await stream.reset()
            return
        log.info("group %s: %d member(s) introduced by %s", intro.group_id, len(added), sender)
        with contextlib.suppress(Exception):
            await stream.write(b"\x01")
            await stream.close()

    def _introduced(self, gid: str, relay: str, members: Sequence[JoinedMember]) -> None:
        if members:
            peers = tuple(IntroducedPeer(m.peer_id, m.name) for m in members)
            self._ctx.bus.publish(PeersIntroduced(group_id=gid, relay_peer_id=relay, peers=peers))

    def _write_members(self, gid: str, members: list[tuple[Member, bytes]]) -> list[JoinedMember]:
        keys = self._ctx.peers.keys_file
        existing = {str(e.peer_id): e for e in keys.load()}
        taken = dict(self._ctx.peers.model.names)
        new_names: list[tuple[str, str]] = []
        written: list[JoinedMember] = []
        for member, proof in members:
            pid = str(member.peer_id)
            wanted = _usable_name(member.name, pid)
            current = next((n for n, p in taken.items() if p == pid), None)
            change = None
            if pid not in existing:
                change = trust.bind_name(
                    wanted,
                    member.peer_id,
                    names=taken.items(),
                    entries=existing.values(),
                    own=self._own,
                )
            name = current or unique_name(wanted, pid, taken)
            if current is None:
                new_names.append((name, pid))
                taken[name] = pid
            if pid not in existing:
                keys.add(member.peer_id, name)
            keys.set_attr(member.peer_id, "group", gid)
            keys.set_attr(member.peer_id, "hmac_proof", proof.hex())
            warning = self._ctx.peers.report_key_change(change).message if change else None
            renamed = wanted if name != wanted else None
            code = KEY_CHANGED if warning else None
            written.append(JoinedMember(pid, name, renamed, warning, code))
        if new_names:
            self._ctx.peers.set_names(new_names)
        self._ctx.peers.reload()
        return written

    # ---- member: join ---------------------------------------------------------------------------

    async def join(self, code_text: str, name: str) -> JoinResult:
        """Redeem a pairing code at its relay; authorize the relay and the members so far.

        ``name`` is the name this device asks to be known by; empty: the configured device name.

        Raises:
            InvalidCodeError: The code does not decode.
            PairingError: ``refused`` (by the relay), ``tampered`` (a proof is wrong),
                ``expired`` (the code says so), ``unreachable``.
        """
        code = parse_pairing_code(code_text)
        if code.expires_at is not None and code.expires_at <= self._ctx.clock():
            raise PairingError(
                "expired",
                f"this pairing code expired at {time.ctime(code.expires_at)}",
                hint="ask the relay's admin for a new code (peerup relay pair)",
            )
        if code.relay_peer_id == self._own:
            raise PairingError("bad-request", "this code was made by this very node")
        relay = str(code.relay_peer_id)
        name = name or self._ctx.settings.config.device_name
        with open_join_report(self._ctx.bus, via="relay-pairing", peer_id=relay) as report:
            return await self._join(code, name, report)

    async def _join(self, code: PairingCode, name: str, report: JoinReport) -> JoinResult:
        relay = code.relay_peer_id
        own = self._own
        try:
            await self._ctx.dialer.ensure_connected(
                self._ctx.dialer.resolve_target(str(relay), list(code.relay_addresses))
            )
            report.step(JoinStep.EXCHANGING_KEYS)
            host: Any = self._ctx.dialer.require_host()
            with trio.fail_after(PAIR_TIMEOUT):
                stream = await host.new_stream(
                    ID.from_base58(str(relay)), [TProtocol(PAIR_PROTOCOL)]
                )
                await stream.write(encode_pair_request(code.token, name))
                with contextlib.suppress(Exception):
                    await stream.close_write()
                data = await read_to_eof(stream, MAX_PAIR_REPLY)
        except PeerupError as exc:
            raise PairingError("unreachable", f"cannot reach the relay: {exc.message}") from None
        except trio.TooSlowError:
            raise PairingError("unreachable", "the relay did not answer in time") from None
        except Exception as exc:  # a stream broken mid-way
            raise PairingError(
                "unreachable", f"pairing with the relay failed: {first_line(exc)}"
            ) from None
        reply = decode_pair_reply(data)
        report.step(JoinStep.CONFIRMING)
        key = member_key(code.token)
        verified = reply.proofs is not None
        if code.kind is CodeKind.PAIRING and reply.proofs is None:
            raise PairingError("tampered", "the relay sent no proofs for the group's members")
        if reply.proofs is not None:
            if len(reply.proofs) != len(reply.members):
                raise RemoteProtocolError("the relay's reply has the wrong number of proofs")
            for member, proof in zip(reply.members, reply.proofs, strict=True):
                if intro_proof(key, reply.group_id, member.peer_id, own) != proof:
                    raise PairingError(
                        "tampered", f"the proof for member {member.peer_id.short()} is invalid"
                    )
        keys = self._ctx.peers.keys_file
        try:
            keys.add(relay, RELAY_COMMENT)
        except AlreadyExistsError:
            pass  # authorized before (by hand, as a peer, or by another group): it stays so
        else:
            # A relay, not a peer: it carries circuits and introduces this group's members.
            keys.set_attr(relay, *RELAY_ROLE)
        keys.set_attr(relay, "group", reply.group_id)
        keys.set_attr(relay, "hmac_proof", relay_proof(code.token, reply.group_id).hex())
        self.book.add(
            Membership(
                reply.group_id,
                str(relay),
                key.hex() if verified else None,
                self._ctx.clock(),
                group_size=reply.group_size,
                introduce_until=code.expires_at + KEEP_EXPIRED if code.expires_at else 0.0,
            )
        )
        self._save_book()
        relay_added = self._add_relay(code.relay_addresses)
        proofs = reply.proofs or tuple(b"\x00" * 32 for _ in reply.members)
        members = self._write_members(reply.group_id, list(zip(reply.members, proofs, strict=True)))
        self._introduced(reply.group_id, str(relay), members)
        report.step(JoinStep.DONE)
        return JoinResult(
            reply.group_id, str(relay), reply.group_size, tuple(members), verified, relay_added
        )

    def _add_relay(self, addresses: tuple[str, ...]) -> bool:
        configured = set(self._ctx.settings.config.relay_addresses)
        new = [a for a in addresses if a not in configured]
        if not new or any(a in configured for a in addresses):
            return False
        with self._ctx.settings.edit() as editor:
            editor.add_relay(new[0])
        self._ctx.relay_client.add_relay(new[0])
        return True


def _usable_name(sent: str, pid: str) -> str:
    """The member's self-chosen name made safe, or ``peer-<last 8 of its ID>``.

    (The reference's fallback, ``peer-`` + the first 8 characters, is always ``peer-12D3KooW``.)
    """
    name = sanitize_peer_name(sent)
    try:
        return validate_peer_name(name[:58])
    except InvalidNameError:
        return f"peer-{pid[-8:]}"
