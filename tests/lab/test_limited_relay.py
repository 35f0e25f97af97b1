"""A go-libp2p relay with its stock limits as the only relay, in the NAT lab (issue 16's Bar).

kubo 0.22 (go-libp2p 0.29, tests/interop) runs on the lab's relay host as shipped: each relayed
connection gets 128 KiB and 2 min. Two endpoint-independent homes (``a1``, ``a2``) and two
symmetric-NAT homes (``s1``, ``s2``) reserve on it; each second home of a pair serves an echo.
Through a forward, 20 MB either go direct (``a1`` → ``a2``: the forward waits for the hole punch
instead of starting on the limited circuit) or the connection fails at once with the plain error
that names the relay and its limit (``s1`` → ``s2``: no direct path exists): never a reset after
some bytes went through.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.status import PathType
from tests.helpers.nodes import make_node_dir
from tests.lab.daemons import (
    LISTEN_PORT,
    LabDaemon,
    api_call,
    configure_home,
    has_reservation,
    start_in_ns,
    start_public_services,
    wait_until,
)
from tests.lab.netlab import Lab, unavailable_reason

REPO = Path(__file__).resolve().parents[2]
KUBO_PORT = 4012
SIZE = 20 * 1024 * 1024
HOMES = {"a1": "eim", "a2": "eim", "s1": "symmetric", "s2": "symmetric"}
SERVERS = ("a2", "s2")

pytestmark = [
    pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason())),
    pytest.mark.timeout(300),
]

# One connection through a forward (argv: port, size): sends ``size`` random bytes while reading
# the echo. Prints one JSON object: bytes back, whether they match, the error that ended it (None
# for a clean end) and the seconds it took.
TRANSFER = """
import hashlib, json, os, socket, sys, threading, time
port, size = int(sys.argv[1]), int(sys.argv[2])
payload = os.urandom(size)
started = time.monotonic()
result = {"received": 0, "intact": False, "error": None}
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    def send():
        try:
            for i in range(0, size, 1 << 20):
                s.sendall(payload[i:i + (1 << 20)])
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    t = threading.Thread(target=send, daemon=True)
    t.start()
    got = hashlib.sha256()
    while data := s.recv(1 << 20):
        got.update(data)
        result["received"] += len(data)
    result["intact"] = got.digest() == hashlib.sha256(payload).digest()
except OSError as exc:
    result["error"] = type(exc).__name__
result["seconds"] = round(time.monotonic() - started, 2)
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, dict[str, LabDaemon]]]:
    from tests.interop.peers import start_kubo_relay

    root = tmp_path_factory.mktemp("limited")
    with Lab(prefix="pk") as lab, contextlib.ExitStack() as stack:
        start_public_services(lab, root)  # the STUN servers (its peer-up relay goes unused)
        kubo = stack.enter_context(
            start_kubo_relay(
                root,
                host=lab.relay.ip,
                port=KUBO_PORT,
                stock_limits=True,
                wrap=lab.wrap(lab.relay.ns, []),
            )
        )
        relay_addr = next(a for a in kubo.addrs if f"/{lab.relay.ip}/" in a)
        homes = {name: lab.add_home(name, nat=kind) for name, kind in HOMES.items()}
        nodes = {
            name: make_node_dir(root, name, listen=f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}")
            for name in HOMES
        }
        for name, node in nodes.items():
            for other in HOMES:
                if other != name:
                    node.authorize(nodes[other])
            echo_port = None
            if name in SERVERS:
                echo = lab.popen(homes[name].host_ns,
                                 [sys.executable, "-m", "tests.helpers.services", "echo"],
                                 cwd=REPO, stdout=subprocess.PIPE, text=True)  # fmt: skip
                assert echo.stdout is not None
                echo_port = int(echo.stdout.readline())
            configure_home(node, relay_addr, lab, echo_port)
        daemons = {
            name: LabDaemon(
                name, node, homes[name].host_ns, start_in_ns(lab, homes[name].host_ns, node)
            )
            for name, node in nodes.items()
        }
        for daemon in daemons.values():
            wait_until(f"{daemon.name} reserved", lambda d=daemon: has_reservation(d.endpoint), 45)
        yield lab, daemons


def _forward_port(client: LabDaemon, server: LabDaemon) -> int:
    forward = api_call(client.endpoint, "open_forward", server.node.peer_id, "echo", "127.0.0.1:0")
    return int(forward.listen_address.rsplit(":", 1)[1])  # type: ignore[attr-defined]


def _transfer(lab: Lab, client: LabDaemon, port: int) -> dict[str, object]:
    out = lab.exec(client.ns, [sys.executable, "-c", TRANSFER, str(port), str(SIZE)], timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _path(client: LabDaemon, server: LabDaemon) -> PathType | None:
    paths = api_call(client.endpoint, "paths")
    return next(
        (p.path_type for p in paths if p.peer_id == server.node.peer_id),  # type: ignore[attr-defined]
        None,
    )


def test_every_home_shows_the_relays_limit(world: tuple[Lab, dict[str, LabDaemon]]) -> None:
    _lab, daemons = world
    for daemon in daemons.values():
        relays = api_call(daemon.endpoint, "status").relays  # type: ignore[attr-defined]
        assert [(r.limit_data, r.limit_duration) for r in relays] == [(128 << 10, 120)], relays  # type: ignore[attr-defined]


def test_a_punchable_pair_carries_20_mb_direct(world: tuple[Lab, dict[str, LabDaemon]]) -> None:
    lab, daemons = world
    client, server = daemons["a1"], daemons["a2"]
    result = _transfer(lab, client, _forward_port(client, server))
    print(json.dumps({"pair": "a1->a2", **result}))
    assert result["error"] is None, result
    assert result["intact"], result
    assert result["received"] == SIZE, result
    assert _path(client, server) is PathType.DIRECT


def test_without_a_direct_path_the_forward_fails_at_once_in_plain_words(
    world: tuple[Lab, dict[str, LabDaemon]],
) -> None:
    lab, daemons = world
    client, server = daemons["s1"], daemons["s2"]
    port = _forward_port(client, server)
    result = _transfer(lab, client, port)
    print(json.dumps({"pair": "s1->s2", **result}))
    # Refused before any byte went through: never a reset midway.
    assert result["received"] == 0, result
    assert not result["intact"], result
    assert float(result["seconds"]) < 15, result  # type: ignore[arg-type]
    forwards = api_call(client.endpoint, "forwards")
    forward = next(f for f in forwards if f.listen_address.endswith(f":{port}"))  # type: ignore[attr-defined]
    assert forward.last_error_code == "relay-limited", forward  # type: ignore[attr-defined]
    error = forward.last_error or ""  # type: ignore[attr-defined]
    assert "128 KiB / 2 min" in error, forward
    assert "peerup relay serve" in error, forward
    assert _path(client, server) is PathType.RELAYED
