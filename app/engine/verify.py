"""Drives ``/peerup/verify/1.0.0`` (:mod:`app.core.pairing.verify`) over libp2p streams.

A run needs two humans, one per device, so it lives in the daemon between API calls:

* the initiator's front end calls :meth:`VerifyManager.start` (returns once the SAS is known),
  shows the SAS, asks its human, and calls :meth:`VerifyManager.answer`;
* on the responder, the incoming stream runs the key exchange at once and the run waits, with a
  ``verify-requested`` event, until its human answers (``peerup verify <peer>`` or ``--answer``)
  or the 10-minute TTL ends.

Each side sends its human's answer; the peer is marked verified (authorized_keys ``verified=``)
only when both said the strings match, and each side learns what the other answered. Every
stream is bounded: frames of at most :data:`app.core.pairing.verify.MAX_FRAME` bytes, one run per
peer, at most :data:`MAX_SESSIONS` at once, and the TTL.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import trio
from libp2p.abc import INetStream

from app.core.errors import PeerupError, VerificationError
from app.core.ids.peerid import PeerId
from app.core.pairing.sas import reference_fingerprint
from app.core.pairing.verify import (
    MAX_FRAME,
    SESSION_TTL,
    Aborted,
    Completed,
    PeerAnswered,
    Role,
    SasReady,
    SendData,
    VerifyEvent,
    VerifySession,
)
from app.core.status import (
    FingerprintInfo,
    SasInfo,
    VerifyRequested,
    VerifySessionInfo,
    VerifyState,
    VerifyUpdated,
)
from app.engine.bus import EventBus
from app.engine.splice import close_quietly

if TYPE_CHECKING:
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.verify")

MAX_SESSIONS = 16
KEEP_FINISHED = 600.0  # finished runs stay listed this long (the answer stream reads them)
WRITE_TIMEOUT = 10.0


@dataclass(eq=False)
class _Run:
    id: str
    peer_id: str
    machine: VerifySession
    stream: INetStream
    started_wall: float
    lock: trio.Lock = field(default_factory=trio.Lock)
    sas_ready: trio.Event = field(default_factory=trio.Event)
    done: trio.Event = field(default_factory=trio.Event)
    changed: trio.Event = field(default_factory=trio.Event)
    error: VerificationError | None = None
    finished_at: float | None = None
    verified: bool = False


def _over(run: _Run) -> bool:
    # A function, not the property inline: the state changes under our feet between awaits.
    return run.machine.finished


class VerifyManager:
    """Every verify run of one node.

    Args:
        own_id: This node's peer ID.
        bus: Where ``verify-requested`` / ``verify-updated`` events go.
        open_stream: Opens a ``/peerup/verify/1.0.0`` stream to a peer ID (base58); raises
            PeerupError (VerifyUnsupportedError when the peer does not speak it).
        name_for: The peer's name, for display.
        on_verified: Called with the peer ID when both humans confirmed (marks it verified).
        clock: Wall clock, for when a run expires (shown to users). The TTL itself and how
            long finished runs stay listed are measured on trio's clock.
    """

    def __init__(
        self,
        own_id: PeerId,
        bus: EventBus,
        open_stream: Callable[[str], Awaitable[INetStream]],
        name_for: Callable[[str], str | None],
        on_verified: Callable[[str], None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._own = own_id
        self._bus = bus
        self._open_stream = open_stream
        self._name_for = name_for
        self._on_verified = on_verified
        self._clock = clock
        self._runs: dict[str, _Run] = {}
        self._ids = itertools.count(1)
        self._nursery: trio.Nursery | None = None

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Own the tasks of outgoing runs until cancelled."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            try:
                await trio.sleep_forever()
            finally:
                self._nursery = None

    # ---- queries -------------------------------------------------------------------------------

    def sessions(self) -> list[VerifySessionInfo]:
        """Every run still listed (ongoing, and finished within the last 10 minutes)."""
        self._prune()
        return [self._info(r) for r in self._runs.values()]

    def _get(self, session_id: str) -> _Run:
        run = self._runs.get(session_id)
        if run is None:
            raise VerificationError(
                "not-found",
                f"no verification with id {session_id!r}",
                hint="list them with: peerup verify --pending",
            )
        return run

    def _info(self, run: _Run) -> VerifySessionInfo:
        m = run.machine
        fp = reference_fingerprint(self._own.raw, m.peer_id)
        sas = None
        if m.sas is not None:
            sas = SasInfo(emoji=m.sas.emoji, names=m.sas.names, digits=m.sas.digits)
        if run.error is not None:
            state = VerifyState.FAILED
        elif m.local_match is not None and m.peer_match is not None and run.done.is_set():
            state = VerifyState.VERIFIED if run.verified else VerifyState.REJECTED
        elif m.local_match is not None and m.peer_match is not None:
            # Both answered, the result not recorded yet (the peer's answer is published just
            # before the run completes): not over, so no front end shows a passing "rejected".
            state = VerifyState.WAITING_PEER
        elif m.local_match is not None:
            state = VerifyState.WAITING_PEER
        elif m.sas is not None:
            state = VerifyState.ASKING
        else:
            state = VerifyState.EXCHANGING
        return VerifySessionInfo(
            id=run.id,
            peer_id=run.peer_id,
            peer_name=self._name_for(run.peer_id),
            role=str(m.role),
            state=state,
            fingerprint=FingerprintInfo(
                emoji=fp.emoji, names=fp.names, numeric=fp.numeric, prefix=fp.prefix
            ),
            expires_at=run.started_wall + SESSION_TTL,
            sas=sas,
            suite=m.suite,
            local_match=m.local_match,
            peer_match=m.peer_match,
            error_reason=run.error.reason if run.error else None,
            error=run.error.message if run.error else None,
        )

    def _prune(self) -> None:
        now = trio.current_time()
        for key, run in list(self._runs.items()):
            if run.finished_at is not None and now - run.finished_at > KEEP_FINISHED:
                del self._runs[key]

    def _check_crossed(self, peer_id: str, role: Role) -> None:
        """Both people typed `peerup verify` at once: keep exactly one run, the same on both ends.

        The run started by the lower peer ID survives, whatever order the two streams arrive in;
        the other side's front end then answers it (it is listed as waiting for an answer).

        Raises:
            VerificationError: ``crossed``, when the run being admitted is the one to drop.
        """
        other_role = Role.RESPONDER if role is Role.INITIATOR else Role.INITIATOR
        crossing = any(
            r.peer_id == peer_id and not r.machine.finished and r.machine.role is other_role
            for r in self._runs.values()
        )
        if not crossing:
            return
        we_are_lower = self._own.raw < PeerId.parse(peer_id).raw
        ours_wins = we_are_lower if role is Role.INITIATOR else not we_are_lower
        if not ours_wins:
            raise VerificationError(
                "crossed", "the peer started a verification at the same time; answer theirs"
            )

    def _admit(self, peer_id: str, stream: INetStream, role: Role) -> _Run:
        self._prune()
        self._check_crossed(peer_id, role)
        # One run per peer: a new one replaces a stale or crossed one (its stream is closed).
        for old in [r for r in self._runs.values() if r.peer_id == peer_id]:
            if not old.machine.finished:
                old.error = VerificationError("replaced", "a newer verification replaced this one")
                old.machine.cancel("cancelled", "replaced by a newer verification")
                self._finish(old)
        live = [r for r in self._runs.values() if not r.machine.finished]
        if len(live) >= MAX_SESSIONS:
            raise VerificationError("busy", "too many verifications at once; try again later")
        machine = VerifySession(
            role,
            own_id=self._own.raw,
            peer_id=PeerId.parse(peer_id).raw,
            now=trio.current_time(),
        )
        run = _Run(
            id=f"v{next(self._ids)}",
            peer_id=peer_id,
            machine=machine,
            stream=stream,
            started_wall=self._clock(),
        )
        self._runs[run.id] = run
        return run

    # ---- the two ways in -----------------------------------------------------------------------

    async def start(self, peer_id: str) -> VerifySessionInfo:
        """Start a run with ``peer_id``; returns once the SAS is ready.

        Raises:
            VerifyUnsupportedError: The peer does not speak the protocol.
            PeerUnreachableError: The peer cannot be reached.
            VerificationError: The run failed (tampered, cancelled by the peer, ...).
        """
        if self._nursery is None:
            raise PeerupError("the node is not running")
        self._check_crossed(peer_id, Role.INITIATOR)
        stream = await self._open_stream(peer_id)
        try:
            run = self._admit(peer_id, stream, Role.INITIATOR)
        except PeerupError:
            await close_quietly(stream)
            raise
        self._nursery.start_soon(self._pump, run)
        async with run.lock:
            await self._process(run, run.machine.start())
        await run.sas_ready.wait()
        if run.error is not None:
            raise run.error
        return self._info(run)

    async def handle_stream(self, stream: INetStream) -> None:
        """Stream handler for incoming runs (the peer is authorized: the gate checked)."""
        peer_id = str(stream.muxed_conn.peer_id)
        try:
            run = self._admit(peer_id, stream, Role.RESPONDER)
        except PeerupError as exc:
            log.info("refused a verification from %s: %s", peer_id, exc)
            await close_quietly(stream)
            return
        name = self._name_for(peer_id) or peer_id
        log.warning(
            "%s asks to verify: compare the emoji with them, run: peerup verify %s", name, name
        )
        await self._pump(run)

    # ---- answers -------------------------------------------------------------------------------

    async def answer(self, session_id: str, match: bool) -> VerifySessionInfo:
        """Send the local human's answer; returns the run right after (see :meth:`wait`).

        Raises:
            VerificationError: No such run, already answered, or over.
        """
        run = self._get(session_id)
        if run.error is not None:
            raise run.error
        async with run.lock:
            await self._process(run, run.machine.confirm(match, now=trio.current_time()))
        return self._info(run)

    async def wait_change(self, session_id: str) -> VerifySessionInfo:
        """Wait until the run changes (or is over); returns its new state."""
        run = self._get(session_id)
        if not run.done.is_set():
            await run.changed.wait()
        return self._info(run)

    async def cancel(self, session_id: str) -> None:
        """Cancel a run; the peer is told.

        Raises:
            VerificationError: No such run.
        """
        run = self._get(session_id)
        async with run.lock:
            await self._process(run, run.machine.cancel())

    # ---- machinery -----------------------------------------------------------------------------

    def _notify(self, run: _Run) -> None:
        run.changed.set()
        run.changed = trio.Event()

    def _finish(self, run: _Run) -> None:
        if run.finished_at is None:
            run.finished_at = trio.current_time()
        run.sas_ready.set()
        run.done.set()
        self._notify(run)
        self._bus.publish(VerifyUpdated(self._info(run)))

    async def _process(self, run: _Run, events: list[VerifyEvent]) -> None:
        """Apply the machine's events: write frames, record results, publish."""
        for event in events:
            if isinstance(event, SendData):
                try:
                    with trio.fail_after(WRITE_TIMEOUT):
                        await run.stream.write(event.data)
                except Exception as exc:  # a broken stream raises libp2p-specific types
                    if not run.machine.finished:
                        run.machine.cancel("closed", "connection lost")
                        run.error = VerificationError(
                            "closed", f"the connection to the peer broke: {exc}"
                        )
                        self._finish(run)
                    return
            elif isinstance(event, SasReady):
                run.sas_ready.set()
                info = self._info(run)
                if run.machine.role is Role.RESPONDER:
                    self._bus.publish(VerifyRequested(info))
                else:
                    self._bus.publish(VerifyUpdated(info))
            elif isinstance(event, PeerAnswered):
                self._bus.publish(VerifyUpdated(self._info(run)))
            elif isinstance(event, Completed):
                if event.verified:
                    try:
                        self._on_verified(run.peer_id)
                        run.verified = True
                    except PeerupError as exc:
                        run.error = VerificationError("store", f"could not save: {exc.message}")
                log.info(
                    "verification %s with %s: local %s, peer %s",
                    run.id,
                    run.peer_id,
                    "match" if event.local_match else "mismatch",
                    "match" if event.peer_match else "mismatch",
                )
                self._finish(run)
            elif isinstance(event, Aborted):
                if run.error is None:
                    run.error = event.error()
                log.info("verification %s with %s ended: %s", run.id, run.peer_id, event.message)
                self._finish(run)
        self._notify(run)

    async def _pump(self, run: _Run) -> None:
        """Read the stream until the run is over (or the TTL ends), then close it."""
        try:
            with trio.move_on_after(SESSION_TTL):
                while not _over(run):
                    try:
                        data = await run.stream.read(MAX_FRAME + 2)
                    except Exception:  # EOF, reset: the libp2p types differ by cause
                        data = b""
                    async with run.lock:
                        if _over(run):
                            break
                        if not data:
                            run.error = VerificationError(
                                "closed", "the peer closed the connection before the end"
                            )
                            run.machine.cancel("closed", "connection closed")
                            self._finish(run)
                            break
                        await self._process(
                            run, run.machine.receive_data(data, now=trio.current_time())
                        )
            if not run.machine.finished:
                async with run.lock:
                    await self._process(
                        run, run.machine.cancel("expired", "the verification timed out")
                    )
        finally:
            with trio.CancelScope(shield=True):
                if not run.done.is_set():
                    run.error = run.error or VerificationError("cancelled", "the node stopped")
                    self._finish(run)
                with contextlib.suppress(Exception):
                    await close_quietly(run.stream)
