"""Port mapping against a real gateway (miniupnpd) on a lab router: UPnP IGD, then NAT-PMP.

A home behind endpoint-independent NAT whose router runs miniupnpd (UPnP only, or NAT-PMP only),
and a public relay: with ``network.port_mapping: true`` the daemon maps its TCP port, the relay's
dial-back reaches it through the router, and the grade becomes A ("port-mapping-confirmed"). The
mapping shows in the status with the method that made it. A peer on the public segment that
knows only the home node's peer ID and the relay learns the mapped address (identify-push to the
relay, then the relay's DHT) and dials it directly; hole punching is off on both, so a DIRECT path
can only come from that address. The mapping is removed when the daemon stops.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.core.status import Grade, PathType
from tests.helpers.nodes import make_node_dir
from tests.lab.daemons import LISTEN_PORT, STUN_PORT, api_call, start_in_ns, start_public_services
from tests.lab.netlab import Lab, unavailable_reason
from tests.lab.upnp_tools import mapped_ports, miniupnpd_unavailable, start_miniupnpd

REPO = Path(__file__).resolve().parents[2]

_why = unavailable_reason() or miniupnpd_unavailable()
pytestmark = pytest.mark.skipif(_why is not None, reason=str(_why))


def _run_mapping_scenario(tmp_path: Path, *, prefix: str, method: str) -> dict[str, float]:
    with Lab(prefix=prefix) as lab:
        relay_addr = start_public_services(lab, tmp_path)

        home = lab.add_home("u1", nat="eim")
        start_miniupnpd(
            lab, home, tmp_path / "igd", f"{lab.stun1.ip}:{STUN_PORT}",
            upnp=method == "upnp", natpmp=method == "nat-pmp",
        )  # fmt: skip
        node = make_node_dir(
            tmp_path, "u1", listen=f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}", hole_punching=False
        )
        node.config_path.write_text(
            node.config_path.read_text().replace(
                "hole_punching: false}",
                "hole_punching: false, port_mapping: true, "
                f"stun_servers: ['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']}}",
            )
            + f"relay: {{addresses: ['{relay_addr}']}}\n"
        )
        # A peer on the public segment that knows u1 by peer ID only.
        outside = lab.add_home("o1", nat="none")
        peer = make_node_dir(
            tmp_path, "o1", listen="/ip4/0.0.0.0/tcp/4002", names={"u1": node.peer_id},
            extra=f"relay: {{addresses: ['{relay_addr}']}}\n", hole_punching=False,
        )  # fmt: skip
        node.authorize(peer)
        peer.authorize(node)
        started = time.monotonic()
        endpoint = start_in_ns(lab, home.host_ns, node)

        status = None
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            status = api_call(endpoint, "status")
            reach = status.reachability  # type: ignore[attr-defined]
            if reach is not None and reach.grade is Grade.A:
                break
            time.sleep(0.3)
        assert status is not None
        grade_a_s = time.monotonic() - started
        mapping = status.port_mapping  # type: ignore[attr-defined]
        assert mapping is not None, status
        assert mapping.method == method
        assert mapping.external_address == f"{home.public_ip}:{LISTEN_PORT}"
        assert mapping.internal_address == f"{home.lan_ip}:{LISTEN_PORT}"
        assert mapping.expires_at is not None
        if method == "nat-pmp":
            assert mapping.gateway == home.router_lan_ip
        reach = status.reachability  # type: ignore[attr-defined]
        assert reach.grade is Grade.A, reach
        assert reach.reason_code == "port-mapping-confirmed", reach
        assert f"dport {LISTEN_PORT}" in mapped_ports(lab, home)

        # The mapped address reached the relay (identify/identify-push); its DHT hands it out.
        peer_endpoint = start_in_ns(lab, outside.host_ns, peer)
        before = time.monotonic()
        path = api_call(peer_endpoint, "connect", "u1")
        connect_s = time.monotonic() - before
        assert path.path_type is PathType.DIRECT, path  # type: ignore[attr-defined]
        assert f"/ip4/{home.public_ip}/tcp/{LISTEN_PORT}" in path.address, path  # type: ignore[attr-defined]
        api_call(peer_endpoint, "shutdown")

        api_call(endpoint, "shutdown")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and f"dport {LISTEN_PORT}" in mapped_ports(lab, home):
            time.sleep(0.2)
        assert f"dport {LISTEN_PORT}" not in mapped_ports(lab, home), "mapping left behind"
        return {"grade_a_after_s": round(grade_a_s, 2), "direct_connect_s": round(connect_s, 2)}


def test_upnp_mapping_makes_grade_a(tmp_path: Path) -> None:
    result = _run_mapping_scenario(tmp_path, prefix="pu", method="upnp")
    print(json.dumps({"upnp": result}))


def test_natpmp_mapping_makes_grade_a(tmp_path: Path) -> None:
    result = _run_mapping_scenario(tmp_path, prefix="pn", method="nat-pmp")
    print(json.dumps({"nat-pmp": result}))
