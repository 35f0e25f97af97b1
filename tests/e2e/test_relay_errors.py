"""End to end: the mistakes a user makes with relay addresses get reasons they can act on.

A real relay daemon and a real node daemon on loopback; the node's config lists the relay three
wrong ways (a port nobody listens on, the relay's address with another peer ID, and the right
address while the relay does not authorize the node). ``peerup relay list`` must name each reason
instead of py-libp2p's "no addresses established a successful connection (with exceptions)".
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.helpers.daemons import start_daemon
from tests.helpers.nodes import free_port, make_node_dir

pytestmark = pytest.mark.e2e


def test_relay_list_says_why_each_reservation_failed(tmp_path: Path) -> None:
    relay_port = free_port()
    relay_dir = make_node_dir(
        tmp_path,
        "relay",
        listen=f"/ip4/127.0.0.1/tcp/{relay_port}",
        extra="relay_service: {enabled: true}\n",
    )
    # Never started: only their peer IDs are used.
    ghost, other = make_node_dir(tmp_path, "ghost"), make_node_dir(tmp_path, "other")
    closed = f"/ip4/127.0.0.1/tcp/{free_port()}/p2p/{ghost.peer_id}"
    wrong_id = f"/ip4/127.0.0.1/tcp/{relay_port}/p2p/{other.peer_id}"
    unauthorized = f"/ip4/127.0.0.1/tcp/{relay_port}/p2p/{relay_dir.peer_id}"
    node_dir = make_node_dir(
        tmp_path,
        "node",
        extra=f"relay: {{addresses: ['{closed}', '{wrong_id}', '{unauthorized}']}}\n",
    )
    relay = start_daemon(relay_dir)
    try:
        node = start_daemon(node_dir)
        try:
            errors: dict[str, str | None] = {}
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                out = node.cli("relay", "list", "--json")
                assert out.returncode == 0, out.stderr
                errors = {r["address"]: r["error"] for r in json.loads(out.stdout)["relays"]}
                if all(errors.values()):
                    break
                time.sleep(0.5)
            assert errors[closed] == "connection refused (nothing listens on that port)"
            assert errors[wrong_id] == (
                "another peer answers at this address (is the /p2p/ peer ID in it right?)"
            )
            assert errors[unauthorized] == (
                "the peer hung up right after the secure handshake "
                "(does its authorized_keys list this node?)"
            )
            text = node.cli("relay", "list")
            assert text.returncode == 0
            assert "with exceptions" not in text.stdout
            assert "not reserved: connection refused" in text.stdout
            assert "Traceback" not in text.stdout + text.stderr
        finally:
            node.stop()
    finally:
        relay.stop()
