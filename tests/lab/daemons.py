"""Running peer-up daemons in the lab's namespaces (shared by the lab tests and bench/relay.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from app.api.client import open_local_client
from app.api.transport import ApiEndpoint
from app.util.paths import api_cookie_path
from tests.helpers.nodes import NodeDir
from tests.lab.netlab import Lab

REPO = Path(__file__).resolve().parents[2]


def api_call(endpoint: ApiEndpoint, method: str, *args: object, timeout: float = 60) -> object:
    """Call one LocalClient method from synchronous code."""

    async def call() -> object:
        async with open_local_client(endpoint) as client:
            return await asyncio.wait_for(getattr(client, method)(*args), timeout)

    return asyncio.run(call())


def start_in_ns(lab: Lab, ns: str, node: NodeDir, *extra: str) -> ApiEndpoint:
    """Start ``peerup daemon`` for ``node`` in namespace ``ns``; return its API endpoint."""
    socket_path = node.path / "api.sock"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERUP_")}
    env["PEERUP_RUNTIME_DIR"] = str(node.path / "run")
    if os.environ.get("PEERUP_DEBUG_LOGGERS"):
        env["PEERUP_DEBUG_LOGGERS"] = os.environ["PEERUP_DEBUG_LOGGERS"]
    log = (node.path / "daemon.log").open("wb")
    argv = [sys.executable, "-m", "app", "--config", str(node.config_path), "daemon",
            "--api-socket", str(socket_path), *extra]  # fmt: skip
    lab.popen(ns, argv, env=env, cwd=REPO, stdout=log, stderr=log, stdin=open(os.devnull))  # noqa: SIM115
    endpoint = ApiEndpoint(socket_path, api_cookie_path(socket_path))
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if socket_path.exists() and endpoint.cookie_path.exists():
            return endpoint
        time.sleep(0.1)
    raise AssertionError(f"daemon in {ns} did not start:\n{(node.path / 'daemon.log').read_text()}")


STUN_PORT = 3478
LISTEN_PORT = 4001
RELAY_PORT = 7777


def start_public_services(lab: Lab, root: Path) -> str:
    """Start the public segment's services: our STUN server on stun1 and stun2, and an open
    (ungated) relay daemon on the relay host. Returns the relay's multiaddr."""
    from tests.helpers.nodes import make_node_dir

    for stun in (lab.stun1, lab.stun2):
        argv = [sys.executable, "-m", "tests.helpers.stun_server", "--host", stun.ip]
        lab.popen(stun.ns, [*argv, "--port", str(STUN_PORT)], cwd=REPO, stdout=subprocess.DEVNULL)
    relay = make_node_dir(
        root, "relay", listen=f"/ip4/{lab.relay.ip}/tcp/{RELAY_PORT}",
        extra="relay_service: {enabled: true}\n",
    )  # fmt: skip
    relay.config_path.write_text(
        relay.config_path.read_text().replace(
            "enable_connection_gating: true", "enable_connection_gating: false"
        )
    )
    start_in_ns(lab, lab.relay.ns, relay)
    return f"/ip4/{lab.relay.ip}/tcp/{RELAY_PORT}/p2p/{relay.peer_id}"
