"""Two peers behind one router on two routed subnets: the pair must end DIRECT over the LAN.

The home's router has two LANs (192.168.1.0/24 and 10.1.1.0/24, ``Lab.add_subnet``), routes
between them and NATs both to one WAN address, without hairpinning; mDNS is off. The peers share
no subnet, so the shared-subnet LAN dial does not apply, and hole punching through the public
address cannot work. They meet through the relay and tell each other (authorized peers only)
their grade: the same public address, and their private addresses. Each then dials the other's
private address across the router (``app.core.reach.samenat``) and keeps how it went.

The negative case: the router drops what passes between its LANs (a guest network). The dial
fails, is kept as failed with its next try 30 s later, the pair stays RELAYED, and the daemon
does not dial again in the meantime; once the router routes again, that next try makes the pair
DIRECT.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.api.transport import ApiEndpoint
from app.core.reach.samenat import LAN_RETRY_FIRST
from app.core.status import LanDial, LanDialOutcome, PathInfo, PathType
from app.engine.paths import UPGRADE_RETRY_TICK
from tests.helpers.nodes import NodeDir, make_node_dir
from tests.lab.daemons import (
    EXCHANGE,
    LISTEN_PORT,
    REPO,
    STUN_PORT,
    api_call,
    start_in_ns,
    start_public_services,
)
from tests.lab.netlab import Home, Lab, unavailable_reason

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))

DIRECT_BOUND = 10.0  # s from the first (relayed) connection to DIRECT
FAILED_BOUND = 15.0  # s until the failed dial is recorded
QUIET = 12.0  # s the pair is watched after the failure: no new dial, still RELAYED
FORWARD_BYTES = 8 << 20
FAILED_LINE = re.compile(r"LAN dial across subnets \(same public address\) of \S+ failed")


@dataclass
class Pair:
    lab: Lab
    home: Home
    ips: tuple[str, str]  # the two hosts' private addresses (192.168.1.2, 10.1.1.2)
    ns: tuple[str, str]
    nodes: tuple[NodeDir, NodeDir]
    ends: tuple[ApiEndpoint, ApiEndpoint]


@pytest.fixture
def pair(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Pair]:
    """Two authorized hosts on the two LANs of one router; ``request.param``: routed or not."""
    with Lab(prefix="psn") as lab:
        relay_addr = start_public_services(lab, tmp_path)
        home = lab.add_home("h", nat="eim")
        lab.add_subnet(home)
        guest = lab.add_host(home, "g", subnet=1)
        if not request.param:
            lab.set_subnet_routing(home, False)
        nss = (home.host_ns, guest)
        nodes = tuple(
            make_node_dir(tmp_path, n, listen=f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}") for n in ("a", "b")
        )
        nodes[0].authorize(nodes[1])
        nodes[1].authorize(nodes[0])
        for ns, node, other in zip(nss, nodes, ("b", "a"), strict=True):
            echo_argv = [sys.executable, "-m", "tests.helpers.services", "echo"]
            echo = lab.popen(ns, echo_argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
            assert echo.stdout is not None
            echo_port = int(echo.stdout.readline())
            other_id = nodes[1].peer_id if other == "b" else nodes[0].peer_id
            text = node.config_path.read_text().replace(
                f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}']",
                f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}'], stun_servers: "
                f"['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']",
            )
            node.config_path.write_text(
                text
                + f"relay: {{addresses: ['{relay_addr}']}}\n"
                + f"names:\n  {other}: {other_id}\n"
                + f"services:\n  echo: {{local_address: '127.0.0.1:{echo_port}'}}\n"
            )
        ends = tuple(start_in_ns(lab, ns, n) for ns, n in zip(nss, nodes, strict=True))
        yield Pair(lab, home, (home.lan_ip, "10.1.1.2"), nss, nodes, ends)  # type: ignore[arg-type]


def _wait_ready(*ends: ApiEndpoint) -> None:
    """A relay reservation and a STUN verdict (the public address the peers compare)."""
    for end in ends:
        deadline = time.monotonic() + 45
        while True:
            status = api_call(end, "status")
            reach = status.reachability  # type: ignore[attr-defined]
            if status.circuit_addresses and reach is not None and reach.public_addresses:  # type: ignore[attr-defined]
                break
            assert time.monotonic() < deadline, f"not ready: {status}"
            time.sleep(0.3)


def _path(end: ApiEndpoint, peer_id: str) -> PathInfo | None:
    paths: list[PathInfo] = api_call(end, "paths")  # type: ignore[assignment]
    return next((p for p in paths if p.peer_id == peer_id), None)


def _ip_of(address: str) -> str:
    return address.split("/")[2]


@pytest.mark.parametrize("pair", [True], indirect=True, ids=["routed"])
def test_two_subnets_behind_one_router_end_direct(pair: Pair) -> None:
    (a, b), (na, nb) = pair.ends, pair.nodes
    _wait_ready(a, b)
    first = api_call(a, "connect", nb.peer_id)
    assert first.path_type is PathType.RELAYED, first  # type: ignore[attr-defined]
    started = time.monotonic()
    path = _path(a, nb.peer_id)
    while time.monotonic() - started < DIRECT_BOUND:
        path = _path(a, nb.peer_id)
        if path is not None and path.path_type is PathType.DIRECT:
            break
        time.sleep(0.1)
    took = time.monotonic() - started
    info = f"after {took:.1f} s: {path}\n{pair.lab.describe()}"
    assert path is not None, info
    assert path.path_type is PathType.DIRECT, info
    assert _ip_of(path.address) == pair.ips[1], info
    back = _path(b, na.peer_id)
    assert back is not None, info
    assert back.path_type is PathType.DIRECT, back
    assert _ip_of(back.address) == pair.ips[0], back
    print(f"two subnets: DIRECT {took:.2f} s after the relayed connect via {path.address}")

    # What was kept: the dialling side's own dial worked across subnets; neither side failed
    # (the side that gave the other's dial a head start may still be "trying" for a second).
    settle = time.monotonic() + 5
    while True:
        ends = ((a, nb.peer_id), (b, na.peer_id))
        dials = [p.lan_dial for p in (_path(e, pid) for e, pid in ends) if p and p.lan_dial]
        if time.monotonic() > settle or all(d.outcome is not LanDialOutcome.TRYING for d in dials):
            break
        time.sleep(0.1)
    assert dials, (path, back)
    assert all(d.outcome is LanDialOutcome.WORKED for d in dials), dials
    assert any(d.same_nat and d.address for d in dials), dials
    for d in dials:
        assert set(d.addresses) & {f"/ip4/{ip}/tcp/{LISTEN_PORT}" for ip in pair.ips}, d
    logs = [(n.path / "daemon.log").read_text() for n in pair.nodes]
    assert any("direct LAN path across subnets (same public address)" in t for t in logs)

    forward = api_call(a, "open_forward", "b", "echo", "127.0.0.1:0")
    port = forward.listen_address.rsplit(":", 1)[1]  # type: ignore[attr-defined]
    out = pair.lab.exec(pair.ns[0], [sys.executable, "-c", EXCHANGE, port, str(FORWARD_BYTES)],
                        timeout=60)  # fmt: skip
    sent, got, size = out.stdout.split()
    assert (sent, int(size)) == (got, FORWARD_BYTES)
    still = _path(a, nb.peer_id)
    assert still is not None
    assert still.path_type is PathType.DIRECT, still
    assert _ip_of(still.address) == pair.ips[1], still
    api_call(a, "close_forward", forward.id)  # type: ignore[attr-defined]


@pytest.mark.parametrize("pair", [False], indirect=True, ids=["dropped"])
def test_a_router_that_drops_between_its_lans_leaves_the_pair_relayed(pair: Pair) -> None:
    (a, b), (na, nb) = pair.ends, pair.nodes
    _wait_ready(a, b)
    api_call(a, "connect", nb.peer_id)
    deadline = time.monotonic() + FAILED_BOUND
    dials: list[LanDial] = []
    while time.monotonic() < deadline:  # both sides dial (one a second later), both fail
        paths = (_path(a, nb.peer_id), _path(b, na.peer_id))
        dials = [p.lan_dial for p in paths if p is not None and p.lan_dial is not None]
        if len(dials) == 2 and all(d.outcome is LanDialOutcome.FAILED for d in dials):
            break
        time.sleep(0.2)
    info = f"{dials}\n{pair.lab.describe()}"
    assert len(dials) == 2, info
    for dial in dials:
        assert dial.outcome is LanDialOutcome.FAILED, info
        assert dial.same_nat, info
        assert dial.retry_at is not None, info
        assert dial.retry_at - dial.at >= LAN_RETRY_FIRST - 5, info
    assert set(dials[0].addresses) == {f"/ip4/{pair.ips[1]}/tcp/{LISTEN_PORT}"}, info
    assert set(dials[1].addresses) == {f"/ip4/{pair.ips[0]}/tcp/{LISTEN_PORT}"}, info

    def failures() -> list[int]:
        return [len(FAILED_LINE.findall((n.path / "daemon.log").read_text())) for n in pair.nodes]

    counted = failures()
    assert counted == [1, 1], counted
    time.sleep(QUIET)
    assert failures() == counted, "dialled again within the back-off"
    for end, peer in ((a, nb.peer_id), (b, na.peer_id)):
        path = _path(end, peer)
        assert path is not None
        assert path.path_type is PathType.RELAYED, path
    print(f"dropped between LANs: failed dials kept {dials}; no new dial in {QUIET:.0f} s")

    # The router routes again: nothing tells the daemons, the next try (retry_at) finds it.
    pair.lab.set_subnet_routing(pair.home, True)
    due = max(d.retry_at or 0 for d in dials) - time.time()
    bound = due + 2 * UPGRADE_RETRY_TICK  # the retry runs on a 5 s tick
    started = time.monotonic()
    path = _path(a, nb.peer_id)
    while time.monotonic() - started < bound:
        path = _path(a, nb.peer_id)
        if path is not None and path.path_type is PathType.DIRECT:
            break
        time.sleep(0.2)
    assert path is not None
    assert path.path_type is PathType.DIRECT, path
    assert _ip_of(path.address) == pair.ips[1], path
    took = time.monotonic() - started
    print(f"routed again: DIRECT {took:.1f} s later (the next try was due in {due:.1f} s)")
