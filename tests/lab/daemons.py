"""Running peer-up daemons in the lab's namespaces (shared by the lab tests and bench/relay.py)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.api.client import open_local_client
from app.api.transport import ApiEndpoint
from app.util.paths import api_cookie_path
from tests.helpers.nodes import NodeDir
from tests.lab.netlab import STUN1_ALT_IP, STUN2_ALT_IP, Lab

REPO = Path(__file__).resolve().parents[2]


def api_call(endpoint: ApiEndpoint, method: str, *args: object, timeout: float = 60) -> object:
    """Call one LocalClient method from synchronous code."""

    async def call() -> object:
        async with open_local_client(endpoint) as client:
            return await asyncio.wait_for(getattr(client, method)(*args), timeout)

    return asyncio.run(call())


@dataclass
class LabDaemon:
    """A daemon running in a lab namespace, reachable through its API socket."""

    name: str
    node: NodeDir
    ns: str
    endpoint: ApiEndpoint


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


# Sends ``size`` random bytes through a forward's local port (argv: port, size) while reading the
# echo; prints the SHA-256 of what was sent and of what came back, and the length received.
EXCHANGE = """
import hashlib, os, socket, sys, threading
port, size = int(sys.argv[1]), int(sys.argv[2])
payload = os.urandom(size)
s = socket.create_connection(("127.0.0.1", port), timeout=120)
def send():
    for i in range(0, size, 1 << 20):
        s.sendall(payload[i:i + (1 << 20)])
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send); t.start()
got = bytearray()
while data := s.recv(1 << 20):
    got += data
t.join()
print(hashlib.sha256(payload).hexdigest(), hashlib.sha256(got).hexdigest(), len(got))
"""

STUN_PORT = 3478
LISTEN_PORT = 4001
RELAY_PORT = 7777


STUND = shutil.which("stund")
"""Debian's stund (package stun-server), the lab's STUN server: an implementation nobody here
wrote, so the grades are checked against it. Without it the lab falls back to our own
``tests.helpers.stun_server`` (the Makefile's APT list installs stun-server)."""


def start_stun_servers(lab: Lab) -> str:
    """Start a STUN server on port :data:`STUN_PORT` of stun1 and of stun2; return its name.

    stund (when installed) needs two addresses and two ports per server (RFC 3489's
    CHANGE-REQUEST): stun1 and stun2 each get a second public address
    (:data:`~tests.lab.netlab.STUN1_ALT_IP`, :data:`~tests.lab.netlab.STUN2_ALT_IP`) and it binds
    3478 and 3479 on both. Returns ``"stund"`` or ``"ours"`` (the fallback).
    """
    for stun, alt in ((lab.stun1, STUN1_ALT_IP), (lab.stun2, STUN2_ALT_IP)):
        if STUND is not None:
            lab.add_public_address(stun, alt)
            argv = [STUND, "-h", stun.ip, "-a", alt, "-p", str(STUN_PORT),
                    "-o", str(STUN_PORT + 1)]  # fmt: skip
        else:
            argv = [sys.executable, "-m", "tests.helpers.stun_server", "--host", stun.ip,
                    "--port", str(STUN_PORT)]  # fmt: skip
        lab.popen(stun.ns, argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return "stund" if STUND is not None else "ours"


def start_public_services(lab: Lab, root: Path) -> str:
    """Start the public segment's services: STUN on stun1 and stun2 (:func:`start_stun_servers`:
    Debian's stund), and an open (ungated) relay daemon on the relay host (on IPv4, and IPv6 in
    a ``Lab(ipv6=True)``). Returns the relay's IPv4 multiaddr."""
    from tests.helpers.nodes import make_node_dir

    start_stun_servers(lab)
    listen = f"/ip4/{lab.relay.ip}/tcp/{RELAY_PORT}"
    relay = make_node_dir(root, "relay", listen=listen, extra="relay_service: {enabled: true}\n")
    config = relay.config_path.read_text()
    config = config.replace("enable_connection_gating: true", "enable_connection_gating: false")
    if lab.relay.ip6 is not None:  # Lab(ipv6=True): the relay listens on IPv6 too
        config = config.replace(
            f"['{listen}']", f"['{listen}', '/ip6/{lab.relay.ip6}/tcp/{RELAY_PORT}']"
        )
    relay.config_path.write_text(config)
    start_in_ns(lab, lab.relay.ns, relay)
    return f"/ip4/{lab.relay.ip}/tcp/{RELAY_PORT}/p2p/{relay.peer_id}"


def configure_home(node: NodeDir, relay_addr: str, lab: Lab, echo_port: int | None) -> None:
    """Give a home's config the lab's STUN servers and ``relay_addr``, and expose its echo
    service on ``echo_port`` (None: no service)."""
    text = node.config_path.read_text().replace(
        f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}']",
        f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}'], stun_servers: "
        f"['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']",
    )
    text += f"relay: {{addresses: ['{relay_addr}']}}\n"
    if echo_port is not None:
        text += f"services:\n  echo: {{local_address: '127.0.0.1:{echo_port}'}}\n"
    node.config_path.write_text(text)


def has_reservation(endpoint: ApiEndpoint) -> bool:
    """The daemon holds a relay reservation (it has a circuit address)."""
    return bool(api_call(endpoint, "status", timeout=5).circuit_addresses)  # type: ignore[attr-defined]


def wait_until(what: str, check: object, timeout: float, step: float = 0.1) -> float:
    """Poll ``check()`` until true; return the seconds it took (bounded by ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if check():  # type: ignore[operator]
                return time.monotonic() - started
        except Exception:  # a daemon restarting: its API is not there yet
            pass
        time.sleep(step)
    raise AssertionError(f"{what}: not within {timeout} s")
