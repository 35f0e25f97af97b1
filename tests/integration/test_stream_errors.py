"""What opening a stream reports when the protocol negotiation fails, between real nodes.

A peer that answers "na" does not offer the protocol: ``ServiceNotFoundError`` (and verify reads
it as "unsupported"). A peer that does offer it, but whose side of the negotiation breaks (it
resets the stream at once, closes or resets it after reading our proposal, answers garbage, or
stays silent), is a different failure: ``PeerUnreachableError`` naming the cause, never "does not
offer" or "does not support". The connection stays usable afterwards.

The broken peer is a real node whose swarm stream handler is replaced by a small
multistream-select responder (:func:`_sabotage`) that breaks the negotiation of one protocol and
serves every other protocol with the node's own handlers.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import trio
from libp2p.abc import INetStream
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.protocol_muxer.multiselect_client import MULTISELECT_PROTOCOL_ID
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator

from app.core.errors import NotAuthorizedError, PeerUnreachableError, ServiceNotFoundError
from app.core.pairing.verify import PROTOCOL_ID as VERIFY_PROTOCOL
from app.engine import compat
from app.engine.compat.yamux_close_blocks import _TRANSPORT_ATTRS
from app.engine.node import Node
from tests.helpers.nodes import open_connected_pair

pytestmark = pytest.mark.trio

Sabotage = Callable[[INetStream, MultiselectCommunicator], Awaitable[None]]


async def _reset(stream: INetStream, _comm: MultiselectCommunicator) -> None:
    await stream.reset()


async def _close(stream: INetStream, _comm: MultiselectCommunicator) -> None:
    await stream.close()


async def _garble(_stream: INetStream, comm: MultiselectCommunicator) -> None:
    await comm.write("what")
    await trio.sleep(5)  # keep the stream open: the garbled answer, not its end, is the failure


async def _stay_silent(_stream: INetStream, _comm: MultiselectCommunicator) -> None:
    await trio.sleep(5)


@contextlib.contextmanager
def _sabotage(
    node: Node, protocol: str, act: Sabotage, *, times: int | None = None
) -> Iterator[None]:
    """While active, ``node`` answers a proposal of ``protocol`` with ``act`` (the first ``times``
    times, or always), everything else as usual."""
    host = node._host
    assert host is not None
    swarm = host.get_network()  # type: ignore[attr-defined]
    original = swarm.common_stream_handler
    handlers = host.get_mux().handlers  # type: ignore[attr-defined]
    acts = [act] * times if times is not None else None

    async def negotiate(stream: INetStream) -> tuple[TProtocol, object] | None:
        comm = MultiselectCommunicator(stream)
        await comm.write(MULTISELECT_PROTOCOL_ID)
        if await comm.read() != MULTISELECT_PROTOCOL_ID:
            await stream.reset()
            return None
        for _ in range(8):
            proposed = await comm.read()
            if proposed == protocol and (acts is None or acts):
                await (acts.pop() if acts else act)(stream, comm)
                return None
            handler = handlers.get(TProtocol(proposed))
            if handler is not None:
                await comm.write(proposed)
                return TProtocol(proposed), handler
            await comm.write("na")
        await stream.reset()
        return None

    async def respond(stream: INetStream) -> None:
        try:
            with trio.fail_after(10):
                chosen = await negotiate(stream)
        except Exception:  # a broken stream of the other side: nothing to serve
            with contextlib.suppress(Exception):
                await stream.reset()
            return
        if chosen is not None:
            stream.set_protocol(chosen[0])
            await chosen[1](stream)  # type: ignore[operator]

    swarm.set_stream_handler(respond)
    try:
        yield
    finally:
        swarm.set_stream_handler(original)


async def _still_connected(client: Node, server: Node) -> None:
    """The connection survived: a ping (negotiated through the same responder) is answered."""
    with trio.fail_after(10):
        results = [r async for r in client.ping(server.peer_id, count=1, interval=0)]
    assert results[0].error is None


async def _verify_stream_opens(client: Node, server: Node) -> None:
    with trio.fail_after(20):
        stream = await client.dialer.open_stream(
            client.dialer.resolve_target(server.peer_id), VERIFY_PROTOCOL
        )
    await stream.reset()


async def test_protocol_not_offered_is_service_not_found(tmp_path: Path) -> None:
    async with open_connected_pair(tmp_path) as (a, b, _path):
        with pytest.raises(ServiceNotFoundError, match="does not offer") as caught:
            with trio.fail_after(20):
                await b.dialer.open_service_stream(a.peer_id, "nosuchservice")
        assert caught.value.hint is not None
        assert "allowed_peers" in caught.value.hint


async def test_protocol_refused_by_the_responder_is_service_not_found(tmp_path: Path) -> None:
    """Our responder answers "na" to other protocols like py-libp2p's: still a refusal."""
    async with open_connected_pair(tmp_path) as (a, b, _path):
        with _sabotage(a, VERIFY_PROTOCOL, _reset):
            with pytest.raises(ServiceNotFoundError, match="does not offer"):
                with trio.fail_after(20):
                    await b.dialer.open_service_stream(a.peer_id, "nosuchservice")
            await _still_connected(b, a)


