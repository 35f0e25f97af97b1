"""NO-PEER-GATE (``app/engine/compat/no_peer_gate.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect

import pytest
import trio
import trio.testing
from libp2p.network.connection_gate import ConnectionGate
from libp2p.peer.peerinfo import PeerInfo

from app.engine.compat import no_peer_gate
from tests.unit.engine.compat.hosts import (
    SINK,
    noise_host,
    running,
)


def test_defect_gate_knows_only_addresses() -> None:
    params = list(inspect.signature(ConnectionGate.is_allowed).parameters)
    assert params == ["self", "remote_addr"]


def test_defect_stream_handlers_are_the_same_for_every_peer() -> None:
    # No per-peer protocol table: what one peer may open, every connected peer may open.
    from libp2p.host.basic_host import BasicHost

    params = list(inspect.signature(BasicHost.set_stream_handler).parameters)
    assert params == ["self", "protocol_id", "stream_handler"]


@pytest.mark.trio
async def test_peer_gate_refuses_before_any_stream() -> None:
    server, client = noise_host(), noise_host()
    refused: list[str] = []
    no_peer_gate.install_peer_gate(
        server, lambda pid, origin: False, lambda pid, addr: refused.append(str(pid))
    )

    async def handler(stream) -> None:  # pragma: no cover - must never run
        raise AssertionError("stream opened by a refused peer")

    server.set_stream_handler(SINK, handler)
    async with running(server, client):
        with trio.fail_after(15):
            try:
                await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
                await client.new_stream(server.get_id(), [SINK])
            except Exception:
                pass
            else:  # pragma: no cover
                raise AssertionError("stream opened")
        assert refused
        assert set(refused) == {str(client.get_id())}


@pytest.mark.trio
async def test_stream_gate_runs_a_few_streams_of_a_limited_peer_at_once() -> None:
    from app.engine.compat.addresses import origin_of

    server, client = noise_host(), noise_host()
    no_peer_gate.install_stream_gate(
        server, lambda pid: lambda p: p == str(SINK), limited=lambda pid: True, max_streams=2
    )
    release = trio.Event()
    running_now: list[int] = []
    origins = []

    async def handler(stream) -> None:
        running_now.append(1)
        origins.append(origin_of(stream.muxed_conn))
        await release.wait()
        await stream.write(b"ok")
        await stream.close()

    server.set_stream_handler(SINK, handler)
    answers: list[bytes] = []

    async def one() -> None:
        try:
            stream = await client.new_stream(server.get_id(), [SINK])
            answers.append(bytes(await stream.read(2)))
        except Exception:  # reset: py-libp2p raises several types
            answers.append(b"")

    async with running(server, client):
        await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
        with trio.fail_after(15):
            async with trio.open_nursery() as nursery:
                for _ in range(5):
                    nursery.start_soon(one)
                while len(answers) < 3:  # noqa: ASYNC110 - three are reset at once
                    await trio.sleep(0.01)
                assert len(running_now) == 2
                release.set()
    assert sorted(answers) == [b"", b"", b"", b"ok", b"ok"]
    # Where those streams came from: a direct TCP connection from loopback.
    assert {(o.ip, o.relayed) for o in origins} == {("127.0.0.1", False)}
