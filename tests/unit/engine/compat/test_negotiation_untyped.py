"""NEGOTIATION-UNTYPED (``app/engine/compat/negotiation_untyped.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio
import trio.testing
from libp2p.custom_types import TProtocol
from libp2p.host.exceptions import StreamFailure
from libp2p.network.exceptions import SwarmException
from libp2p.protocol_muxer.exceptions import MultiselectClientError, ProtocolNotSupportedError
from libp2p.protocol_muxer.multiselect import Multiselect
from libp2p.protocol_muxer.multiselect_client import MULTISELECT_PROTOCOL_ID, MultiselectClient
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator
from libp2p.stream_muxer.exceptions import MuxedStreamError

from app.engine.compat import negotiation_untyped

OFFERED = TProtocol("/test/offered/1.0.0")


WANTED = TProtocol("/test/wanted/1.0.0")


def _raised_from(outer: BaseException, cause: BaseException) -> BaseException:
    """``outer`` as py-libp2p raises its wrappers: ``raise outer from cause``."""
    with pytest.raises(type(outer)) as raised:
        raise outer from cause
    return raised.value


class _Pipe:
    """One end of an in-memory byte pipe, as the ReadWriteCloser py-libp2p's communicator reads."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def read(self, n: int | None = None) -> bytes:
        return bytes(await self._stream.receive_some(n))

    async def write(self, data: bytes) -> None:
        await self._stream.send_all(data)

    async def close(self) -> None:
        await self._stream.aclose()

    def get_remote_address(self) -> None:
        return None


Responder = Callable[[MultiselectCommunicator, Any], Awaitable[None]]


async def _serve_offered(comm: MultiselectCommunicator, _end: Any) -> None:
    """py-libp2p's own multistream-select responder, offering only OFFERED."""

    async def handler(_stream: Any) -> None:
        pass

    await Multiselect({OFFERED: handler}).negotiate(comm)


async def _close_at_once(_comm: MultiselectCommunicator, end: Any) -> None:
    await end.send_eof()  # before our header: the client reads the end while it waits for it


async def _close_after_proposal(comm: MultiselectCommunicator, end: Any) -> None:
    await comm.write(MULTISELECT_PROTOCOL_ID)
    await comm.read()
    await comm.read()
    await end.aclose()


async def _garble(comm: MultiselectCommunicator, _end: Any) -> None:
    await comm.write(MULTISELECT_PROTOCOL_ID)
    await comm.read()
    await comm.read()
    await comm.write("what")
    await trio.sleep_forever()


async def _silent(_comm: MultiselectCommunicator, _end: Any) -> None:
    await trio.sleep_forever()


async def _failed_new_stream(respond: Responder) -> BaseException:
    """Run py-libp2p's ``select_one_of`` for WANTED against ``respond``; return what it raised,
    wrapped as ``BasicHost.new_stream`` wraps it."""
    ours, theirs = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(respond, MultiselectCommunicator(_Pipe(theirs)), theirs)
        with pytest.raises(MultiselectClientError) as raised:
            await MultiselectClient().select_one_of(
                [WANTED], MultiselectCommunicator(_Pipe(ours)), negotiate_timeout=10
            )
        nursery.cancel_scope.cancel()
    return _raised_from(StreamFailure("failed to open a stream to peer X"), raised.value)


@pytest.mark.trio
async def test_defect_refusal_is_told_only_by_its_message(autojump_clock: Any) -> None:
    failure = await _failed_new_stream(_serve_offered)
    cause = failure.__cause__
    assert type(cause) is MultiselectClientError  # not ProtocolNotSupportedError
    assert cause.__cause__ is None
    assert cause.__context__ is None
    assert str(cause).startswith("protocols not supported:")
    for other in (_close_at_once, _close_after_proposal, _garble, _silent):  # all the same type
        assert type((await _failed_new_stream(other)).__cause__) is MultiselectClientError


@pytest.mark.trio
async def test_defect_negotiation_timeout_is_untyped(autojump_clock: Any) -> None:
    cause = (await _failed_new_stream(_silent)).__cause__
    assert not isinstance(cause, TimeoutError | trio.TooSlowError)
    assert cause is not None
    assert cause.__cause__ is None
    assert str(cause).startswith("response timed out after 10s")


@pytest.mark.trio
async def test_refusal_is_recognized(autojump_clock: Any) -> None:
    failure = await _failed_new_stream(_serve_offered)
    assert negotiation_untyped.is_protocol_refusal(failure)
    assert not negotiation_untyped.is_negotiation_timeout(failure)
    assert not negotiation_untyped.is_handshake_failure(failure)


@pytest.mark.trio
async def test_per_protocol_refusal_is_recognized(autojump_clock: Any) -> None:
    """What a fixed py-libp2p would raise (or chain): its ``ProtocolNotSupportedError``."""
    ours, theirs = trio.testing.memory_stream_pair()
    client = MultiselectClient()
    comm = MultiselectCommunicator(_Pipe(ours))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_serve_offered, MultiselectCommunicator(_Pipe(theirs)), theirs)
        await client.handshake(comm)
        with pytest.raises(ProtocolNotSupportedError) as raised:
            await client.try_select(comm, WANTED)
        nursery.cancel_scope.cancel()
    assert negotiation_untyped.is_protocol_refusal(raised.value)
    wrapped = _raised_from(StreamFailure("failed to open a stream to peer X"), raised.value)
    assert negotiation_untyped.is_protocol_refusal(wrapped)


@pytest.mark.trio
@pytest.mark.parametrize("respond", [_close_at_once, _close_after_proposal, _garble, _silent])
async def test_broken_negotiations_are_not_refusals(
    autojump_clock: Any, respond: Responder
) -> None:
    failure = await _failed_new_stream(respond)
    assert not negotiation_untyped.is_protocol_refusal(failure)
    assert negotiation_untyped.is_negotiation_timeout(failure) is (respond is _silent)
    # Only a stream ended before the peer's header came cannot have reached a handler.
    assert negotiation_untyped.is_handshake_failure(failure) is (respond is _close_at_once)


def test_other_stream_failures_are_not_refusals() -> None:
    """Failures before the negotiation (the swarm or the muxer) are not refusals either."""
    failure = _raised_from(
        SwarmException("Failed to create stream to peer X"),
        MuxedStreamError("Connection is shutting down"),
    )
    assert not negotiation_untyped.is_protocol_refusal(failure)
    assert not negotiation_untyped.is_negotiation_timeout(failure)
    assert not negotiation_untyped.is_handshake_failure(failure)