@pytest.mark.parametrize("act", [_reset, _close], ids=["reset", "close"])
async def test_stream_ended_after_the_proposal_is_not_unsupported(
    tmp_path: Path, act: Sabotage
) -> None:
    """The peer saw which protocol we want and ended the stream: likely a refusal of us (as our
    services refuse a peer not in allowed_peers), not "does not support"; not tried again."""
    async with open_connected_pair(tmp_path) as (a, b, _path):
        with _sabotage(a, VERIFY_PROTOCOL, act):
            with pytest.raises(NotAuthorizedError) as caught, trio.fail_after(20):
                await b.start_verify(a.peer_id)
            await _still_connected(b, a)
        message = str(caught.value)
        assert f"peer {a.peer_id} ended the stream when asked for {VERIFY_PROTOCOL}" in message
        assert "does not support" not in message
        assert "allowed_peers" in (caught.value.hint or "")
        # Once the peer behaves again, the same protocol opens.
        await _verify_stream_opens(b, a)


async def test_garbled_answer_is_not_unsupported(tmp_path: Path) -> None:
    async with open_connected_pair(tmp_path) as (a, b, _path):
        with _sabotage(a, VERIFY_PROTOCOL, _garble):
            with pytest.raises(PeerUnreachableError) as caught, trio.fail_after(20):
                await b.start_verify(a.peer_id)
            await _still_connected(b, a)
        message = str(caught.value)
        assert (
            f"opening {VERIFY_PROTOCOL} to {a.peer_id} failed: unrecognized response: 'what'"
            in message
        )
        assert "does not support" not in message
        assert "try again" in (caught.value.hint or "")
        await _verify_stream_opens(b, a)


@contextlib.contextmanager
def _reset_new_streams(node: Node, resetting: list[bool]) -> Iterator[None]:
    """While ``resetting[0]``, ``node`` resets every new stream before multistream-select."""
    assert node._host is not None
    swarm = node._host.get_network()  # type: ignore[attr-defined]
    original = swarm.common_stream_handler

    async def reset_at_once(stream: INetStream) -> None:
        if resetting[0]:
            await stream.reset()
        else:
            await original(stream)

    swarm.set_stream_handler(reset_at_once)
    try:
        yield
    finally:
        swarm.set_stream_handler(original)


