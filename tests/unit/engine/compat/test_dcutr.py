"""DCUTR-BOTH-DRIVE, DCUTR-SOURCE-FAMILY, DCUTR-UNILATERAL-WAIT and DCUTR-WILDCARD-DIAL
(``app/engine/compat/dcutr.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import functools
import inspect

import multiaddr
import pytest
import trio
import trio.testing
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID

from app.engine.compat import addresses, tcp_ipv6_address
from app.engine.compat.dcutr import (
    UNILATERAL_DIAL_TIMEOUT,
    InboundDrivenDCUtR,
    hole_punch_source,
    is_inbound_relayed,
)
from tests.unit.engine.compat.hosts import (
    DUAL_STACK,
    needs_ipv6,
    noise_host,
    random_peer,
    running,
    tcp_port,
)


def test_defect_dcutr_drives_every_relayed_connection() -> None:
    from libp2p.relay.circuit_v2.dcutr import DCUtRProtocol

    source = inspect.getsource(DCUtRProtocol._auto_drive_loop)
    assert "/p2p-circuit" in source
    assert "is_initiator" not in source  # no look at who accepted the relayed connection


def test_inbound_driven_dcutr_only_drives_accepted_relayed_connections() -> None:
    class Conn:
        def __init__(self, relayed: bool, initiator: bool) -> None:
            self._addr = "/ip4/1.2.3.4/tcp/1/p2p/R/p2p-circuit" if relayed else "/ip4/1.2.3.4/tcp/1"
            self.muxed_conn = type(
                "M", (), {"secured_conn": type("S", (), {"is_initiator": initiator})()}
            )()

        def get_transport_addresses(self) -> list[str]:
            return [self._addr]

    assert is_inbound_relayed(Conn(relayed=True, initiator=False))
    assert not is_inbound_relayed(Conn(relayed=True, initiator=True))
    assert not is_inbound_relayed(Conn(relayed=False, initiator=False))


@needs_ipv6
@pytest.mark.trio
async def test_defect_dcutr_binds_every_dial_to_the_first_listen_address() -> None:
    from libp2p.relay.circuit_v2.dcutr import DCUtRProtocol

    class Recording(DCUtRProtocol):
        """Upstream's hole punch, with the dials recorded instead of made."""

        dials: list[tuple[str, tuple[str, int] | None]]

        async def _dial_peer(self, peer_id, addr, source=None, as_responder=False) -> None:
            self.dials.append((str(addr), source))

        async def _verify_direct_connection(self, peer_id) -> bool:
            return bool(self.dials)

        def _schedule_relay_close(self, peer_id) -> None:
            return None

    host = noise_host()
    async with host.run(DUAL_STACK):
        dcutr = Recording(host)
        dcutr.dials = []
        peer = ID.from_pubkey(create_new_key_pair().public_key)
        targets = [
            multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/9"),
            multiaddr.Multiaddr("/ip6/::1/tcp/9"),
        ]
        with trio.fail_after(5):
            assert await dcutr._perform_hole_punch(peer, targets)
    assert len(dcutr.dials) == 2
    assert dcutr.dials[0][1] == dcutr.dials[1][1]  # one source for both families
    mismatched = [a for a, src in dcutr.dials if src and (":" in src[0]) != a.startswith("/ip6/")]
    assert len(mismatched) == 1  # so one family's dial always fails


def test_hole_punch_source_matches_the_dialled_family() -> None:
    listen = [
        multiaddr.Multiaddr(a)
        for a in ("/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4002", "/ip6/::1/tcp/4003")
    ]
    source = hole_punch_source
    assert source(listen, multiaddr.Multiaddr("/ip6/2001:db8::1/tcp/1")) == ("::", 4002)
    assert source(
        listen, multiaddr.Multiaddr("/ip4/203.0.113.1/tcp/1/p2p/" + str(random_peer()))
    ) == (
        "0.0.0.0",
        4001,
    )
    assert source(listen[:1], multiaddr.Multiaddr("/ip6/2001:db8::1/tcp/1")) is None  # ephemeral
    assert source(listen, multiaddr.Multiaddr("/dns4/example.net/tcp/1")) is None
    assert (
        source(
            [multiaddr.Multiaddr("/ip6/::/udp/1/quic-v1")], multiaddr.Multiaddr("/ip6/::1/tcp/1")
        )
        is None
    )


