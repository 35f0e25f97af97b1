"""A dead direct path falls back to the relay, and upgrades again once it works.

Two homes behind endpoint-independent NAT meet through the relay and DCUtR makes them DIRECT. Then
the routers silently drop every packet between the two homes' public addresses (no FIN, no RST;
the relay stays reachable), as when a NAT forgets its mapping. Within 10 s the pair must be
RELAYED (path events, ``paths``), a ping and a new forwarded connection must work, and the
forwarded connection that was open on the dead path must end (reset) instead of hanging. When the
drop is removed, DCUtR makes the pair DIRECT again.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.api.client import open_local_client
from app.api.transport import ApiEndpoint
from app.core.status import PathChanged, PathType
from tests.helpers.daemons import EventLog
from tests.helpers.nodes import NodeDir, make_node_dir
from tests.lab.daemons import LISTEN_PORT, STUN_PORT, api_call, start_in_ns, start_public_services
from tests.lab.netlab import Home, Lab, unavailable_reason

REPO = Path(__file__).resolve().parents[2]
FALLBACK_BOUND = 10.0

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))

# Connects through a forward, checks one echo, then holds the connection open and reports how
# it ended and after how long (bounded: 60 s).
HOLD = """
import socket, sys, threading, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
s.sendall(b"hello")
assert s.recv(5) == b"hello"
send_errors = []
def send():
    try:
        while True:
            s.sendall(b"x" * 65536)
    except OSError as exc:
        send_errors.append(type(exc).__name__)
sender = threading.Thread(target=send, daemon=True)
if sys.argv[2] == "busy":
    sender.start()
print("open", flush=True)
sys.stdin.readline()
start = time.monotonic()
how = "eof"
try:
    while s.recv(1 << 16):
        pass
except OSError as exc:
    how = type(exc).__name__
elapsed = round(time.monotonic() - start, 2)
if sender.is_alive() or send_errors:
    # The kernel reports a reset once: to the sending thread if it got there first.
    sender.join(5)
    how = send_errors[0] if how == "eof" and send_errors else how
print(how, elapsed, flush=True)
"""

ECHO_ONCE = """
import os, socket, sys
payload = os.urandom(1 << 20)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(payload)
s.shutdown(socket.SHUT_WR)
got = bytearray()
while data := s.recv(1 << 16):
    got += data
print("ok" if got == payload else f"bad {len(got)}")
"""


def _config(node: NodeDir, relay_addr: str, lab: Lab, echo_port: int) -> None:
    text = node.config_path.read_text().replace(
        f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}']",
        f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}'], stun_servers: "
        f"['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']",
    )
    text += f"relay: {{addresses: ['{relay_addr}']}}\n"
    text += f"services:\n  echo: {{local_address: '127.0.0.1:{echo_port}'}}\n"
    node.config_path.write_text(text)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Lab, list[Home], list[NodeDir], list[ApiEndpoint]]]:
    with Lab(prefix="pf") as lab:
        relay_addr = start_public_services(lab, tmp_path)
        homes = [lab.add_home(name, nat="eim") for name in ("a1", "a2")]
        nodes = [
            make_node_dir(tmp_path, h.name, listen=f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}") for h in homes
        ]
        nodes[0].authorize(nodes[1])
        nodes[1].authorize(nodes[0])
        endpoints = []
        for home, node in zip(homes, nodes, strict=True):
            echo = lab.popen(home.host_ns, [sys.executable, "-m", "tests.helpers.services", "echo"],
                             cwd=REPO, stdout=-1, text=True)  # fmt: skip
            _config(node, relay_addr, lab, int(echo.stdout.readline()))
            endpoints.append(start_in_ns(lab, home.host_ns, node))
        yield lab, homes, nodes, endpoints


def _wait_reserved(endpoint: ApiEndpoint, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api_call(endpoint, "status").circuit_addresses:  # type: ignore[attr-defined]
            return
        time.sleep(0.3)
    raise AssertionError("no relay reservation")


def _path(endpoint: ApiEndpoint, peer_id: str) -> PathType | None:
    paths = api_call(endpoint, "paths")
    mine = next((p for p in paths if p.peer_id == peer_id), None)  # type: ignore[attr-defined]
    return None if mine is None else mine.path_type  # type: ignore[no-any-return]


def _wait_path(endpoint: ApiEndpoint, peer_id: str, want: PathType, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if _path(endpoint, peer_id) is want:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not {want} within {timeout} s (now {_path(endpoint, peer_id)})")


def _ping(endpoint: ApiEndpoint, peer: str) -> list[object]:
    async def call() -> list[object]:
        async with open_local_client(endpoint) as client:
            return [r async for r in client.ping(peer, count=1, interval=0.1)]

    return asyncio.run(asyncio.wait_for(call(), 30))


def _drop_between(lab: Lab, homes: list[Home], action: str) -> None:
    """Insert (-I) or delete (-D) DROP rules for traffic between the two homes' public IPs."""
    for home, other in ((homes[0], homes[1]), (homes[1], homes[0])):
        assert home.router_ns is not None
        for rule in (["-d", other.public_ip], ["-s", other.public_ip]):
            lab.exec(home.router_ns, ["iptables", action, "FORWARD", *rule, "-j", "DROP"])


