"""peer-up across real NATs: real daemons in the lab's namespaces.

A public relay (``peerup relay serve`` semantics: the relay service on, gating off), two STUN
servers, and homes behind endpoint-independent NAT (a), symmetric NAT (b), NAT with UDP dropped
(c) and no NAT (d). Every home runs a daemon with the relay and both STUN servers configured,
authorizes every other home, and exposes an echo service. The test asserts each home's grade, the
path each pair gets, and forwards 20 MB checksummed over it.

Two endpoint-independent homes first meet through the relay, then DCUtR (started by the side that
accepted the relayed connection) punches a TCP hole and the pair ends DIRECT; the time from the
first dial to DIRECT is printed.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.status import Grade, PathType
from tests.helpers.nodes import NodeDir, make_node_dir
from tests.lab.daemons import (
    EXCHANGE,
    LISTEN_PORT,
    STUN_PORT,
    LabDaemon,
    api_call,
    start_in_ns,
    start_public_services,
)
from tests.lab.netlab import Lab, unavailable_reason

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))

# Home name → NAT kind; two of the kinds that pairs are made of.
HOMES = {"a1": "eim", "a2": "eim", "b1": "symmetric", "b2": "symmetric", "c1": "udp-blocked",
         "d1": "none", "d2": "none"}  # fmt: skip
EXPECTED_GRADE = {"eim": Grade.B, "symmetric": Grade.D, "udp-blocked": Grade.E, "none": Grade.A}
PAIRS = [("a1", "a2"), ("a1", "d1"), ("d1", "d2"), ("b1", "b2"), ("c1", "d2")]
# The path each pair must end with: hole punch for a/a, a dial to the public side for x/d.
EXPECTED_PATH = {
    ("eim", "eim"): PathType.DIRECT,
    ("eim", "none"): PathType.DIRECT,
    ("none", "none"): PathType.DIRECT,
    ("symmetric", "symmetric"): PathType.RELAYED,
    ("udp-blocked", "none"): PathType.DIRECT,
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, dict[str, LabDaemon]]]:
    root = tmp_path_factory.mktemp("lab")
    with Lab(prefix="ps") as lab:
        relay_addr = start_public_services(lab, root)
        homes = {name: lab.add_home(name, nat=kind) for name, kind in HOMES.items()}

        dirs: dict[str, NodeDir] = {}
        for name in HOMES:
            dirs[name] = make_node_dir(root, name, listen=f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}")
        daemons: dict[str, LabDaemon] = {}
        for name, home in homes.items():
            others = [n for n in HOMES if n != name]
            names = "".join(f"  {n}: {dirs[n].peer_id}\n" for n in others)
            public = "".join(
                f"  {n}: ['/ip4/{homes[n].public_ip}/tcp/{LISTEN_PORT}']\n"
                for n in others if HOMES[n] == "none"
            )  # fmt: skip
            extra = f"relay: {{addresses: ['{relay_addr}']}}\nnames:\n{names}" + (
                f"peer_addresses:\n{public}" if public else ""
            )
            config = dirs[name].config_path
            config.write_text(
                config.read_text().replace(
                    f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}']",
                    f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}'], stun_servers: "
                    f"['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']",
                ) + extra
            )  # fmt: skip
            for other in others:
                dirs[name].authorize(dirs[other])
            echo = lab.popen(home.host_ns, [sys.executable, "-m", "tests.helpers.services", "echo"],
                             cwd=REPO, stdout=-1, text=True)  # fmt: skip
            echo_port = int(echo.stdout.readline())
            config.write_text(
                config.read_text()
                + f"services:\n  echo: {{local_address: '127.0.0.1:{echo_port}'}}\n"
            )
            daemons[name] = LabDaemon(
                name, dirs[name], home.host_ns, start_in_ns(lab, home.host_ns, dirs[name])
            )
        yield lab, daemons


def _wait_grade(daemon: LabDaemon, expected: Grade, timeout: float = 45) -> object:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = api_call(daemon.endpoint, "status")
        reach = status.reachability  # type: ignore[attr-defined]
        if (
            reach is not None
            and reach.grade == expected
            and (
                expected is not Grade.B or status.circuit_addresses  # type: ignore[attr-defined]
            )
        ):
            return reach
        time.sleep(0.5)
    raise AssertionError(f"{daemon.name}: expected grade {expected}, last status {status}")


def test_grades(world: tuple[Lab, dict[str, LabDaemon]]) -> None:
    _lab, daemons = world
    for name, daemon in daemons.items():
        reach = _wait_grade(daemon, EXPECTED_GRADE[HOMES[name]])
        assert reach.reason  # type: ignore[attr-defined]


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_pair_path_and_20_mb(world: tuple[Lab, dict[str, LabDaemon]], src: str, dst: str) -> None:
    lab, daemons = world
    client, server = daemons[src], daemons[dst]
    _wait_grade(server, EXPECTED_GRADE[HOMES[dst]])
    started = time.monotonic()
    path = api_call(client.endpoint, "connect", dst)
    connect_s = time.monotonic() - started
    final = EXPECTED_PATH[(HOMES[src], HOMES[dst])]
    time_to_direct = connect_s if path.path_type is PathType.DIRECT else None  # type: ignore[attr-defined]
    if final is PathType.DIRECT and time_to_direct is None:
        # Relayed first; DCUtR must upgrade the pair to a direct connection.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            paths = api_call(client.endpoint, "paths")
            mine = next((p for p in paths if p.peer_id == server.node.peer_id), None)  # type: ignore[attr-defined]
            if mine is not None and mine.path_type is PathType.DIRECT:
                time_to_direct = time.monotonic() - started
                path = mine
                break
            time.sleep(0.1)
    assert path.path_type is final, f"{src}→{dst}: {path}"  # type: ignore[attr-defined]
    forward = api_call(client.endpoint, "open_forward", dst, "echo", "127.0.0.1:0")
    port = forward.listen_address.rsplit(":", 1)[1]  # type: ignore[attr-defined]
    out = lab.exec(client.ns, [sys.executable, "-c", EXCHANGE, port, str(20 << 20)], timeout=240)
    sent, got, size = out.stdout.split()
    assert (sent, int(size)) == (got, 20 << 20)
    result = {
        "pair": f"{src}/{dst}",
        "path": str(path.path_type),  # type: ignore[attr-defined]
        "connect_s": round(connect_s, 2),
        "time_to_direct_s": None if time_to_direct is None else round(time_to_direct, 2),
    }
    print(json.dumps(result))
    api_call(client.endpoint, "close_forward", forward.id)  # type: ignore[attr-defined]


def test_grade_follows_a_network_change(world: tuple[Lab, dict[str, LabDaemon]]) -> None:
    """The host gets an address in CGNAT space: the grade's reason changes within 10 s
    (netlink). The NAT still maps endpoint-independently, so it stays B (hole punching works
    through such a carrier NAT: tests/lab/test_carrier_nat.py), with the carrier NAT's hint."""
    lab, daemons = world
    daemon = daemons["a2"]
    _wait_grade(daemon, Grade.B)
    started = time.monotonic()
    lab.exec(daemon.ns, ["ip", "addr", "add", "100.64.9.2/24", "dev", "eth0"])
    deadline = time.monotonic() + 10
    reach = None
    while time.monotonic() < deadline:
        reach = api_call(daemon.endpoint, "status").reachability  # type: ignore[attr-defined]
        if reach is not None and reach.reason_code == "cgnat-endpoint-independent":
            break
        time.sleep(0.2)
    assert reach is not None, "no grade"
    assert (reach.grade, reach.reason_code) == (Grade.B, "cgnat-endpoint-independent"), reach
    assert reach.cgnat
    assert "UPnP" not in reach.hint
    print(json.dumps({"grade_change_s": round(time.monotonic() - started, 2)}))
