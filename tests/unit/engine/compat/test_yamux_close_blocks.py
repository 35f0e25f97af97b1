"""YAMUX-CLOSE-BLOCKS (``app/engine/compat/yamux_close_blocks.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect

import pytest
import trio
import trio.testing
from libp2p.peer.peerinfo import PeerInfo

from app.engine.compat import yamux_close_blocks, yamux_shutdown_eof
from tests.unit.engine.compat.hosts import (
    SINK,
    noise_host,
    running,
)


def test_defect_yamux_close_writes_go_away_without_a_deadline() -> None:
    source = inspect.getsource(yamux_shutdown_eof.original_yamux_close())
    before_wakeup = source.split("event_shutting_down.set()", 1)[0]
    assert "_write_frame(header)" in before_wakeup
    assert "move_on_after" not in before_wakeup
    assert "fail_after" not in before_wakeup


@pytest.mark.trio
async def test_abort_transport_ends_the_connection_and_its_streams() -> None:
    from libp2p.network.stream.exceptions import StreamReset

    yamux_shutdown_eof.install()
    server, client = noise_host(), noise_host()
    hold = trio.Event()

    async def handler(stream) -> None:
        await hold.wait()

    server.set_stream_handler(SINK, handler)
    async with running(server, client):
        await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
        stream = await client.new_stream(server.get_id(), [SINK])
        conn = client.get_network().get_connections(server.get_id())[0]
        assert yamux_close_blocks.abort_transport(conn)
        with trio.fail_after(5), pytest.raises(StreamReset):
            await stream.read(100)
        hold.set()
