"""IDENTIFY-AGENT-VERSION and IDENTIFY-NO-EVENT (``app/engine/compat/identify_agent_version.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID
from libp2p.peer.peerstore import PeerStore, PeerStoreError

from app.engine.compat import identify_agent_version, identify_tells_all
from tests.unit.engine.compat.hosts import (
    noise_host,
)


def _identify_message(agent_version: str) -> Any:
    from libp2p.identity.identify.pb.identify_pb2 import Identify

    return Identify(agent_version=agent_version, protocols=["/test/x/1.0.0"])


def test_defect_identify_announces_a_fixed_agent_version() -> None:

    assert "agent_version" not in inspect.signature(new_host).parameters
    builder = identify_tells_all.original_builder()  # IDENTIFY-TELLS-ALL wraps it
    assert "agent_version=AGENT_VERSION" in inspect.getsource(builder)


@pytest.mark.trio
async def test_defect_identify_drops_the_peers_agent_version() -> None:
    peerstore = PeerStore()
    peer = ID.from_pubkey(create_new_key_pair().public_key)
    await identify_agent_version.original_update_from_identify()(
        peerstore, peer, _identify_message("go/1.0")
    )
    assert peerstore.get_protocols(peer) == ["/test/x/1.0.0"]  # the message was taken
    with pytest.raises(PeerStoreError):
        peerstore.get(peer, identify_agent_version.AGENT_VERSION_KEY)


@pytest.mark.trio
async def test_identify_agent_version_is_announced_and_stored_bounded() -> None:
    from libp2p.host import basic_host
    from libp2p.identity.identify import identify

    before = identify.AGENT_VERSION
    identify_agent_version.install("peerup/test")
    try:
        host = noise_host()
        assert identify._mk_identify_protobuf(host, None).agent_version == "peerup/test"
    finally:
        identify.AGENT_VERSION = before
    peerstore = PeerStore()
    peer = ID.from_pubkey(create_new_key_pair().public_key)
    update = basic_host.update_peerstore_from_identify
    await update(peerstore, peer, _identify_message("relay-server/0.1.0"))
    assert peerstore.get(peer, identify_agent_version.AGENT_VERSION_KEY) == "relay-server/0.1.0"
    await update(peerstore, peer, _identify_message("evil\x1b[2J/" + "x" * 1000))
    assert (
        peerstore.get(peer, identify_agent_version.AGENT_VERSION_KEY)
        == ("evil[2J/" + "x" * 1000)[:128]
    )


@given(st.text())
def test_bounded_agent_version_is_short_and_printable(text: str) -> None:
    agent = identify_agent_version.bounded_agent_version(text)
    assert len(agent) <= identify_agent_version.MAX_AGENT_VERSION
    assert agent.isprintable()
    assert (
        agent
        == "".join(ch for ch in text if ch.isprintable())[
            : identify_agent_version.MAX_AGENT_VERSION
        ]
    )


def test_defect_nothing_tells_when_identify_updated_the_peerstore() -> None:
    """IDENTIFY-NO-EVENT: no notifee method and no host hook for identify; fails once one exists."""
    from libp2p.abc import IHost, INotifee

    names = [n for cls in (INotifee, IHost) for n in dir(cls) if "identif" in n.lower()]
    assert names == [], names


@pytest.mark.trio
async def test_on_identified_is_called_after_identify_updates_the_peerstore() -> None:
    host, other = noise_host(), noise_host()
    seen: list[ID] = []
    identify_agent_version.on_identified(host, seen.append)
    msg = _identify_message("peerup/test")
    await identify_agent_version._update_from_identify(host.get_peerstore(), other.get_id(), msg)
    assert seen == [other.get_id()]
    # Another host's updates are not ours.
    await identify_agent_version._update_from_identify(other.get_peerstore(), host.get_id(), msg)
    assert seen == [other.get_id()]
