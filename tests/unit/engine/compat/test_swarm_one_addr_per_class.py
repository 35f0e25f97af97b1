"""SWARM-ONE-ADDR-PER-CLASS (``app/engine/compat/swarm_one_addr_per_class.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import functools
import socket

import multiaddr
import pytest
import trio
import trio.testing
from libp2p.network.exceptions import SwarmDialAllFailedError, SwarmException
from libp2p.peer.peerinfo import PeerInfo

from app.engine.compat import swarm_one_addr_per_class
from tests.unit.engine.compat.hosts import (
    noise_host,
    random_peer,
    running,
)


def _dead_address() -> multiaddr.Multiaddr:
    """A loopback TCP address nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{sock.getsockname()[1]}")


@pytest.mark.trio
async def test_defect_connect_dials_one_tcp_address() -> None:
    dialer, target = noise_host(), noise_host()
    async with running(dialer, target):
        live = target.get_addrs()[0].decapsulate_code(multiaddr.protocols.P_P2P)
        peer = PeerInfo(target.get_id(), [_dead_address(), live])
        with trio.fail_after(20), pytest.raises(SwarmException):
            await dialer.connect(peer)  # the live address is never tried
        assert not dialer.get_network().get_connections(target.get_id())


@pytest.mark.trio
async def test_connect_each_reaches_the_peer_at_its_second_address() -> None:
    dialer, target = noise_host(), noise_host()
    async with running(dialer, target):
        live = target.get_addrs()[0].decapsulate_code(multiaddr.protocols.P_P2P)
        peer = PeerInfo(target.get_id(), [_dead_address(), live])
        with trio.fail_after(20):
            await swarm_one_addr_per_class.connect_each(dialer, peer)
        assert dialer.get_network().get_connections(target.get_id())


@pytest.mark.trio
async def test_connect_each_does_not_wait_for_a_silent_address() -> None:
    """An address that takes the TCP connection and never answers (a black hole) holds up the
    next one only for CONNECT_STAGGER; the dial there wins, and the silent one is cancelled."""

    async def silent(stream: trio.SocketStream) -> None:
        await trio.sleep_forever()

    dialer, target = noise_host(), noise_host()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(
            functools.partial(trio.serve_tcp, silent, 0, host="127.0.0.1")
        )
        hole = multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{listeners[0].socket.getsockname()[1]}")
        async with running(dialer, target):
            live = target.get_addrs()[0].decapsulate_code(multiaddr.protocols.P_P2P)
            started = trio.current_time()
            with trio.fail_after(10):
                await swarm_one_addr_per_class.connect_each(
                    dialer, PeerInfo(target.get_id(), [hole, live])
                )
            assert trio.current_time() - started < swarm_one_addr_per_class.CONNECT_STAGGER + 2
            assert dialer.get_network().get_connections(target.get_id())
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_connect_each_reports_every_failure() -> None:
    dialer = noise_host()
    async with running(dialer):
        peer = PeerInfo(random_peer(), [_dead_address(), _dead_address()])
        with trio.fail_after(20), pytest.raises(SwarmDialAllFailedError) as failed:
            await swarm_one_addr_per_class.connect_each(dialer, peer)
    assert failed.value.num_addrs_tried == 2
    with pytest.raises(SwarmException, match="no dialable address"):
        await swarm_one_addr_per_class.connect_each(
            dialer, PeerInfo(random_peer(), [multiaddr.Multiaddr("/ip4/0.0.0.0/tcp/1")])
        )


def test_dialable_addrs_skip_wildcards_circuits_and_lone_loopback() -> None:
    a = multiaddr.Multiaddr
    public, lan = a("/ip4/203.0.113.5/tcp/4001"), a("/ip4/192.168.1.5/tcp/4001")
    loop = a("/ip4/127.0.0.1/tcp/4001")
    given = [
        a("/ip4/0.0.0.0/tcp/4001"),
        lan,
        a("/ip6/::/tcp/4001"),
        loop,
        a("/ip4/198.51.100.1/tcp/4001/p2p/" + str(random_peer()) + "/p2p-circuit"),
        public,
        lan,
    ]
    assert swarm_one_addr_per_class.dialable_addrs(given) == [lan, public]
    assert swarm_one_addr_per_class.dialable_addrs([loop, a("/ip6/::1/tcp/1")]) == [
        loop,
        a("/ip6/::1/tcp/1"),
    ]
    many = [a(f"/ip4/203.0.113.{i}/tcp/1") for i in range(40)]
    assert (
        swarm_one_addr_per_class.dialable_addrs(many)
        == many[: swarm_one_addr_per_class.MAX_CONNECT_ADDRS]
    )