@needs_ipv6
@pytest.mark.trio
async def test_inbound_driven_dcutr_dials_ipv6_from_the_ipv6_listen_port() -> None:
    """Given upstream's wrong source (the IPv4 listen address), the dial to an IPv6 address
    still leaves from our IPv6 listen port, as TCP simultaneous open needs."""
    tcp_ipv6_address.install()
    dialer, target = noise_host(), noise_host()
    async with dialer.run(DUAL_STACK), target.run([DUAL_STACK[1]]):
        dcutr = InboundDrivenDCUtR(dialer)
        target_addr = multiaddr.Multiaddr(f"/ip6/::1/tcp/{tcp_port(target, 'ip6')}")
        wrong = ("127.0.0.1", tcp_port(dialer, "ip4"))
        with trio.fail_after(10):
            await dcutr._dial_peer(target.get_id(), target_addr, wrong)
        conns = target.get_network().get_connections(dialer.get_id())
        assert conns, "the dial failed"
        seen = [str(a) for a in conns[0].get_transport_addresses()]
        assert seen == [f"/ip6/::1/tcp/{tcp_port(dialer, 'ip6')}"]


def test_defect_dcutr_unilateral_dial_waits_the_whole_dial_timeout() -> None:
    from libp2p.relay.circuit_v2.dcutr import DCUtRProtocol

    source = inspect.getsource(DCUtRProtocol._try_unilateral_upgrade)
    assert "move_on_after(self.dial_timeout)" in source
    assert inspect.signature(DCUtRProtocol.__init__).parameters["dial_timeout"].default >= 10


@pytest.mark.trio
async def test_unilateral_dial_gives_up_after_its_bound() -> None:
    """A peer address that takes the TCP connection and never answers (as a dropped SYN never
    does): DCUtR moves on to the hole punch after UNILATERAL_DIAL_TIMEOUT, not 10 s."""
    silent = await trio.open_tcp_listeners(0, host="127.0.0.1")  # never accepts, never speaks
    port = silent[0].socket.getsockname()[1]
    host = noise_host()
    try:
        async with running(host):
            dcutr = InboundDrivenDCUtR(host)
            peer = random_peer()
            addr = multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{port}")
            host.get_peerstore().add_addrs(peer, [addr], 60)
            started = trio.current_time()
            with trio.fail_after(UNILATERAL_DIAL_TIMEOUT + 2):
                assert not await dcutr._try_unilateral_upgrade(peer)
            assert trio.current_time() - started >= UNILATERAL_DIAL_TIMEOUT - 0.1
    finally:
        for listener in silent:
            await listener.aclose()


@pytest.mark.trio
async def test_defect_dcutr_dials_wildcard_addresses() -> None:
    from libp2p.relay.circuit_v2.dcutr import DCUtRProtocol

    class Recording(DCUtRProtocol):
        """Upstream's direct dial before the hole punch, with the dials recorded."""

        dials: list[str]

        async def _dial_peer(self, peer_id, addr, source=None, as_responder=False) -> None:
            self.dials.append(str(addr))

        async def _verify_direct_connection(self, peer_id) -> bool:
            return False

    host = noise_host()
    async with running(host):
        dcutr = Recording(host)
        dcutr.dials = []
        peer = random_peer()
        host.get_peerstore().add_addrs(peer, [multiaddr.Multiaddr("/ip4/0.0.0.0/tcp/9")], 60)
        with trio.fail_after(5):
            await dcutr._try_unilateral_upgrade(peer)
    assert dcutr.dials == ["/ip4/0.0.0.0/tcp/9"]


@pytest.mark.trio
async def test_hole_punch_dials_skip_wildcards() -> None:
    """A peer's announced 0.0.0.0 is not dialled (it would reach ourselves); its real address is."""
    accepted: list[int] = []

    async def count(stream: trio.SocketStream) -> None:
        accepted.append(1)
        await trio.sleep_forever()  # like a SYN that is never answered: the dial has to give up

    host = noise_host()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, count, 0, host="0.0.0.0"))
        port = listeners[0].socket.getsockname()[1]
        async with running(host):
            dcutr = InboundDrivenDCUtR(host)
            wildcard_only, real = random_peer(), random_peer()
            store = host.get_peerstore()
            store.add_addrs(wildcard_only, [multiaddr.Multiaddr(f"/ip4/0.0.0.0/tcp/{port}")], 60)
            store.add_addrs(real, [multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{port}")], 60)
            with trio.fail_after(UNILATERAL_DIAL_TIMEOUT + 5):
                assert not await dcutr._try_unilateral_upgrade(wildcard_only)
                assert accepted == []
                assert not await dcutr._try_unilateral_upgrade(real)
                assert accepted == [1]
        nursery.cancel_scope.cancel()
    assert addresses.is_unspecified(multiaddr.Multiaddr("/ip6/::/tcp/1"))
    assert not addresses.is_unspecified(multiaddr.Multiaddr("/ip6/::1/tcp/1"))
