"""Two peers on one LAN without mDNS: the pair must end on a direct LAN connection.

The home's router does not hairpin (plain MASQUERADE), so hole punching through the public
address cannot connect two hosts behind it; mDNS is off (the default). The peers meet through the
relay, and learn each other's private addresses from the reachability messages that authorized
peers exchange; a dial to an address on a shared subnet makes the pair DIRECT.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.api.transport import ApiEndpoint
from app.core.status import PathType
from tests.helpers.nodes import NodeDir, make_node_dir
from tests.lab.daemons import LISTEN_PORT, STUN_PORT, api_call, start_in_ns, start_public_services
from tests.lab.netlab import Lab, unavailable_reason

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))

LanPair = tuple[Lab, list[tuple[str, str]], list[NodeDir], list[ApiEndpoint]]
LAN_DIRECT_BOUND = 10.0
FALLBACK_BOUND = 15.0


@pytest.fixture
def lan_pair(tmp_path: Path) -> Iterator[LanPair]:
    """Two hosts on one home LAN (namespace, LAN IP), their nodes and their API endpoints."""
    with Lab(prefix="pl") as lab:
        relay_addr = start_public_services(lab, tmp_path)
        home = lab.add_home("h", nat="eim")
        second = lab.add_host(home, "m")
        hosts = [(home.host_ns, home.lan_ip), (second, home.extra_hosts[second])]
        nodes = [
            make_node_dir(tmp_path, n, listen=f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}") for n in ("a", "b")
        ]
        nodes[0].authorize(nodes[1])
        nodes[1].authorize(nodes[0])
        for node in nodes:
            text = node.config_path.read_text().replace(
                f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}']",
                f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}'], stun_servers: "
                f"['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']",
            )
            node.config_path.write_text(text + f"relay: {{addresses: ['{relay_addr}']}}\n")
        ends = [start_in_ns(lab, ns, n) for (ns, _), n in zip(hosts, nodes, strict=True)]
        yield lab, hosts, nodes, ends


def _wait_reserved(*ends: ApiEndpoint) -> None:
    for end in ends:
        deadline = time.monotonic() + 45
        while not api_call(end, "status").circuit_addresses:  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, "no relay reservation"
            time.sleep(0.3)


def _wait_path(
    end: ApiEndpoint, peer_id: str, want: PathType, bound: float
) -> tuple[object, float]:
    """The peer's path once it is ``want`` (and how long that took); fails after ``bound`` s."""
    started = time.monotonic()
    path = None
    while time.monotonic() - started < bound:
        path = next((p for p in api_call(end, "paths") if p.peer_id == peer_id), None)  # type: ignore[attr-defined]
        if path is not None and path.path_type is want:
            return path, time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not {want} within {bound} s: {path}")


def test_lan_peers_without_mdns_end_direct(
    lan_pair: LanPair,
) -> None:
    _lab, _hosts, nodes, (a, b) = lan_pair
    _wait_reserved(a, b)
    api_call(a, "connect", nodes[1].peer_id)
    path, took = _wait_path(a, nodes[1].peer_id, PathType.DIRECT, LAN_DIRECT_BOUND)
    print(f"time to DIRECT on the LAN: {took:.2f} s via {path.address}")  # type: ignore[attr-defined]
    assert path.address.startswith("/ip4/192.168.")  # type: ignore[attr-defined]
    back = next(p for p in api_call(b, "paths") if p.peer_id == nodes[0].peer_id)  # type: ignore[attr-defined]
    assert back.path_type is PathType.DIRECT
    # One of the two dials (the other side defers to it), not two connections.
    dialled = [n for n in nodes if "direct LAN path" in (n.path / "daemon.log").read_text()]
    assert len(dialled) == 1, dialled


def test_lan_path_comes_back_after_a_network_change(
    lan_pair: LanPair,
) -> None:
    """The laptop leaves (the LAN path dies: relayed), then comes home with a new address."""
    lab, ((_, a_ip), (b_ns, _)), nodes, (a, b) = lan_pair
    _wait_reserved(a, b)
    api_call(a, "connect", nodes[1].peer_id)
    _wait_path(a, nodes[1].peer_id, PathType.DIRECT, LAN_DIRECT_BOUND)
    drop = [["INPUT", "-s", a_ip, "-j", "DROP"], ["OUTPUT", "-d", a_ip, "-j", "DROP"]]
    for rule in drop:
        lab.exec(b_ns, ["iptables", "-I", *rule])
    _, took = _wait_path(a, nodes[1].peer_id, PathType.RELAYED, FALLBACK_BOUND)
    print(f"LAN path dead: RELAYED after {took:.2f} s")
    # Both sides have noticed, as when a laptop leaves (its own network changes at once).
    _wait_path(b, nodes[0].peer_id, PathType.RELAYED, FALLBACK_BOUND)
    for rule in drop:
        lab.exec(b_ns, ["iptables", "-D", *rule])
    lab.exec(b_ns, ["ip", "addr", "add", "192.168.1.77/24", "dev", "eth0"])
    path, took = _wait_path(a, nodes[1].peer_id, PathType.DIRECT, LAN_DIRECT_BOUND)
    print(f"home again: DIRECT {took:.2f} s after the new address, via {path.address}")  # type: ignore[attr-defined]
