"""PLAINTEXT-DEFAULT (``app/engine/compat/plaintext_default.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import pytest
import trio
import trio.testing
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.network.exceptions import SwarmException
from libp2p.peer.peerinfo import PeerInfo
from libp2p.security.insecure.transport import PLAINTEXT_PROTOCOL_ID, InsecureTransport
from libp2p.transport.exceptions import SecurityUpgradeFailure

from app.engine.compat import causes, is_protocol_refusal, plaintext_default
from tests.unit.engine.compat.hosts import (
    LOOPBACK,
    noise_host,
    running,
)


def test_defect_plaintext_offered_by_default() -> None:
    host = new_host(key_pair=create_new_key_pair(), listen_addrs=LOOPBACK)
    offered = host.get_network().upgrader.security_multistream.transports
    assert TProtocol(PLAINTEXT_PROTOCOL_ID) in offered


def test_noise_only_security_offers_only_noise() -> None:
    offered = plaintext_default.noise_only_security(create_new_key_pair())
    assert list(offered) == [TProtocol("/noise")]


@pytest.mark.trio
async def test_plaintext_dialer_is_refused() -> None:
    ours = noise_host()
    kp = create_new_key_pair()
    plaintext = new_host(
        key_pair=kp,
        sec_opt={TProtocol(PLAINTEXT_PROTOCOL_ID): InsecureTransport(kp)},
        listen_addrs=LOOPBACK,
    )
    async with running(ours, plaintext):
        with pytest.raises(SwarmException) as refused, trio.fail_after(15):
            await plaintext.connect(PeerInfo(ours.get_id(), ours.get_addrs()))
        # Refused for the reason meant: the security negotiation, where we answered "na" to
        # plaintext (not a broken socket or a timeout).
        chain = causes(refused.value)
        assert any(isinstance(c, SecurityUpgradeFailure) for c in chain), chain
        assert is_protocol_refusal(refused.value), chain
        assert not ours.get_network().get_connections(plaintext.get_id())
