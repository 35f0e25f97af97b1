"""How long a verify run waits for its humans, on trio's mock clock.

Two :class:`VerifyManager` talk over trio's in-memory stream pair (what is tested is when a run
ends, not the transport; the same protocol between real nodes is in
tests/integration/test_verify.py). Wall time comes from a fake clock that moves with trio's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import trio
import trio.testing
from libp2p.peer.id import ID
from trio.testing import MockClock

from app.core.ids.identity import create_identity_file
from app.core.ids.peerid import PeerId
from app.core.pairing.verify import SESSION_TTL
from app.core.status import VerifyState
from app.engine.bus import EventBus
from app.engine.verify import KEEP_FINISHED, VerifyManager
from tests.helpers.clock import TrioWallClock

pytestmark = pytest.mark.trio


@dataclass
class _Conn:
    peer_id: ID


class Stream:
    """One end of an in-memory byte stream, with the calls the verify manager makes."""

    def __init__(self, stream: trio.testing.StapledStream, peer: PeerId) -> None:  # type: ignore[type-arg]
        self._stream = stream
        self.muxed_conn = _Conn(ID.from_base58(str(peer)))

    async def read(self, n: int) -> bytes:
        return bytes(await self._stream.receive_some(n))

    async def write(self, data: bytes) -> None:
        await self._stream.send_all(data)

    async def close(self) -> None:
        await self._stream.aclose()


async def _never(_peer_id: str) -> Stream:
    raise AssertionError("the responder opens no stream")


def _peer(tmp_path: Path, name: str) -> PeerId:
    return create_identity_file(tmp_path / f"{name}.key").peer_id


async def test_an_unanswered_run_expires_after_its_ttl(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    alice, bob = _peer(tmp_path, "alice"), _peer(tmp_path, "bob")
    clock = TrioWallClock(start=1_700_000_000.0)
    verified: list[str] = []
    async with trio.open_nursery() as nursery:
        a_end, b_end = trio.testing.memory_stream_pair()
        responder = VerifyManager(
            bob, EventBus(), _never, lambda _p: None, verified.append, clock=clock
        )

        async def open_stream(_peer_id: str) -> Stream:
            nursery.start_soon(responder.handle_stream, Stream(b_end, alice))
            return Stream(a_end, bob)

        initiator = VerifyManager(
            alice, EventBus(), open_stream, lambda _p: None, verified.append, clock=clock
        )
        await nursery.start(initiator.run)
        begun, wall = trio.current_time(), clock()
        started = await initiator.start(str(bob))
        assert started.expires_at == pytest.approx(wall + SESSION_TTL, abs=0.01)
        await initiator.answer(started.id, True)  # bob's human never answers
        (incoming,) = responder.sessions()
        await trio.sleep(SESSION_TTL - 1)
        assert responder.sessions()[0].state is VerifyState.ASKING
        with trio.fail_after(2):
            done_a = await initiator.wait_change(started.id)
            done_b = await responder.wait_change(incoming.id)
        for done in (done_a, done_b):
            assert (done.state, done.error_reason) == (VerifyState.FAILED, "expired")
        assert trio.current_time() - begun == pytest.approx(SESSION_TTL, abs=0.5)
        assert verified == []
        # Finished runs stay listed a while (a front end reads how they ended), then go.
        await trio.sleep(KEEP_FINISHED - 1)
        assert [s.id for s in initiator.sessions()] == [started.id]
        await trio.sleep(2)
        assert initiator.sessions() == responder.sessions() == []
        nursery.cancel_scope.cancel()
