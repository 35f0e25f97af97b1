"""IDENTIFY-TELLS-ALL (``app/engine/compat/identify_tells_all.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

import pytest
import trio
from libp2p.identity.identify.identify import ID as IDENTIFY
from libp2p.identity.identify.identify import parse_identify_response
from libp2p.network.stream.exceptions import StreamEOF
from libp2p.peer.peerinfo import PeerInfo
from multiaddr import Multiaddr

from app.engine import compat
from app.engine.compat import identify_tells_all
from tests.unit.engine.compat.hosts import SINK, noise_host, running

HIDDEN = "/test/hidden/1.0.0"


def test_defect_identify_is_one_message_for_every_peer() -> None:
    params = list(inspect.signature(identify_tells_all.original_builder()).parameters)
    assert params == ["host", "observed_multiaddr"]  # no recipient: nothing to filter by


async def _identify(client: Any, server: Any) -> Any:
    with trio.fail_after(10):
        await client.connect(PeerInfo(server.get_id(), server.get_addrs()))
        stream = await client.new_stream(server.get_id(), [IDENTIFY])
        data = b""
        with contextlib.suppress(StreamEOF):  # the end of the message
            while chunk := await stream.read(65536):
                data += chunk
    return parse_identify_response(data)


async def _noop(stream: Any) -> None:  # pragma: no cover - never opened here
    await stream.close()


@pytest.mark.trio
async def test_each_peer_is_told_what_its_view_allows() -> None:
    compat.install()
    server, stranger, friend = noise_host(), noise_host(), noise_host()
    server.set_stream_handler(SINK, _noop)
    server.set_stream_handler(HIDDEN, _noop)
    view = compat.IdentifyView(
        protocol=lambda p: p != HIDDEN, address=lambda _a: False, signed_record=False
    )
    compat.filter_identify(server, lambda peer: view if peer == stranger.get_id() else None)
    async with running(server, stranger, friend):
        told = await _identify(stranger, server)
        assert SINK in told.protocols
        assert HIDDEN not in told.protocols
        assert list(told.listen_addrs) == []
        assert not told.HasField("signedPeerRecord")
        full = await _identify(friend, server)
        assert {SINK, HIDDEN} <= set(full.protocols)
        assert [Multiaddr(a) for a in full.listen_addrs]
        assert full.HasField("signedPeerRecord")
