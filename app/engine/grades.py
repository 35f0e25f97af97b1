"""Grade sharing: each node tells its authorized peers its reachability grade.

Over ``/peerup/reachability/1.0.0`` a node sends its :class:`~app.core.status.Reachability` to
every authorized peer when they connect and whenever it changes. A peer's grade (with the LAN
addresses it tells only authorized peers) predicts the path two peers can expect, and drives the
LAN dial of two devices behind one router.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import trio
from libp2p.abc import INetStream
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.core.reach.gradewire import MAX_MESSAGE as GRADE_MAX_MESSAGE
from app.core.reach.gradewire import PROTOCOL_ID as GRADE_PROTOCOL
from app.core.reach.gradewire import decode_grade, encode_grade
from app.core.reach.interfaces import InterfaceSummary
from app.core.reach.lan import lan_dial_candidates
from app.core.reach.reachability import expected_path
from app.core.status import PathType, Reachability, ReachabilityChanged
from app.engine.bus import EventBus
from app.engine.peerbook import PeerBook
from app.engine.splice import read_to_eof

if TYPE_CHECKING:
    from trio_typing import TaskStatus

__all__ = ["GRADE_TIMEOUT", "GradeSharing"]

log = logging.getLogger("peerup.engine.grades")

GRADE_TIMEOUT = 10.0


class GradeSharing:
    """Sends our grade to authorized peers and keeps theirs.

    Args:
        peers: Only authorized peers are told our grade, and heard.
        bus: Where a peer's new grade goes (``reachability-changed``).
        on_peer_grade: Called with a peer's ID after each message from it (its LAN may be worth
            a dial now).
    """

    def __init__(
        self,
        peers: PeerBook,
        bus: EventBus,
        *,
        on_peer_grade: Callable[[str, bool], None] = lambda _pid, _changed: None,
    ) -> None:
        self._peers = peers
        self._bus = bus
        self._on_peer_grade = on_peer_grade
        self._theirs: dict[str, Reachability] = {}
        self._host: object | None = None
        self._nursery: trio.Nursery | None = None

    def install(self, host: object) -> None:
        """Answer grade messages on ``host``."""
        self._host = host
        host.set_stream_handler(TProtocol(GRADE_PROTOCOL), self._receive)  # type: ignore[attr-defined]

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Own the sending tasks until cancelled."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            await trio.sleep_forever()

    def of(self, peer_id: str) -> Reachability | None:
        """The grade ``peer_id`` last told us."""
        return self._theirs.get(peer_id)

    def expected_path(
        self, peer_id: str, ours: Reachability | None, interfaces: InterfaceSummary
    ) -> PathType | None:
        """The path both grades predict (DIRECT on a shared subnet whatever the grades)."""
        theirs = self._theirs.get(peer_id)
        if ours is None or theirs is None:
            return None
        if lan_dial_candidates(theirs.lan_addresses, interfaces):
            return PathType.DIRECT  # on a shared subnet the LAN dial connects whatever the grades
        return expected_path(ours.grade, theirs.grade)

    def send_soon(self, peer_ids: Iterable[str], value: Reachability) -> None:
        """Tell each authorized peer of ``peer_ids`` our grade ``value``, in the background."""
        if self._nursery is None:
            return
        for pid in peer_ids:
            if self._peers.is_listed(pid):
                self._nursery.start_soon(self._send, pid, value)

    async def _send(self, peer_id: str, value: Reachability) -> None:
        """Tell one peer our grade; failures only cost that peer an outdated grade."""
        host = self._host
        if host is None:
            return
        try:
            with trio.fail_after(GRADE_TIMEOUT):
                stream = await host.new_stream(  # type: ignore[attr-defined]
                    ID.from_base58(peer_id), [TProtocol(GRADE_PROTOCOL)]
                )
                await stream.write(encode_grade(value))
                await stream.close()
        except Exception as exc:  # the peer may be gone or not speak the protocol (Go peer-up)
            log.debug("could not send our grade to %s: %s", peer_id, exc)

    async def _receive(self, stream: INetStream) -> None:
        pid = stream.muxed_conn.peer_id.to_base58()
        try:
            if not self._peers.is_authorized(pid):
                await stream.reset()
                return
            with trio.fail_after(GRADE_TIMEOUT):
                data = await read_to_eof(stream, GRADE_MAX_MESSAGE)
            value = decode_grade(data)
        except Exception as exc:  # a peer's message is untrusted: log and drop it
            log.info("ignored a reachability message from %s: %s", pid, exc)
            with contextlib.suppress(Exception):
                await stream.reset()
            return
        with contextlib.suppress(Exception):
            await stream.close()
        changed = self._theirs.get(pid) != value
        if changed:
            self._theirs[pid] = value
            self._bus.publish(ReachabilityChanged(peer_id=pid, reachability=value))
        self._on_peer_grade(pid, changed)
