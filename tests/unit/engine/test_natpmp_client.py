"""The NAT-PMP client and the port mapper against a NAT-PMP gateway on a real UDP socket."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import sys

import pytest
import trio
from trio.testing import MockClock

from app.core.errors import NatPmpError
from app.core.reach import natpmp
from app.engine.natpmp import NatPmpClient, NatPmpUnavailable, default_gateway
from app.engine.portmap import PortMapper
from tests.helpers.natpmp_gateway import FakeNatPmpGateway

pytestmark = pytest.mark.trio


async def test_external_address_map_and_delete() -> None:
    gateway = FakeNatPmpGateway(port_offset=1000)
    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        client = NatPmpClient("127.0.0.1", port=gateway.port)
        assert await client.external_address() == "203.0.113.77"
        assert client.local_ip == "127.0.0.1"
        got = await client.map_tcp(4001, external_port=4001, lifetime=60)
        assert (got.internal_port, got.external_port, got.lifetime) == (4001, 5001, 60)
        assert gateway.mappings == {4001: (5001, 60)}
        await client.unmap_tcp(4001)
        assert gateway.mappings == {}
        assert gateway.requests[-1] == natpmp.encode_delete_request(4001)
        nursery.cancel_scope.cancel()


async def test_lost_requests_are_resent_on_the_rfc_schedule(autojump_clock: MockClock) -> None:
    gateway = FakeNatPmpGateway(drop_first=2)
    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        client = NatPmpClient("127.0.0.1", port=gateway.port)
        started = trio.current_time()
        assert await client.external_address() == "203.0.113.77"
        # 250 ms, then 500 ms lost: the third send answers.
        assert trio.current_time() - started == pytest.approx(0.75)
        assert len(gateway.requests) == 3
        nursery.cancel_scope.cancel()


async def test_silence_is_bounded_by_the_budget(autojump_clock: MockClock) -> None:
    gateway = FakeNatPmpGateway(silent=True)
    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        client = NatPmpClient("127.0.0.1", port=gateway.port, budget=1.0)
        started = trio.current_time()
        with pytest.raises(NatPmpUnavailable, match="no NAT-PMP answer"):
            await client.external_address()
        assert 0.75 <= trio.current_time() - started <= 1.0
        assert len(gateway.requests) == 2  # 0.25 s + 0.5 s; a 1 s wait would exceed the budget
        nursery.cancel_scope.cancel()


async def test_closed_port_fails_at_once() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    client = NatPmpClient("127.0.0.1", port=closed)
    with trio.fail_after(1), pytest.raises(NatPmpUnavailable, match="port closed"):
        await client.external_address()


async def test_refusal_is_an_error_in_plain_words() -> None:
    gateway = FakeNatPmpGateway(result=natpmp.ResultCode.NOT_AUTHORIZED)
    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        client = NatPmpClient("127.0.0.1", port=gateway.port)
        with pytest.raises(NatPmpError) as err:
            await client.map_tcp(4001, external_port=4001, lifetime=60)
        assert err.value.reason == "not-authorized"
        assert "refuses port mappings" in str(err.value)
        nursery.cancel_scope.cancel()


async def test_stray_datagrams_are_skipped() -> None:
    """An answer about another port (another client's, replayed) does not end the wait."""
    with trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM) as server:
        await server.bind(("127.0.0.1", 0))
        client = NatPmpClient("127.0.0.1", port=server.getsockname()[1])

        async def answer_twice() -> None:
            data, addr = await server.recvfrom(64)
            internal = struct.unpack("!H", data[4:6])[0]
            await server.sendto(natpmp.encode_mapping_response(5, internal + 1, 1, 60), addr)
            await server.sendto(natpmp.encode_mapping_response(5, internal, 7000, 60), addr)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(answer_twice)
            got = await client.map_tcp(4001, external_port=0, lifetime=60)
        assert got.external_port == 7000


async def test_a_gateway_restart_is_noticed(autojump_clock: MockClock) -> None:
    gateway = FakeNatPmpGateway(epoch=5000)
    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        client = NatPmpClient("127.0.0.1", port=gateway.port)
        await client.external_address()
        await trio.sleep(60)
        gateway.epoch = 5060
        await client.external_address()
        assert not client.restarted
        await trio.sleep(60)
        gateway.epoch = 10  # rebooted
        await client.map_tcp(4001, external_port=4001, lifetime=60)
        assert client.restarted
        nursery.cancel_scope.cancel()


