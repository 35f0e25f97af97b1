"""Hole punching over IPv6 through two stateful firewalls, with real daemons in the NAT lab.

Many homes behind CGNAT or a symmetric NAT over IPv4 have global IPv6 behind a stateful firewall
that drops unsolicited inbound traffic. Two such homes here: IPv4 behind SYMMETRIC NAT (IPv4
hole punching cannot work; over IPv4 alone the pair stays relayed), IPv6 (2001:db8:1:<k>::/64,
no NAT) behind ip6tables allowing only ESTABLISHED,RELATED inbound. The relay and the STUN
servers sit on the public segment (the relay on IPv4 and IPv6, STUN on IPv4). Each daemon
listens on ``/ip4/0.0.0.0/tcp/4001`` and ``/ip6/::/tcp/4001``.

Asserted: the grade each side gets (see :func:`test_grades`), that nobody outside can dial a
home's IPv6 address (the firewall works, so DIRECT can only come from hole punching), that the
pair meets on the relay and DCUtR's TCP simultaneous open makes it DIRECT over an ``/ip6/``
address (the time from the first dial to DIRECT is printed), and 20 MB checksummed through a
forward over that path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.api.transport import ApiEndpoint
from app.core.status import Grade, NatMapping, PathType
from tests.helpers.nodes import NodeDir, make_node_dir
from tests.lab import netlab
from tests.lab.daemons import (
    EXCHANGE,
    LISTEN_PORT,
    RELAY_PORT,
    STUN_PORT,
    api_call,
    start_in_ns,
    start_public_services,
)
from tests.lab.netlab import Home, Lab, ipv6_unavailable_reason

REPO = Path(__file__).resolve().parents[2]
UDP_TOOLS = Path(__file__).with_name("udp_tools.py")

_REASON = ipv6_unavailable_reason()
pytestmark = [
    pytest.mark.skipif(_REASON is not None, reason=_REASON or ""),
    pytest.mark.timeout(60),
]

HOMES = ("h1", "h2")
DIRECT_BOUND = 20.0  # seconds from the first dial to DIRECT

# Connect to argv[1]:argv[2] over TCP (bounded by argv[3] seconds); print "ok" or the error.
CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close()
    print("ok")
except OSError as exc:
    print(type(exc).__name__)
"""


@dataclass
class Daemon:
    """A daemon in a home's host namespace, reachable through its API socket."""

    name: str
    home: Home
    node: NodeDir
    endpoint: ApiEndpoint


@dataclass
class World:
    lab: Lab
    daemons: dict[str, Daemon]


def _host_ipv6_state() -> tuple[str, str]:
    """The host namespace's ip6tables rules and IPv6 forwarding (the lab must not touch them)."""
    rules = subprocess.run(
        ["ip6tables-save"], capture_output=True, text=True, timeout=10, check=False
    ).stdout
    kept = "\n".join(line for line in rules.splitlines() if not line.startswith("#"))
    return kept, Path("/proc/sys/net/ipv6/conf/all/forwarding").read_text()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("lab6")
    host_before = _host_ipv6_state()
    with Lab(prefix="pv", ipv6=True) as lab:
        relay_addr = start_public_services(lab, root)
        homes = {name: lab.add_home(name, nat="symmetric", ipv6=True) for name in HOMES}
        listen = f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}', '/ip6/::/tcp/{LISTEN_PORT}"
        dirs = {name: make_node_dir(root, name, listen=listen) for name in HOMES}
        daemons: dict[str, Daemon] = {}
        for name, home in homes.items():
            (other,) = (n for n in HOMES if n != name)
            dirs[name].authorize(dirs[other])
            echo_argv = [sys.executable, "-m", "tests.helpers.services", "echo"]
            echo = lab.popen(home.host_ns, echo_argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
            assert echo.stdout is not None
            echo_port = int(echo.stdout.readline())
            config = dirs[name].config_path
            config.write_text(
                config.read_text().replace(
                    f"/ip6/::/tcp/{LISTEN_PORT}']",
                    f"/ip6/::/tcp/{LISTEN_PORT}'], stun_servers: "
                    f"['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']",
                )
                + f"relay: {{addresses: ['{relay_addr}']}}\n"
                + f"names:\n  {other}: {dirs[other].peer_id}\n"
                + f"services:\n  echo: {{local_address: '127.0.0.1:{echo_port}'}}\n"
            )
            endpoint = start_in_ns(lab, home.host_ns, dirs[name])
            daemons[name] = Daemon(name, home, dirs[name], endpoint)
        yield World(lab, daemons)
    assert not [ns for ns in netlab.list_namespaces() if ns.startswith(f"{lab.tag}-")]
    assert _host_ipv6_state() == host_before


def _wait_grade(daemon: Daemon, timeout: float = 30) -> object:
    """The daemon's reachability once it holds a relay reservation and has a STUN verdict."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = api_call(daemon.endpoint, "status")
        reach = status.reachability  # type: ignore[attr-defined]
        if (
            reach is not None
            and status.circuit_addresses  # type: ignore[attr-defined]
            and reach.nat_mapping is not NatMapping.UNKNOWN
        ):
            return reach
        time.sleep(0.3)
    raise AssertionError(f"{daemon.name}: no reservation or STUN verdict, last status {status}")


def test_grades(world: World) -> None:
    """Symmetric NAT over IPv4 alone would be D (symmetric-nat), yet with a global IPv6
    address on an interface and no dial-back confirming it (the firewall drops the relay's
    dial-back), grade() rule 7 makes it B public-address-unconfirmed: "IPv6 wins over an IPv4
    symmetric NAT, as DCUtR can punch over IPv6"."""
    for daemon in world.daemons.values():
        reach = _wait_grade(daemon)
        info = f"{daemon.name}: {reach}"
        assert reach.nat_mapping is NatMapping.ADDRESS_DEPENDENT, info  # type: ignore[attr-defined]
        assert reach.grade is Grade.B, info  # type: ignore[attr-defined]
        assert reach.reason_code == "public-address-unconfirmed", info  # type: ignore[attr-defined]
        assert daemon.home.lan_ip6 in reach.public_addresses, info  # type: ignore[attr-defined]
        assert not reach.cgnat, info  # type: ignore[attr-defined]


def test_firewall_drops_unsolicited_inbound(world: World) -> None:
    """The control: the daemon listens on its IPv6 address (its own namespace reaches it), but
    from the public segment a dial to it fails, while the home can dial out over IPv6."""
    lab = world.lab
    outside = lab.public_host("out")
    for daemon in world.daemons.values():
        ip6 = daemon.home.lan_ip6
        assert ip6 is not None
        to_daemon = [sys.executable, "-c", CONNECT, ip6, str(LISTEN_PORT), "2"]
        inside = lab.exec(daemon.home.host_ns, to_daemon)
        assert inside.stdout.strip() == "ok", inside
        out = lab.exec(outside.ns, to_daemon)
        assert out.stdout.strip() == "TimeoutError", (out, lab.describe())  # dropped, not refused
        assert lab.relay.ip6 is not None
        to_relay = [sys.executable, "-c", CONNECT, lab.relay.ip6, str(RELAY_PORT), "2"]
        assert lab.exec(daemon.home.host_ns, to_relay).stdout.strip() == "ok"


def test_lab_tcp_simultaneous_open_over_ipv6(world: World) -> None:
    """What DCUtR does, with plain sockets: each home connects from port 41006 to the other's
    [ipv6]:41006 at the same time; both firewalls let the other's SYN in, as it matches the
    connection their own SYN started."""
    lab = world.lab
    homes = [d.home for d in world.daemons.values()]
    argv = [sys.executable, str(UDP_TOOLS), "agent"]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True, "bufsize": 1}
    agents = [lab.popen(h.host_ns, argv, **pipes) for h in homes]
    try:
        for agent in agents:
            assert agent.stdout is not None
            json.loads(agent.stdout.readline())  # ready
        for agent, peer in zip(agents, reversed(homes), strict=True):
            assert agent.stdin is not None
            peer_addr = [peer.lan_ip6, 41006]
            cmd = {"op": "tcp-punch", "local_port": 41006, "peer": peer_addr, "timeout": 4.0}
            agent.stdin.write(json.dumps(cmd) + "\n")
            agent.stdin.flush()
        results = []
        for agent in agents:
            assert agent.stdout is not None
            results.append(json.loads(agent.stdout.readline()))
    finally:
        for agent in agents:
            if agent.stdin:
                agent.stdin.close()
            try:
                agent.wait(3)
            except subprocess.TimeoutExpired:
                agent.kill()
    assert all(r["ok"] for r in results), (results, lab.describe())


