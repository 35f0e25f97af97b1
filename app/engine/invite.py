"""Invites on a running node: the inviter's open invites and stream handler, and the joiner's dial.

The handshake itself is :mod:`app.core.pairing.invite` (sans-IO); this module moves its frames
over a libp2p stream with a bound on every read and every wait, admits unknown joiners on probation
while an invite is open (only ``/peerup/invite/2.0.0``, at most 3 at once, 2 from one address),
and writes what a successful handshake established: authorized_keys and names on both sides.

Hostile joiners: an attempt counts against the invite from the moment it begins (at most 3
guesses per invite, however many run in parallel: see :class:`Invitation`); a short LAN code
answers only while it is announced by mDNS, and only over a direct connection from the LAN it
was announced on; a stranger that names an invite we do not have (or a short code from off the
LAN) is charged to the gate's probe budget and dropped once it is used up.

Every client sees the invites and joins, not only the one that started them: each change of an
open invite is an ``invite-changed`` event (its state, attempts left, who joined; never the code,
which only the opening request's stream carries), and the open ones are in the watch snapshot;
a join publishes its steps as ``join-progress`` events (:mod:`app.engine.joinprogress`).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

import multiaddr
import trio
from libp2p.abc import INetStream
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.core.codes.invitecode import InviteCode
from app.core.codes.lancode import LanCode
from app.core.errors import PairingError, PeerupError
from app.core.ids.names import sanitize_peer_name
from app.core.ids.peerid import PeerId
from app.core.pairing.invite import (
    MAX_FAILURES,
    MAX_FRAME,
    PROTOCOL_ID,
    WRONG_CODE,
    FrameBuffer,
    Invitation,
    InvitationState,
    InviteOutcome,
    InviteProgress,
    JoinerHandshake,
    JoinResult,
    SasView,
    peek_invite_id,
)
from app.core.reach.lan import IPNetwork, announced_subnets, on_subnets
from app.core.status import KEY_CHANGED, InviteChanged, InviteInfo, InviteState, JoinStep
from app.engine import compat
from app.engine.dialer import Target
from app.engine.joinprogress import JoinReport, open_join_report
from app.engine.lanfind import find_inviter, only_loopback, open_advertisement
from app.engine.pairingctx import PairingContext
from app.engine.reachability import discover_interfaces

log = logging.getLogger("peerup.engine.invite")

DEFAULT_TTL = 600.0
MAX_TTL = 24 * 3600.0
MIN_TTL = 10.0
STEP_TIMEOUT = 15.0
JOIN_TIMEOUT = 30.0
RESERVATION_WAIT = 5.0
PROBATION_LIMIT = MAX_FAILURES
PROBATION_PER_ADDRESS = PROBATION_LIMIT - 1
MAX_RELAYS_IN_CODE = 3
MAX_DIRECT_IN_CODE = 3
_PROGRESS_BUFFER = 32


_PROGRESS_STATES = {
    "burned": InviteState.BURNED,
    "joined": InviteState.JOINED,
    "expired": InviteState.EXPIRED,
    "cancelled": InviteState.CANCELLED,
}


def _next_info(info: InviteInfo, progress: InviteProgress) -> InviteInfo:
    """What every client may know of an invite after ``progress`` (never its code)."""
    kind = progress.kind
    if kind == "code":
        return replace(info, lan=progress.short_code is not None)
    if kind == "attempt":
        return replace(info, peer_id=progress.peer_id)
    if kind in ("attempt-failed", "burned"):
        info = replace(info, failures=progress.failures, attempts_left=progress.attempts_left)
    elif kind == "joined":
        info = replace(info, peer_id=progress.peer_id, peer_name=progress.name)
    return replace(info, state=_PROGRESS_STATES.get(kind, info.state))


@dataclass
class OpenInvite:
    """An invite while it is open: its code and its progress stream.

    Attributes:
        info: What every client may know of it, as last published (``invite-changed``).
        announced: Whether its first ``invite-changed`` (the code is out) was published.
    """

    code: InviteCode
    invitation: Invitation
    send: trio.MemorySendChannel[InviteProgress]
    receive: trio.MemoryReceiveChannel[InviteProgress]
    info: InviteInfo
    publish: Callable[[InviteInfo], None] = field(repr=False)
    announced: bool = False

    def cancel(self) -> None:
        """Cancel the invite (the stream then ends with ``cancelled``)."""
        if self.invitation.state is InvitationState.OPEN:
            self.invitation.cancel()
            self._emit(InviteProgress(kind="cancelled"))

    def _emit(self, progress: InviteProgress) -> None:
        """Send ``progress`` to the opening request; tell every client what changed."""
        with contextlib.suppress(
            trio.WouldBlock, trio.ClosedResourceError, trio.BrokenResourceError
        ):
            self.send.send_nowait(progress)
        self.info = _next_info(self.info, progress)
        self.announced = True
        self.publish(self.info)


class InviteService:
    """The invite side of a node (one per node).

    Args:
        own_peer_id: This node's peer ID.
        bus: Where ``invite-changed`` and ``join-progress`` go.
        settings: The config (namespace, relays).
        peers: Where the new peer is stored (authorized, named; verified once confirmed).
        gate: Admits the joiner on probation while an invite is open.
        dialer: Reaches the inviter (joiner side).
        relay_client: Our relay reservations, for the code's addresses.
        own_addresses: Our dialable listen addresses.
        service_names: The services we offer (told to the joiner).
        clock: Wall clock: codes carry their expiry as a Unix time. The wait until an invite
            expires, and every step timeout, run on trio's clock.
    """

    def __init__(self, context: PairingContext, *, service_names: Callable[[], list[str]]) -> None:
        self._ctx = context
        self._own = PeerId.parse(context.own_peer_id)
        self._service_names = service_names
        self._open: dict[bytes, OpenInvite] = {}
        self._lan_only: dict[bytes, tuple[IPNetwork, ...]] = {}  # short code ID → its LAN
        self._paired: dict[str, SasView] = {}

    def install(self, host: object) -> None:
        """Register the inviter's stream handler on the host."""
        host.set_stream_handler(TProtocol(PROTOCOL_ID), self._handle)  # type: ignore[attr-defined]

    def invites(self) -> list[InviteInfo]:
        """The open invites, as every client may see them (consistent with the events)."""
        unique = {id(invite): invite for invite in self._open.values()}
        return [
            invite.info
            for invite in unique.values()
            if invite.announced and invite.info.state is InviteState.OPEN
        ]

    def _publish(self, info: InviteInfo) -> None:
        self._ctx.bus.publish(InviteChanged(invite=info))

    # ---- inviter --------------------------------------------------------------------------------

    @asynccontextmanager
    async def open_invite(
        self, *, name: str = "", ttl: float = DEFAULT_TTL, lan: bool = False
    ) -> AsyncIterator[OpenInvite]:
        """Open an invite for the block's duration; iterate ``invite.receive`` for progress.

        Raises:
            PeerupError: no address a joiner could reach us on (no relay reservation, no
                listen address), or a bad TTL.
        """
        if not MIN_TTL <= ttl <= MAX_TTL:
            raise PeerupError(f"invite TTL must be between {MIN_TTL:.0f} s and 24 h")
        addresses = await self._code_addresses()
        own = self._own
        code = InviteCode.create(
            own,
            addresses=addresses,
            expires_at=int(self._ctx.clock() + ttl),
            namespace=self._ctx.settings.config.network or "",
        )
        invitation = Invitation(
            password=code.password,
            invite_id=code.invite_id,
            own=own,
            expires_at=float(code.expires_at),
            name=sanitize_peer_name(name or self._ctx.settings.config.device_name),
            services=self._service_names(),
        )
        send, receive = trio.open_memory_channel[InviteProgress](_PROGRESS_BUFFER)
        info = InviteInfo(
            id=f"inv-{secrets.token_hex(4)}",
            state=InviteState.OPEN,
            expires_at=float(code.expires_at),
            attempts_left=MAX_FAILURES,
        )
        invite = OpenInvite(code, invitation, send, receive, info, self._publish)
        short = LanCode.create() if lan else None
        self._open[code.invite_id] = invite
        try:
            async with (
                self._ctx.gate.open_probation(
                    protocols={PROTOCOL_ID},
                    limit=PROBATION_LIMIT,
                    per_address=PROBATION_PER_ADDRESS,
                ),
                contextlib.AsyncExitStack() as stack,
                trio.open_nursery() as nursery,
            ):
                announced: tuple[str, ...] = ()
                if short is not None:
                    announced = await stack.enter_async_context(
                        open_advertisement(short.nameplate, str(self._own), addresses)
                    )
                if short is not None and announced:
                    # Live only from now on (announced), for the LAN it was announced on.
                    interfaces = await trio.to_thread.run_sync(discover_interfaces)
                    self._lan_only[short.invite_id] = announced_subnets(announced, interfaces)
                    invitation.add_code(short.invite_id, short.password)
                    self._open[short.invite_id] = invite
                nursery.start_soon(self._expire, invite)
                invite._emit(
                    InviteProgress(
                        kind="code",
                        code=code.text(),
                        link=code.link(),
                        short_code=short.text() if short is not None and announced else None,
                        expires_at=code.expires_at,
                    )
                )
                try:
                    yield invite
                finally:
                    invite.cancel()
                    self._close_codes(invitation)  # before the announcement ends
                    nursery.cancel_scope.cancel()
        finally:
            self._close_codes(invitation)
            send.close()

    def _close_codes(self, invitation: Invitation) -> None:
        for invite_id in invitation.invite_ids:
            self._open.pop(invite_id, None)
            self._lan_only.pop(invite_id, None)

    async def _expire(self, invite: OpenInvite) -> None:
        await trio.sleep(max(0.0, invite.invitation.expires_at - self._ctx.clock()))
        if invite.invitation.refresh(self._ctx.clock()) is InvitationState.EXPIRED:
            invite._emit(InviteProgress(kind="expired"))

    async def _code_addresses(self) -> list[str]:
        """Relays we hold a reservation on (waiting a little for one), then direct addresses."""
        relay_client = self._ctx.relay_client
        if self._ctx.settings.config.relay_addresses:
            with trio.move_on_after(RESERVATION_WAIT):
                while not relay_client.has_reservation():
                    relay_client.refresh_soon()
                    await trio.sleep(0.1)
        relays: list[str] = []
        for circuit in relay_client.circuit_addresses():
            relay = circuit.split("/p2p-circuit")[0]
            if relay not in relays:
                relays.append(relay)
        direct = [a for a in self._ctx.own_addresses() if "/p2p-circuit" not in a]
        # Loopback only helps on the same machine: last, and only when nothing else exists.
        direct.sort(key=lambda a: a.startswith(("/ip4/127.", "/ip6/::1/")))
        if any(not a.startswith(("/ip4/127.", "/ip6/::1/")) for a in direct):
            direct = [a for a in direct if not a.startswith(("/ip4/127.", "/ip6/::1/"))]
        addresses = relays[:MAX_RELAYS_IN_CODE] + direct[:MAX_DIRECT_IN_CODE]
        if not addresses:
            raise PeerupError(
                "no address a joiner could reach this device on",
                hint="add a relay (peerup relay add …) and start the daemon so it can reserve",
            )
        return addresses

    def _usable_from(self, invite_id: bytes, origin: compat.Origin) -> bool:
        """Whether the code named by ``invite_id`` may be used over a connection from there:
        a short LAN code only directly from the LAN it was announced on."""
        subnets = self._lan_only.get(invite_id)
        return subnets is None or (not origin.relayed and on_subnets(origin.ip, subnets))

    async def _handle(self, stream: INetStream) -> None:
        peer = PeerId.parse(stream.muxed_conn.peer_id.to_base58())
        origin = compat.origin_of(stream.muxed_conn)
        frames = FrameBuffer()
        try:
            with trio.fail_after(STEP_TIMEOUT):
                body = await _read_frame(stream, frames)
        except Exception as exc:  # nothing named: refuse quietly, like a closed port
            log.info("refused an invite handshake from %s: %s", peer, exc)
            await _reset(stream)
            return
        invite_id = peek_invite_id(body)
        invite = self._open.get(invite_id) if invite_id is not None else None
        if invite is None or invite_id is None or not self._usable_from(invite_id, origin):
            # No invite to charge (or a short code from off its LAN): charged to the stranger.
            log.info("refused an invite handshake from %s (%s): no such invite", peer, origin.ip)
            await _reset(stream)
            if not self._ctx.gate.charge_probe(str(peer), origin):
                await self._ctx.gate.drop(str(peer))
            return
        try:
            attempt = invite.invitation.begin(peer, self._ctx.clock(), invite_id)
        except PairingError as exc:  # closed, or its guesses are in use: it costs nothing
            log.info("refused an invite handshake from %s: %s", peer, exc)
            await _reset(stream)
            return
        invite._emit(InviteProgress(kind="attempt", peer_id=str(peer)))
        with self._ctx.gate.protocol_step(str(peer)):
            try:
                while True:
                    reply = attempt.receive(body, self._ctx.clock())
                    if reply is None:
                        break
                    with trio.fail_after(STEP_TIMEOUT):
                        await stream.write(reply)
                        body = await _read_frame(stream, frames)
                    if invite.invitation.refresh(self._ctx.clock()) is not InvitationState.OPEN:
                        raise PairingError("closed", "the invite closed during the handshake")
                outcome = attempt.outcome
                assert outcome is not None
                if not invite.invitation.claim(self._ctx.clock()):
                    raise PairingError("used", "the invite closed during the handshake")
            except Exception as exc:  # every failure of an attempt counts against the invite
                log.info("invite attempt by %s failed: %s", peer, exc)
                await _reset(stream)
                self._count_failure(invite)
                return
        name, warning = self._store_peer(outcome, comment_fallback="joined")
        self._paired[str(peer)] = SasView.of(outcome.sas)
        # Published with no wait since the claim: a snapshot never sees it joined before the event.
        invite._emit(
            InviteProgress(
                kind="joined",
                peer_id=str(peer),
                name=name,
                sas=SasView.of(outcome.sas),
                warning=warning,
                warning_code=KEY_CHANGED if warning else None,
            )
        )
        with contextlib.suppress(Exception):
            await stream.close()

    def _count_failure(self, invite: OpenInvite) -> None:
        burned = invite.invitation.fail()
        failures = invite.invitation.failures
        left = max(0, MAX_FAILURES - failures)
        if burned:
            log.warning("invite burned after %d failed attempts", failures)
            invite._emit(InviteProgress(kind="burned", failures=failures, attempts_left=0))
        elif invite.invitation.state is InvitationState.OPEN:
            invite._emit(
                InviteProgress(kind="attempt-failed", failures=failures, attempts_left=left)
            )

    # ---- joiner ---------------------------------------------------------------------------------

    async def join_short(self, short: LanCode, *, name: str = "") -> JoinResult:
        """Join with a short LAN code: find the inviter by mDNS, then the same handshake.

        Raises:
            PairingError: ``not-found`` when no device on this network invites with that
                number, else as :meth:`join`.
        """
        with open_join_report(self._ctx.bus, via="invite", peer_id=None) as report:
            own_addresses = self._ctx.own_addresses()
            found = await find_inviter(short.nameplate, loopback=only_loopback(own_addresses))
            if found is None or not found.addresses:
                raise PairingError(
                    "not-found",
                    f"no device on this network is inviting with number {short.nameplate}",
                    hint="both devices must be on the same network; or use the long code",
                )
            code = InviteCode(
                invite_id=short.invite_id,
                password=short.password,
                expires_at=int(self._ctx.clock() + DEFAULT_TTL),
                inviter=found.peer_id,
                namespace="",
                addresses=found.addresses,
            )
            self._check_code(code)
            report.peer_id = str(code.inviter)
            return await self._join(code, name, report)

    async def join(self, code: InviteCode, *, name: str = "") -> JoinResult:
        """Join with an invite code: reach the inviter, run the handshake, store the inviter.

        Each step is published (``join-progress``): connecting, exchanging-keys, confirming,
        then done or failed with the reason.

        Raises:
            PairingError: ``expired`` (the code says so), ``wrong-code`` (wrong code, expired,
                used or burned: the inviter does not say which), ``tampered``,
                ``unreachable``, ``own-code``.
        """
        self._check_code(code)
        with open_join_report(self._ctx.bus, via="invite", peer_id=str(code.inviter)) as report:
            return await self._join(code, name, report)

    def _check_code(self, code: InviteCode) -> None:
        if code.inviter == self._own:
            raise PairingError("own-code", "this is this device's own invite code")
        if code.expires_at <= self._ctx.clock():
            raise PairingError("expired", "this invite code has expired", hint="ask for a new one")

    async def _join(self, code: InviteCode, name: str, report: JoinReport) -> JoinResult:
        target = Target(
            ID.from_base58(str(code.inviter)),
            tuple(multiaddr.Multiaddr(a) for a in code.dial_addresses()),
        )
        try:
            with trio.fail_after(JOIN_TIMEOUT):
                await self._ctx.dialer.ensure_connected(target)
        except (PeerupError, trio.TooSlowError) as exc:
            raise PairingError(
                "unreachable",
                f"could not reach the inviter: {exc}",
                hint="is the invite still open on the other device?",
            ) from None
        host = self._ctx.dialer.require_host()
        handshake = JoinerHandshake(
            password=code.password,
            invite_id=code.invite_id,
            own=self._own,
            inviter=code.inviter,
            name=sanitize_peer_name(name or self._ctx.settings.config.device_name),
            now=trio.current_time(),  # only for the handshake's deadline
        )
        frames = FrameBuffer()
        stream: INetStream | None = None
        report.step(JoinStep.EXCHANGING_KEYS)
        try:
            with trio.fail_after(JOIN_TIMEOUT):
                try:
                    stream = await host.new_stream(target.peer_id, [TProtocol(PROTOCOL_ID)])  # type: ignore[attr-defined]
                except Exception:  # the inviter refuses the protocol: no open invite
                    raise PairingError("wrong-code", WRONG_CODE) from None
                assert stream is not None
                await stream.write(handshake.start())
                while handshake.outcome is None:
                    body = await _read_frame(stream, frames)
                    reply = handshake.receive(body, trio.current_time())
                    if handshake.outcome is None:  # the inviter's MAC checked out: keys agree
                        report.step(JoinStep.CONFIRMING)
                    await stream.write(reply)
        except PairingError:
            if stream is not None:
                await _reset(stream)
            raise
        except trio.TooSlowError:
            if stream is not None:
                await _reset(stream)
            raise PairingError("wrong-code", WRONG_CODE) from None
        except Exception:  # reset or closed by the inviter: it refused (never says why)
            if stream is not None:
                await _reset(stream)
            raise PairingError("wrong-code", WRONG_CODE) from None
        outcome = handshake.outcome
        with contextlib.suppress(Exception):
            await stream.close()
        stored, warning = self._store_peer(outcome, comment_fallback="invited")
        self._paired[str(outcome.peer)] = SasView.of(outcome.sas)
        report.step(JoinStep.DONE)
        return JoinResult(
            peer_id=str(outcome.peer),
            name=stored,
            services=outcome.services,
            sas=SasView.of(outcome.sas),
            suite=outcome.suite,
            warning=warning,
            warning_code=KEY_CHANGED if warning else None,
        )

    # ---- both -----------------------------------------------------------------------------------

    def _store_peer(
        self, outcome: InviteOutcome, *, comment_fallback: str
    ) -> tuple[str | None, str | None]:
        """authorized_keys (unverified) and a name (see :meth:`PeerBook.admit`)."""
        day = time.strftime("%Y-%m-%d", time.localtime(self._ctx.clock()))
        return self._ctx.peers.admit(
            str(outcome.peer),
            outcome.name,
            comment_fallback=f"{comment_fallback}-{day}",
        )

    def confirm_sas(self, peer: str) -> None:
        """The human confirmed the SAS of a peer paired by an invite here: mark it verified.

        Raises:
            PairingError: ``not-paired`` if no invite of this node paired with ``peer``.
        """
        peer_id = self._ctx.peers.resolve(peer).peer_id
        if peer_id not in self._paired:
            raise PairingError(
                "not-paired",
                f"{peer} was not paired by an invite on this node",
                hint=f"use peerup verify {peer}",
            )
        self._ctx.peers.set_verified(peer_id, True)
        del self._paired[peer_id]


async def _read_frame(stream: INetStream, frames: FrameBuffer) -> bytes:
    """The next frame body; reads at most one frame's worth at a time."""
    pending: list[bytes] = []
    while not pending:
        data = await stream.read(MAX_FRAME + 2)
        if not data:
            raise PairingError("closed", "the stream closed")
        pending = frames.feed(bytes(data))
        if len(pending) > 1 or frames.pending:
            raise PairingError("protocol", "more than one message at a time")
    return pending[0]


async def _reset(stream: INetStream) -> None:
    with contextlib.suppress(Exception), trio.CancelScope(shield=True), trio.move_on_after(2):
        await stream.reset()
