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
