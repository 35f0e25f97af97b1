"""Reachability probing over real UDP sockets: our STUN server, Debian's stund, and netlink.

Every STUN exchange here is real (loopback addresses 127.0.0.1 and 127.0.0.2, one probing
socket); misbehaving servers are real servers told to misbehave. The network-change test runs
the monitor in a network namespace of its own and changes that namespace's addresses.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
from trio.testing import MockClock

from app.core.errors import InvalidAddressError
from app.core.reach import stun
from app.core.reach.interfaces import InterfaceAddress, InterfaceSummary
from app.core.reach.reachability import Grade, NatMapping, ProbeError
from app.core.status import Reachability
from app.engine.reachability import (
    REPROBE_INTERVAL,
    ReachabilityMonitor,
    _prefix_len,
    discover_interfaces,
    probe_stun,
)
from tests.helpers.stun_server import StunServer, open_stun_server

REPO = Path(__file__).resolve().parents[3]
FAST = {"timeout": 0.3, "retries": 1}


def test_discover_interfaces_sees_loopback() -> None:
    summary = discover_interfaces()
    loopback = [a for a in summary.addresses if a.is_loopback]
    assert any(a.ip == "127.0.0.1" for a in loopback)
    assert all("%" not in a.ip for a in summary.addresses)
    assert list(summary.addresses) == sorted(summary.addresses, key=lambda a: (a.name, a.ip))
    assert next(a for a in loopback if a.ip == "127.0.0.1").prefix_len == 8


@pytest.mark.parametrize(
    ("netmask", "prefix"),
    [
        ("255.255.255.0", 24),
        ("255.255.254.0", 23),
        ("255.255.255.255", 32),
        ("ffff:ffff:ffff:ffff::", 64),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128),
        ("255.0.255.0", None),  # not contiguous
        ("nonsense", None),
        (None, None),
    ],
)
def test_prefix_length_from_netmask(netmask: str | None, prefix: int | None) -> None:
    assert _prefix_len(netmask) == prefix


@pytest.mark.trio
async def test_one_socket_two_server_ips_no_nat() -> None:
    async with open_stun_server("127.0.0.1") as one, open_stun_server("127.0.0.2") as two:
        result = await probe_stun([one.address, two.address], **FAST)
    assert [p.error for p in result.probes] == [None, None]
    assert [p.server_address for p in result.probes] == [one.address, two.address]
    # One socket: both servers saw the same source port, and it is ours.
    assert result.external_addresses == (("127.0.0.1", result.local_port),)
    assert result.mapping is NatMapping.NO_NAT
    assert not result.udp_blocked
    assert all(p.rtt_ms is not None and p.rtt_ms >= 0 for p in result.probes)
    assert (one.stats.answered, two.stats.answered) == (1, 1)


@pytest.mark.trio
async def test_without_local_ips_the_same_mapping_is_endpoint_independent() -> None:
    async with open_stun_server("127.0.0.1") as one, open_stun_server("127.0.0.2") as two:
        result = await probe_stun([one.address, two.address], local_ips=(), **FAST)
    assert result.mapping is NatMapping.ENDPOINT_INDEPENDENT


@pytest.mark.trio
async def test_two_ports_of_one_server_ip_cannot_tell() -> None:
    async with open_stun_server("127.0.0.1") as one, open_stun_server("127.0.0.1") as two:
        result = await probe_stun([one.address, two.address], **FAST)
    assert len(result.external_addresses) == 1
    assert result.mapping is NatMapping.UNKNOWN


@pytest.mark.trio
async def test_different_mappings_are_address_dependent() -> None:
    async with (
        open_stun_server("127.0.0.1") as one,
        open_stun_server("127.0.0.2", port_offset=7) as two,
    ):
        result = await probe_stun([one.address, two.address], **FAST)
    assert result.mapping is NatMapping.ADDRESS_DEPENDENT
    assert len(result.external_addresses) == 2


@pytest.mark.trio
async def test_silent_servers_time_out_within_the_bound() -> None:
    async with (
        open_stun_server("127.0.0.1", silent=True) as one,
        open_stun_server("127.0.0.2", silent=True) as two,
    ):
        start = trio.current_time()
        result = await probe_stun([one.address, two.address], timeout=0.2, retries=2)
        elapsed = trio.current_time() - start
    # Three requests each (one + two retransmissions), 0.2 s apart, in parallel.
    assert 0.55 <= elapsed < 3.0
    assert (one.stats.requests, two.stats.requests) == (3, 3)
    assert [p.error for p in result.probes] == [ProbeError.TIMEOUT] * 2
    assert result.udp_blocked
    assert result.mapping is NatMapping.UNKNOWN


@pytest.mark.trio
async def test_one_silent_server_does_not_hide_the_other() -> None:
    async with (
        open_stun_server("127.0.0.1") as one,
        open_stun_server("127.0.0.2", silent=True) as two,
    ):
        result = await probe_stun([one.address, two.address], **FAST)
    assert result.probes[0].mapped is not None
    assert result.probes[1].error is ProbeError.TIMEOUT
    assert not result.udp_blocked
    assert result.mapping is NatMapping.UNKNOWN


@pytest.mark.trio
async def test_garbage_and_foreign_replies_are_ignored() -> None:
    async with (
        open_stun_server("127.0.0.1", garbage_first=True) as one,
        open_stun_server("127.0.0.2", garbage_first=True, legacy_mapped=True) as two,
    ):
        result = await probe_stun([one.address, two.address], **FAST)
    assert [p.error for p in result.probes] == [None, None]
    assert result.mapping is NatMapping.NO_NAT
    assert ("192.0.2.66", 6666) not in result.external_addresses


@asynccontextmanager
async def _udp_responder(
    reply: Callable[[bytes, tuple[str, int]], list[tuple[bytes, tuple[str, int]]]],
    host: str = "127.0.0.1",
) -> AsyncIterator[tuple[str, int]]:
    """A raw UDP server whose answers ``reply(request, source)`` decides (datagram, target)."""
    with trio.socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        await sock.bind((host, 0))

        async def serve() -> None:
            while True:
                data, source = await sock.recvfrom(2048)
                for datagram, target in reply(data, source):
                    await sock.sendto(datagram, target)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(serve)
            yield sock.getsockname()
            nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_error_response_is_reported_not_retried() -> None:
    def refuse(data: bytes, source: tuple[str, int]) -> list[tuple[bytes, tuple[str, int]]]:
        tid = stun.parse_binding_request(data)
        error = stun.encode_message(
            stun.BINDING_ERROR_RESPONSE, tid, [(stun.ATTR_ERROR_CODE, b"\x00\x00\x05\x00Oops")]
        )
        return [(error, source)]

    async with _udp_responder(refuse) as address:
        result = await probe_stun([address], timeout=2.0, retries=2)
    (probe,) = result.probes
    assert probe.error is ProbeError.ERROR_RESPONSE
    assert "500 Oops" in probe.detail
    assert not result.udp_blocked


@pytest.mark.trio
async def test_answer_from_another_address_is_ignored() -> None:
    # A correct response, but sent from a different socket than the one we asked: spoofing.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        other.bind(("127.0.0.2", 0))

        def spoof(data: bytes, source: tuple[str, int]) -> list[tuple[bytes, tuple[str, int]]]:
            tid = stun.parse_binding_request(data)
            other.sendto(stun.encode_binding_success(tid, "192.0.2.99", 1), source)
            return []

        async with _udp_responder(spoof) as address:
            result = await probe_stun([address], timeout=0.3, retries=0)
    assert result.probes[0].error is ProbeError.TIMEOUT


@pytest.mark.trio
async def test_unresolvable_name_fails_fast_without_blocking_udp_verdict() -> None:
    with trio.fail_after(5):
        result = await probe_stun([("no-such-host.invalid", 3478)], timeout=1.0, retries=0)
    assert result.probes[0].error is ProbeError.RESOLVE_FAILED
    assert result.probes[0].server_address is None
    assert not result.udp_blocked


@pytest.mark.trio
async def test_no_servers_is_an_empty_round() -> None:
    result = await probe_stun([], **FAST)
    assert result.probes == ()
    assert result.mapping is NatMapping.UNKNOWN
    assert not result.udp_blocked


@pytest.mark.trio
async def test_stun_server_command_line() -> None:
    # The NAT lab runs the helper as a process inside network namespaces.
    proc = await trio.lowlevel.open_process(
        [sys.executable, "-m", "tests.helpers.stun_server", "--host", "127.0.0.2", "--port", "0"],
        stdout=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None
        with trio.fail_after(15):
            port = int(await proc.stdout.receive_some(64))
        result = await probe_stun([("127.0.0.2", port)], **FAST)
        assert result.probes[0].mapped == ("127.0.0.1", result.local_port)
    finally:
        proc.kill()
        await proc.wait()


# ---- interop with Debian's stund (package stun-server) ------------------------------------------


def _free_udp_pair(hosts: tuple[str, ...]) -> int:
    """A port P such that P and P+1 are free on every host (stund binds both on both IPs)."""
    for _ in range(50):
        port = random.randrange(20000, 60000)
        socks: list[socket.socket] = []
        try:
            for host in hosts:
                for p in (port, port + 1):
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    socks.append(s)
                    s.bind((host, p))
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return port
    raise RuntimeError("no free UDP port pair")


@pytest.mark.skipif(
    shutil.which("stund") is None,
    reason="stund not installed (apt-get install stun-server; it is in the Makefile's APT list)",
)
@pytest.mark.trio
async def test_interop_with_stund() -> None:
    port = _free_udp_pair(("127.0.0.1", "127.0.0.2"))
    cmd = ["stund", "-h", "127.0.0.1", "-a", "127.0.0.2", "-p", str(port), "-o", str(port + 1)]
    proc = await trio.lowlevel.open_process(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        servers = [("127.0.0.1", port), ("127.0.0.2", port)]
        with trio.fail_after(10):
            while True:  # until stund has bound its sockets
                result = await probe_stun(servers, timeout=0.2, retries=0)
                if all(p.mapped for p in result.probes):
                    break
        assert result.mapping is NatMapping.NO_NAT
        assert result.external_addresses == (("127.0.0.1", result.local_port),)
    finally:
        proc.terminate()
        await proc.wait()


# ---- the monitor ---------------------------------------------------------------------------------

LAN = InterfaceSummary.of(
    [
        InterfaceAddress("lo", "127.0.0.1", True),
        InterfaceAddress("eth0", "192.168.7.7", False),
    ]
)


class Recorder:
    """An ``on_change`` callback that remembers values and lets a test wait for one."""

    def __init__(self) -> None:
        self.values: list[Reachability] = []
        self._changed = trio.Event()

    def __call__(self, value: Reachability) -> None:
        self.values.append(value)
        self._changed.set()
        self._changed = trio.Event()

    async def wait_for(self, predicate: Callable[[Reachability], bool]) -> Reachability:
        while not (self.values and predicate(self.values[-1])):
            await self._changed.wait()
        return self.values[-1]


class Flag:
    def __init__(self, value: bool = False) -> None:
        self.value = value

    def __call__(self) -> bool:
        return self.value


def lan_monitor(*servers: StunServer, **options: Any) -> ReachabilityMonitor:
    """A monitor on the LAN summary asking ``servers``, with a relay reservation, no dial-back."""
    return ReachabilityMonitor(
        stun_servers=[f"{h}:{p}" for h, p in (server.address for server in servers)],
        has_relay_reservation=Flag(True),
        confirmed_public=Flag(False),
        discover=lambda: LAN,
        watch="none",
        **options,
    )


@pytest.mark.trio
async def test_monitor_grades_our_stun_servers() -> None:
    seen = Recorder()
    async with open_stun_server("127.0.0.1") as one, open_stun_server("127.0.0.2") as two:
        monitor = lan_monitor(one, two, on_change=seen, clock=lambda: 1234.0, stun_timeout=0.3)
        assert monitor.current() is None
        async with trio.open_nursery() as nursery:
            await nursery.start(monitor.run)
            with trio.fail_after(5):
                value = await seen.wait_for(lambda _: True)
            assert monitor.current() == value
            assert (value.grade, value.reason_code) == (Grade.B, "no-nat")
            assert value.nat_mapping is NatMapping.NO_NAT
            assert value.probed_at == 1234.0
            assert seen.values == [value]
            # Probing again with nothing changed publishes nothing new.
            again = await monitor.probe_now()
            assert again == value
            assert seen.values == [value]
            assert monitor.statistics()["probes"] == 2
            nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_monitor_without_stun_servers() -> None:
    monitor = ReachabilityMonitor(
        has_relay_reservation=Flag(True),
        confirmed_public=Flag(False),
        discover=lambda: LAN,
        watch="none",
    )
    value = await monitor.probe_now()
    assert (value.grade, value.reason_code) == (Grade.D, "no-stun-servers")
    assert "No STUN servers configured" in value.reason
    assert monitor.last_stun_result() is None


@pytest.mark.trio
async def test_monitor_regrades_when_a_relay_reservation_appears() -> None:
    relay = Flag(False)
    seen = Recorder()
    monitor = ReachabilityMonitor(
        has_relay_reservation=relay,
        confirmed_public=Flag(False),
        on_change=seen,
        discover=lambda: LAN,
        watch="none",
        regrade_interval=0.02,
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(monitor.run)
        with trio.fail_after(5):
            first = await seen.wait_for(lambda _: True)
            assert first.reason_code == "no-relay"
            relay.value = True
            await seen.wait_for(lambda v: v.reason_code != "no-relay")
        assert seen.values[-1].reason_code == "no-stun-servers"
        assert monitor.statistics()["probes"] == 1
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_monitor_polls_and_reprobes_on_address_change() -> None:
    summaries = [LAN]

    def discover() -> InterfaceSummary:
        return summaries[-1]

    seen = Recorder()
    changes: list[tuple[InterfaceSummary, int]] = []

    async def network_changed(now: InterfaceSummary) -> None:
        changes.append((now, monitor.statistics()["probes"]))  # type: ignore[arg-type]

    monitor = ReachabilityMonitor(
        has_relay_reservation=Flag(True),
        confirmed_public=Flag(False),
        on_change=seen,
        on_network_change=network_changed,
        discover=discover,
        watch="poll",
        poll_interval=0.02,
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(monitor.run)
        with trio.fail_after(5):
            await seen.wait_for(lambda _: True)
            await trio.sleep(0.1)  # several polls, nothing changed
            assert monitor.statistics()["probes"] == 1
            summaries.append(
                InterfaceSummary.of(
                    [*LAN.addresses, InterfaceAddress("eth0", "203.0.113.4", False)]
                )
            )
            await seen.wait_for(lambda v: v.reason_code == "public-address-unconfirmed")
        stats = monitor.statistics()
        assert (stats["probes"], stats["network_changes"], stats["watching"]) == (2, 1, "poll")
        # The hook heard of the change once, with the new addresses, before the probe.
        assert changes == [(summaries[-1], 1)]
        nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_monitor_reprobes_on_its_own_and_sees_a_change_beyond_this_machine(
    autojump_clock: MockClock,
) -> None:
    """UDP blocked upstream changes nothing on our interfaces; the periodic probe still sees it."""
    seen = Recorder()
    async with open_stun_server("127.0.0.1") as one, open_stun_server("127.0.0.2") as two:
        monitor = lan_monitor(one, two, on_change=seen, stun_timeout=0.1, stun_retries=1)
        async with trio.open_nursery() as nursery:
            await nursery.start(monitor.run)
            with trio.fail_after(5 * REPROBE_INTERVAL):
                first = await seen.wait_for(lambda _: True)
                assert first.nat_mapping is NatMapping.NO_NAT
                started = trio.current_time()
                await trio.sleep(2.5 * REPROBE_INTERVAL)  # two more probes, same answers:
                assert seen.values == [first]  # nothing new published
                assert monitor.statistics()["probes"] == 3
                one.silent = two.silent = True
                blocked = await seen.wait_for(lambda v: v.reason_code == "udp-blocked")
                assert blocked.grade is Grade.E
                assert trio.current_time() - started < 3 * REPROBE_INTERVAL + 1  # the next one
                one.silent = two.silent = False
                await seen.wait_for(lambda v: v.nat_mapping is NatMapping.NO_NAT)
            # A probe asked for in between restarts the wait rather than adding to it.
            await trio.sleep(REPROBE_INTERVAL / 2)
            probes = monitor.statistics()["probes"]
            await monitor.probe_now()
            await trio.sleep(0.9 * REPROBE_INTERVAL)
            assert monitor.statistics()["probes"] == probes + 1
            await trio.sleep(0.2 * REPROBE_INTERVAL)
            assert monitor.statistics()["probes"] == probes + 2
            nursery.cancel_scope.cancel()


@pytest.mark.trio
async def test_concurrent_probes_queue_up() -> None:
    async with open_stun_server("127.0.0.1") as one, open_stun_server("127.0.0.2") as two:
        monitor = lan_monitor(one, two)
        async with trio.open_nursery() as nursery:
            for _ in range(3):
                nursery.start_soon(monitor.probe_now)
        assert monitor.statistics()["probes"] == 3
        assert one.stats.answered == 3


def test_bad_stun_server_is_a_config_error() -> None:
    with pytest.raises(InvalidAddressError, match="STUN server"):
        ReachabilityMonitor(
            stun_servers=["stun.example.net:99999"],
            has_relay_reservation=Flag(),
            confirmed_public=Flag(),
        )


# ---- netlink: a network namespace of our own -----------------------------------------------------

_MONITOR_SCRIPT = """
import json, sys, trio
from app.engine.reachability import ReachabilityMonitor
from tests.helpers.stun_server import StunServer, open_stun_server