def _path(daemon: Daemon, peer_id: str) -> object | None:
    paths = api_call(daemon.endpoint, "paths")
    return next((p for p in paths if p.peer_id == peer_id), None)  # type: ignore[attr-defined]


def test_direct_over_ipv6_and_20_mb(world: World) -> None:
    lab = world.lab
    client, server = world.daemons["h1"], world.daemons["h2"]
    for daemon in (client, server):
        _wait_grade(daemon)
    started = time.monotonic()
    first = api_call(client.endpoint, "connect", "h2")
    connect_s = time.monotonic() - started
    path = first
    time_to_direct = None
    deadline = started + DIRECT_BOUND
    while time.monotonic() < deadline:
        mine = _path(client, server.node.peer_id)
        if mine is not None and mine.path_type is PathType.DIRECT:  # type: ignore[attr-defined]
            time_to_direct = time.monotonic() - started
            path = mine
            break
        time.sleep(0.1)
    info = f"first {first}, last {path}\n{lab.describe()}"
    assert path.path_type is PathType.DIRECT, info  # type: ignore[attr-defined]
    assert path.address.startswith("/ip6/2001:db8:1:"), info  # type: ignore[attr-defined]
    assert path.ip_version == "ipv6", info  # type: ignore[attr-defined]
    other_side = _path(server, client.node.peer_id)
    assert other_side is not None, info
    assert other_side.path_type is PathType.DIRECT, other_side  # type: ignore[attr-defined]

    forward = api_call(client.endpoint, "open_forward", "h2", "echo", "127.0.0.1:0")
    port = forward.listen_address.rsplit(":", 1)[1]  # type: ignore[attr-defined]
    exchange = [sys.executable, "-c", EXCHANGE, port, str(20 << 20)]
    out = lab.exec(client.home.host_ns, exchange, timeout=40)
    sent, got, size = out.stdout.split()
    assert (sent, int(size)) == (got, 20 << 20)
    still = _path(client, server.node.peer_id)
    assert still is not None
    assert still.path_type is PathType.DIRECT, still  # type: ignore[attr-defined]
    assert still.address.startswith("/ip6/"), still  # type: ignore[attr-defined]
    api_call(client.endpoint, "close_forward", forward.id)  # type: ignore[attr-defined]
    print(json.dumps({
        "pair": "h1/h2 (IPv4 symmetric NAT, IPv6 stateful firewall)",
        "first_path": str(first.path_type),  # type: ignore[attr-defined]
        "connect_s": round(connect_s, 2),
        "time_to_direct_s": None if time_to_direct is None else round(time_to_direct, 2),
        "direct_address": path.address,  # type: ignore[attr-defined]
    }))  # fmt: skip
