"""UPnP port mapping against a real IGD (miniupnpd) on a lab router.

A home behind endpoint-independent NAT whose router runs miniupnpd, and a public relay: with
``network.port_mapping: true`` the daemon maps its TCP port, the relay's dial-back reaches it
through the router, and the grade becomes A ("port-mapping-confirmed"). The mapping shows in the
status and is removed when the daemon stops.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.status import Grade
from tests.helpers.nodes import make_node_dir
from tests.lab.daemons import api_call, start_in_ns
from tests.lab.netlab import Lab, unavailable_reason
from tests.lab.upnp_tools import mapped_ports, miniupnpd_unavailable, start_miniupnpd

REPO = Path(__file__).resolve().parents[2]
STUN_PORT = 3478
LISTEN_PORT = 4001
RELAY_PORT = 7777

_why = unavailable_reason() or miniupnpd_unavailable()
pytestmark = pytest.mark.skipif(_why is not None, reason=str(_why))


def test_upnp_mapping_makes_grade_a(tmp_path: Path) -> None:
    with Lab(prefix="pu") as lab:
        for stun in (lab.stun1, lab.stun2):
            argv = [sys.executable, "-m", "tests.helpers.stun_server", "--host", stun.ip]
            lab.popen(
                stun.ns, [*argv, "--port", str(STUN_PORT)], cwd=REPO, stdout=subprocess.DEVNULL
            )
        relay = make_node_dir(
            tmp_path, "relay", listen=f"/ip4/{lab.relay.ip}/tcp/{RELAY_PORT}",
            extra="relay_service: {enabled: true}\n",
        )  # fmt: skip
        relay.config_path.write_text(
            relay.config_path.read_text().replace(
                "enable_connection_gating: true", "enable_connection_gating: false"
            )
        )
        start_in_ns(lab, lab.relay.ns, relay)
        relay_addr = f"/ip4/{lab.relay.ip}/tcp/{RELAY_PORT}/p2p/{relay.peer_id}"

        home = lab.add_home("u1", nat="eim")
        start_miniupnpd(lab, home, tmp_path / "igd", f"{lab.stun1.ip}:{STUN_PORT}")
        node = make_node_dir(tmp_path, "u1", listen=f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}")
        node.config_path.write_text(
            node.config_path.read_text().replace(
                f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}']",
                f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}'], port_mapping: true, "
                f"stun_servers: ['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']",
            )
            + f"relay: {{addresses: ['{relay_addr}']}}\n"
        )
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
        assert mapping.external_address == f"{home.public_ip}:{LISTEN_PORT}"
        assert mapping.internal_address == f"{home.lan_ip}:{LISTEN_PORT}"
        assert mapping.expires_at is not None
        reach = status.reachability  # type: ignore[attr-defined]
        assert reach.grade is Grade.A, reach
        assert reach.reason_code == "port-mapping-confirmed", reach
        assert f"dport {LISTEN_PORT}" in mapped_ports(lab, home)

        api_call(endpoint, "shutdown")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and f"dport {LISTEN_PORT}" in mapped_ports(lab, home):
            time.sleep(0.2)
        assert f"dport {LISTEN_PORT}" not in mapped_ports(lab, home), "mapping left behind"
        print(json.dumps({"upnp_grade_a_after_s": round(grade_a_s, 2)}))