def _default_gateways_by_ip_route() -> set[str]:
    """The IPv4 default gateways of lowest metric, as iproute2 shows them (another reader)."""
    out = subprocess.run(
        ["ip", "-4", "route", "show", "default"],
        capture_output=True, text=True, timeout=10, check=True,
    ).stdout  # fmt: skip
    routes: list[tuple[int, str]] = []
    for line in out.splitlines():
        words = line.split()
        if words[:2] == ["default", "via"]:
            metric = int(words[words.index("metric") + 1]) if "metric" in words else 0
            routes.append((metric, words[2]))
    best = min((m for m, _ in routes), default=None)
    return {gateway for metric, gateway in routes if metric == best}


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("ip") is None,
    reason="the other reader of the routing table is Linux's iproute2",
)
async def test_default_gateway_reads_the_routing_table() -> None:
    expected = _default_gateways_by_ip_route()
    got = await default_gateway()
    if expected:
        assert got in expected, (got, expected)
    else:
        assert got is None  # no default route: nothing to ask


async def test_mapper_maps_over_nat_pmp_renews_and_deletes_on_stop() -> None:
    gateway = FakeNatPmpGateway(port_offset=7)
    changes: list[object] = []

    async def find_gateway() -> str:
        return "127.0.0.1"

    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        mapper = PortMapper(
            lambda: 4001, lambda: changes.append(mapper.current()), lease=4,
            discovery_timeout=1.0, gateway=find_gateway, natpmp_port=gateway.port,
        )  # fmt: skip
        async with trio.open_nursery() as inner:
            await inner.start(mapper.run)
            with trio.fail_after(5):
                while mapper.current() is None:  # noqa: ASYNC110 - polls the mapper
                    await trio.sleep(0.02)
            info = mapper.current()
            assert info is not None
            assert info.method == "nat-pmp"
            assert info.external_address == "203.0.113.77:4008"
            assert info.internal_address == "127.0.0.1:4001"
            assert info.gateway == "127.0.0.1"
            assert info.expires_at is not None
            assert mapper.external_addresses() == ["/ip4/203.0.113.77/tcp/4008"]
            asked = len(gateway.requests)
            with trio.fail_after(5):  # renewed at half the 4 s lease
                while len(gateway.requests) == asked:  # noqa: ASYNC110
                    await trio.sleep(0.05)
            assert gateway.mappings == {4001: (4008, 4)}
            inner.cancel_scope.cancel()
        assert gateway.mappings == {}  # deleted on the way out
        assert gateway.requests[-1] == natpmp.encode_delete_request(4001)
        assert mapper.current() is None
        assert len(changes) == 1  # a renewal with the same result is no change
        nursery.cancel_scope.cancel()


async def test_mapper_reports_why_nothing_mapped() -> None:
    gateway = FakeNatPmpGateway(result=natpmp.ResultCode.NOT_AUTHORIZED)

    async def find_gateway() -> str:
        return "127.0.0.1"

    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        mapper = PortMapper(
            lambda: 4001, lambda: None, discovery_timeout=0.5, gateway=find_gateway,
            natpmp_port=gateway.port,
        )  # fmt: skip
        async with trio.open_nursery() as inner:
            await inner.start(mapper.run)
            with trio.fail_after(15):
                while mapper.error is None:  # noqa: ASYNC110
                    await trio.sleep(0.05)
            inner.cancel_scope.cancel()
        assert mapper.current() is None
        assert "NAT-PMP: the gateway refuses port mappings" in mapper.error
        nursery.cancel_scope.cancel()


async def test_mapper_keeps_the_external_address_a_refusing_gateway_reported() -> None:
    """A router behind another NAT reports its private WAN address and refuses to map: the
    address still tells the grade that another NAT lies beyond (app.core.reach.upstream)."""
    gateway = FakeNatPmpGateway(
        external_ip="10.0.0.7", refuse_mappings=natpmp.ResultCode.NOT_AUTHORIZED
    )

    async def find_gateway() -> str:
        return "127.0.0.1"

    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        mapper = PortMapper(
            lambda: 4001, lambda: None, discovery_timeout=0.5, gateway=find_gateway,
            natpmp_port=gateway.port,
        )  # fmt: skip
        assert mapper.reported_external_ip() is None
        async with trio.open_nursery() as inner:
            await inner.start(mapper.run)
            with trio.fail_after(15):
                while mapper.error is None:  # noqa: ASYNC110
                    await trio.sleep(0.05)
            inner.cancel_scope.cancel()
        assert mapper.current() is None
        assert mapper.reported_external_ip() == "10.0.0.7"
        nursery.cancel_scope.cancel()
