"""End to end: a relayed path shows its RTT in ``peerup daemon paths`` and ``status`` without
anyone pinging first (the relayed liveness probe, app/engine/pathwatch.py).

Three real daemons on loopback: a relay, home and laptop. Hole punching is off and laptop uses
another DHT namespace, so the relay is the only way between them.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.nodes import free_port, make_node_dir, relayed_pair_dirs

pytestmark = pytest.mark.e2e


def _json(daemon: DaemonProcess, *args: str) -> Any:
    out = daemon.cli(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_relayed_path_shows_an_rtt_without_a_ping(tmp_path: Path) -> None:
    relay_port = free_port()
    relay_dir = make_node_dir(
        tmp_path,
        "relay",
        listen=f"/ip4/127.0.0.1/tcp/{relay_port}",
        extra="relay_service: {enabled: true}\n",
    )
    relay_addr = f"/ip4/127.0.0.1/tcp/{relay_port}/p2p/{relay_dir.peer_id}"
    home_dir, laptop_dir = relayed_pair_dirs(
        tmp_path, relay_dir, relay_addr, {"echo": "127.0.0.1:9"}
    )
    daemons: list[DaemonProcess] = []
    try:
        daemons.append(start_daemon(relay_dir))
        home = start_daemon(home_dir)
        daemons.append(home)
        deadline = time.monotonic() + 30
        while not _json(home, "daemon", "status")["circuit_addresses"]:
            assert time.monotonic() < deadline, home.log_tail()
            time.sleep(0.2)
        laptop = start_daemon(laptop_dir)
        daemons.append(laptop)
        # A forward connects at once (no ping, no traceroute): the relayed path appears.
        out = laptop.cli("daemon", "connect", "--peer", "home", "--service", "echo")
        assert out.returncode == 0, out.stderr
        deadline = time.monotonic() + 15
        while True:
            paths = {p["peer_id"]: p for p in _json(laptop, "daemon", "paths")}
            path = paths.get(home_dir.peer_id)
            if path is not None and path["rtt_ms"] is not None:
                break
            assert time.monotonic() < deadline, f"no RTT: {path}\n{laptop.log_tail()}"
            time.sleep(0.2)
        assert path["path_type"] == "RELAYED"
        assert 0 < path["rtt_ms"] < 1000
        text = laptop.cli("daemon", "paths").stdout
        assert re.search(r"\[RELAYED\].* \d+\.\dms ", text), text
        status = laptop.cli("status")
        assert status.returncode == 0, status.stderr
        assert re.search(r"connected RELAYED \d+\.\dms", status.stdout), status.stdout
    finally:
        for daemon in reversed(daemons):
            daemon.stop()