def show(value):
    print(json.dumps({"code": value.reason_code, "public": value.public_addresses}), flush=True)

async def main():
    async with open_stun_server("127.0.0.1") as server:
        monitor = ReachabilityMonitor(
            stun_servers=["%s:%d" % server.address],
            has_relay_reservation=lambda: True,
            confirmed_public=lambda: False,
            on_change=show,
            watch="netlink",
            stun_timeout=0.5,
            stun_retries=0,
            regrade_interval=3600,
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(monitor.run)
            print(json.dumps({"watching": monitor.statistics()["watching"]}), flush=True)

trio.run(main)
"""


def _can_use_netns() -> str | None:
    if not sys.platform.startswith("linux"):
        return "netlink is Linux only"
    if os.geteuid() != 0:
        return "creating a network namespace needs root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


class _Lines:
    """Read JSON lines from a process's stdout."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self.stream = stream
        self.buffer = b""

    async def next(self) -> dict[str, object]:
        while b"\n" not in self.buffer:
            chunk = await self.stream.receive_some(4096)
            if not chunk:
                raise EOFError("monitor process exited")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)


@pytest.mark.skipif(_can_use_netns() is not None, reason=str(_can_use_netns()))
@pytest.mark.trio
async def test_netlink_address_change_triggers_a_reprobe() -> None:
    ns = f"peerup-reach-{os.getpid()}-{random.randrange(1 << 16)}"
    try:
        _ip("netns", "add", ns)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot create a network namespace: {exc.stderr.decode().strip()}")
    try:
        _ip("-n", ns, "link", "set", "lo", "up")
        # veth, not dummy: containers often lack the dummy module, veth is built in.
        _ip("-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
        _ip("-n", ns, "link", "set", "v0", "up")
        _ip("-n", ns, "link", "set", "v1", "up")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = await trio.lowlevel.open_process(
            ["ip", "netns", "exec", ns, sys.executable, "-c", _MONITOR_SCRIPT],
            stdout=subprocess.PIPE,
            cwd=REPO,
            env=env,
        )
        try:
            assert proc.stdout is not None
            lines = _Lines(proc.stdout)
            with trio.fail_after(15):
                first = [await lines.next(), await lines.next()]
            assert {"watching": "netlink"} in first
            assert {"code": "offline", "public": []} in first
            start = trio.current_time()
            _ip("-n", ns, "addr", "add", "192.0.2.10/24", "dev", "v0")
            with trio.fail_after(10):
                changed = await lines.next()
            assert changed["code"] == "public-address-unconfirmed"
            assert "192.0.2.10" in changed["public"]  # type: ignore[operator]
            assert trio.current_time() - start < 10
        finally:
            proc.kill()
            await proc.wait()
    finally:
        # Shielded: a namespace must not outlive a cancelled or timed-out test.
        with trio.CancelScope(shield=True), trio.move_on_after(10):
            await trio.run_process(["ip", "netns", "del", ns], check=False, capture_stderr=True)