async def test_reset_before_the_proposal_is_tried_once_more(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The peer reset the stream before it could see our proposal: no handler of it ran, so the
    open is tried once more, transparently."""
    caplog.set_level(logging.INFO, logger="peerup.engine.dialer")
    async with open_connected_pair(tmp_path) as (a, b, _path):
        resetting = [True]
        tries: list[str] = []
        try_once = b.dialer._open_stream_once

        async def first_try_meets_resets(target: object, protocols: tuple[str, ...]) -> object:
            tries.append(protocols[0])
            try:
                return await try_once(target, protocols)  # type: ignore[arg-type]
            finally:
                resetting[0] = False  # background streams (pings) must not use up the resets

        monkeypatch.setattr(b.dialer, "_open_stream_once", first_try_meets_resets)
        with _reset_new_streams(a, resetting), trio.fail_after(20):
            started = await b.start_verify(a.peer_id)
        assert started.sas is not None
        assert tries == [VERIFY_PROTOCOL, VERIFY_PROTOCOL]
        assert "the peer closed or reset the stream; trying once more" in caplog.text


async def test_reset_before_the_proposal_twice_is_not_unsupported(tmp_path: Path) -> None:
    async with open_connected_pair(tmp_path) as (a, b, _path):
        with (
            _reset_new_streams(a, [True]),
            pytest.raises(PeerUnreachableError) as caught,
            trio.fail_after(20),
        ):
            await b.start_verify(a.peer_id)
        assert str(caught.value).startswith(
            f"opening {VERIFY_PROTOCOL} to {a.peer_id} failed: the peer closed or reset the stream"
        )
        await _still_connected(b, a)


async def test_silent_negotiation_times_out_clearly(tmp_path: Path) -> None:
    async with open_connected_pair(tmp_path) as (a, b, _path):
        assert b._host is not None
        # py-libp2p's own negotiation timeout (10 s by default, below our STREAM_OPEN_TIMEOUT) is
        # what fires; 1 s keeps the test short.
        config = b._host.get_network().connection_config  # type: ignore[attr-defined]
        config.outbound_stream_protocol_negotiation_timeout = 1.0
        with _sabotage(a, VERIFY_PROTOCOL, _stay_silent):
            started = trio.current_time()
            with pytest.raises(PeerUnreachableError) as caught:
                with trio.fail_after(20):
                    await b.start_verify(a.peer_id)
            assert trio.current_time() - started < 5
            await _still_connected(b, a)
        assert str(caught.value) == f"opening {VERIFY_PROTOCOL} to {a.peer_id} timed out"


async def _abort_connection(stream: INetStream, _comm: MultiselectCommunicator) -> None:
    """The connection under the stream dies (TCP reset), as when the peer restarts."""
    assert compat.abort_transport(stream)


async def test_connection_lost_during_negotiation_is_replaced_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="peerup.engine.dialer")
    async with open_connected_pair(tmp_path) as (a, b, _path):
        with _sabotage(a, VERIFY_PROTOCOL, _abort_connection, times=1):
            with trio.fail_after(20):
                started = await b.start_verify(a.peer_id)
        assert started.sas is not None
        assert "lost" in caplog.text
    assert "trying once more" in caplog.text


async def test_connection_lost_twice_is_reported_as_lost(tmp_path: Path) -> None:
    async with open_connected_pair(tmp_path) as (a, b, _path):
        lost = f"connection to {a.peer_id} lost"
        with (
            _sabotage(a, VERIFY_PROTOCOL, _abort_connection, times=2),
            pytest.raises(PeerUnreachableError, match=lost),
            trio.fail_after(20),
        ):
            await b.start_verify(a.peer_id)


async def test_stale_broken_connection_is_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Our side of the connection can no longer send (the peer reset it) but the swarm still lists
    it: the stream fails (its SYN with a broken pipe, or it is reset as the muxer notices), and
    it opens over a new connection."""
    caplog.set_level(logging.INFO, logger="peerup.engine.dialer")
    async with open_connected_pair(tmp_path) as (a, b, _path):
        assert b._host is not None
        network = b._host.get_network()  # type: ignore[attr-defined]
        (conn,) = network.get_connections(ID.from_base58(a.peer_id))
        _socket_of(conn).shutdown(socket.SHUT_WR)  # every send now fails with EPIPE
        with trio.fail_after(20):
            started = await b.start_verify(a.peer_id)
        assert started.sas is not None
        assert "lost" in caplog.text
    assert "trying once more" in caplog.text


def _socket_of(conn: object) -> socket.socket:
    obj, seen = conn, 0
    while not isinstance(obj, trio.SocketStream) and seen < 10:
        obj = next(getattr(obj, a) for a in _TRANSPORT_ATTRS if hasattr(obj, a))
        seen += 1
    assert isinstance(obj, trio.SocketStream)
    return obj.socket  # type: ignore[return-value]