# A short outage, and one long enough for DCUtR to spend its attempt budget and for the dead
# connection's retransmissions to back off to minutes.
@pytest.mark.parametrize("outage", [0, pytest.param(100, marks=pytest.mark.slow)])
def test_dead_direct_path_falls_back_to_relay(
    pair: tuple[Lab, list[Home], list[NodeDir], list[ApiEndpoint]], outage: float
) -> None:
    lab, homes, nodes, (a1, a2) = pair
    _wait_reserved(a1)
    _wait_reserved(a2)
    a2_id = nodes[1].peer_id
    api_call(a1, "connect", a2_id)
    _wait_path(a1, a2_id, PathType.DIRECT, 15)
    _wait_path(a2, nodes[0].peer_id, PathType.DIRECT, 5)
    forward = api_call(a1, "open_forward", a2_id, "echo", "127.0.0.1:0")
    port = forward.listen_address.rsplit(":", 1)[1]  # type: ignore[attr-defined]
    holds = {
        mode: subprocess.Popen(
            lab.wrap(homes[0].host_ns, [sys.executable, "-c", HOLD, port, mode]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for mode in ("idle", "busy")
    }
    try:
        for hold in holds.values():
            assert hold.stdout is not None
            assert hold.stdout.readline().strip() == "open"
        events = EventLog(a1)
        time.sleep(1.0)  # the subscription is live, the busy connection's buffers are full

        _drop_between(lab, homes, "-I")
        for hold in holds.values():
            assert hold.stdin is not None
            hold.stdin.write("go\n")
            hold.stdin.flush()
        fallback_s = _wait_path(a1, a2_id, PathType.RELAYED, FALLBACK_BOUND)
        results = _ping(a1, a2_id)
        assert results[0].rtt_ms is not None, results  # type: ignore[attr-defined]
        assert results[0].path is PathType.RELAYED, results  # type: ignore[attr-defined]
        out = lab.exec(homes[0].host_ns, [sys.executable, "-c", ECHO_ONCE, port], timeout=30)
        assert out.stdout.strip() == "ok"
        _wait_path(a2, nodes[0].peer_id, PathType.RELAYED, 5)

        # The connections that were open on the dead path ended (reset) instead of hanging.
        ended = {mode: hold.communicate(timeout=20)[0].split() for mode, hold in holds.items()}
        for how, _after in ended.values():
            assert how in {"ConnectionResetError", "BrokenPipeError"}, ended
        seen = [e for e in events.stop() if isinstance(e, PathChanged) and e.peer_id == a2_id]
        assert any(e.path.path_type is PathType.RELAYED for e in seen), seen
        forwards = api_call(a1, "forwards")
        errors = next(f.errors for f in forwards if f.id == forward.id)  # type: ignore[attr-defined]
        assert errors >= 2

        time.sleep(outage)
        _drop_between(lab, homes, "-D")
        direct_again_s = _wait_path(a1, a2_id, PathType.DIRECT, 90)
        print(json.dumps({
            "outage_s": outage,
            "fallback_s": round(fallback_s, 2), "held_connections_ended": ended,
            "forward_errors": errors, "direct_again_after_s": round(direct_again_s, 2),
        }))  # fmt: skip
    finally:
        for hold in holds.values():
            if hold.poll() is None:
                hold.kill()
                hold.wait(5)
