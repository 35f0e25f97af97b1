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

from app.core.status import PathType
from tests.helpers.nodes import NodeDir, make_node_dir
from tests.lab.daemons import LISTEN_PORT, STUN_PORT, api_call, start_in_ns, start_public_services
from tests.lab.netlab import Lab, unavailable_reason

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))

LAN_DIRECT_BOUND = 10.0


@pytest.fixture
def lan_pair(tmp_path: Path) -> Iterator[tuple[Lab, list[NodeDir], list[object]]]:
    with Lab(prefix="pl") as lab:
        relay_addr = start_public_services(lab, tmp_path)
        home = lab.add_home("h", nat="eim")
        namespaces = [home.host_ns, lab.add_host(home, "m")]
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
        ends = [start_in_ns(lab, ns, n) for ns, n in zip(namespaces, nodes, strict=True)]
        yield lab, nodes, ends


def test_lan_peers_without_mdns_end_direct(
    lan_pair: tuple[Lab, list[NodeDir], list[object]],
) -> None:
    _lab, nodes, (a, b) = lan_pair
    for end in (a, b):
        deadline = time.monotonic() + 45
        while not api_call(end, "status").circuit_addresses:  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, "no relay reservation"
            time.sleep(0.3)
    started = time.monotonic()
    api_call(a, "connect", nodes[1].peer_id)
    path = None
    while time.monotonic() - started < LAN_DIRECT_BOUND:
        path = next(p for p in api_call(a, "paths") if p.peer_id == nodes[1].peer_id)  # type: ignore[attr-defined]
        if path.path_type is PathType.DIRECT:
            break
        time.sleep(0.1)
    assert path is not None
    print(f"time to DIRECT on the LAN: {time.monotonic() - started:.2f} s via {path.address}")
    assert path.path_type is PathType.DIRECT, f"still {path.path_type} via {path.address}"
    assert path.address.startswith("/ip4/192.168.")
    back = next(p for p in api_call(b, "paths") if p.peer_id == nodes[0].peer_id)  # type: ignore[attr-defined]
    assert back.path_type is PathType.DIRECT
    # One of the two dials (the other side defers to it), not two connections.
    dialled = [n for n in nodes if "direct LAN path" in (n.path / "daemon.log").read_text()]
    assert len(dialled) == 1, dialled
