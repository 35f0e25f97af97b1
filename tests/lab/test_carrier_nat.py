"""Grades and paths behind a NAT beyond the home router: carrier NAT and double NAT, real daemons.

Homes (each host behind its own endpoint-independent home router unless said otherwise):

* ``ce``: behind an endpoint-independent carrier NAT (the router's WAN is 100.64.x);
* ``cs``: behind a symmetric carrier NAT;
* ``cg``: the lab's "CGNAT-like" home: the host itself in 100.64.1.0/24 behind an
  endpoint-independent NAT (a phone on mobile data);
* ``de``: behind another private router (10.9.0.0/24, endpoint-independent): double NAT;
* ``ds``: the same with a symmetric outer router;
* ``a``: a plain endpoint-independent home, the peer every other home dials.

STUN is Debian's stund (tests/lab/daemons.py). Each grade is asserted with its reason code and
what its hint may and may not say (never "enable UPnP" behind a NAT beyond the router), then the
path each home gets to ``a``: DIRECT by hole punching when both mappings are
endpoint-independent (carrier NAT or not), RELAYED otherwise, exactly what the grades predict
(:func:`app.core.reach.reachability.expected_path`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.reach.reachability import expected_path
from app.core.status import Grade, PathType
from tests.helpers.nodes import make_node_dir
from tests.lab.daemons import (
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

# home -> (grade, reason code, words the hint must contain)
EXPECTED = {
    "ce": (Grade.B, "cgnat-endpoint-independent", ("ISP", "IPv6")),
    "cs": (Grade.E, "cgnat", ("ISP", "IPv6")),
    "cg": (Grade.B, "cgnat-endpoint-independent", ("ISP", "IPv6")),
    "de": (Grade.B, "double-nat", ("bridge mode", "both routers")),
    "ds": (Grade.D, "double-nat-symmetric", ("bridge mode", "both routers")),
    "a": (Grade.B, "endpoint-independent", ("UPnP",)),
    "b": (Grade.B, "endpoint-independent", ("UPnP",)),
}
# (dialer, dialed) -> path. ``a`` is dialed (it starts the hole punch: DCUtR's initiator is the
# side that accepted the relayed connection); ``b`` dials, so the homes behind a carrier NAT
# start the hole punch themselves.
PAIRS = {
    ("ce", "a"): PathType.DIRECT,
    ("cg", "a"): PathType.DIRECT,
    ("de", "a"): PathType.DIRECT,
    ("cs", "a"): PathType.RELAYED,
    ("ds", "a"): PathType.RELAYED,
    ("b", "cg"): PathType.DIRECT,
    ("b", "ce"): PathType.DIRECT,
}


def _build(lab: Lab) -> dict[str, str]:
    """The homes; returns home name -> host namespace."""
    carrier_eim = lab.add_carrier_nat("ispe", nat="eim")
    carrier_sym = lab.add_carrier_nat("isps", nat="symmetric")
    outer_eim = lab.add_outer_router("oute", nat="eim", inside_net="10.9.0.0/24")
    outer_sym = lab.add_outer_router("outs", nat="symmetric", inside_net="10.10.0.0/24")
    homes = {
        "ce": lab.add_home("ce", nat="eim", behind=carrier_eim),
        "cs": lab.add_home("cs", nat="eim", behind=carrier_sym),
        "cg": lab.add_home("cg", nat="eim", lan_net="100.64.1.0/24"),
        "de": lab.add_home("de", nat="eim", behind=outer_eim),
        "ds": lab.add_home("ds", nat="eim", behind=outer_sym),
        "a": lab.add_home("a", nat="eim"),
        "b": lab.add_home("b", nat="eim"),
    }
    return {name: home.host_ns for name, home in homes.items()}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, dict[str, LabDaemon]]]:
    root = tmp_path_factory.mktemp("carrier")
    with Lab(prefix="pc") as lab:
        relay_addr = start_public_services(lab, root)
        namespaces = _build(lab)
        dirs = {
            n: make_node_dir(root, n, listen=f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}") for n in namespaces
        }
        stun = f"stun_servers: ['{lab.stun1.ip}:{STUN_PORT}', '{lab.stun2.ip}:{STUN_PORT}']"
        for name, node in dirs.items():
            others = {n: d.peer_id for n, d in dirs.items() if n != name}
            config = node.config_path.read_text().replace(
                f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}']",
                f"listen_addresses: ['/ip4/0.0.0.0/tcp/{LISTEN_PORT}'], {stun}",
            )
            names = "".join(f"  {n}: {pid}\n" for n, pid in others.items())
            node.config_path.write_text(
                config + f"relay: {{addresses: ['{relay_addr}']}}\nnames:\n{names}"
            )
            for other in others:
                node.authorize(dirs[other])
        daemons = {
            name: LabDaemon(name, node, namespaces[name], start_in_ns(lab, namespaces[name], node))
            for name, node in dirs.items()
        }
        yield lab, daemons


def _wait_grade(daemon: LabDaemon, code: str, timeout: float = 45) -> object:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = api_call(daemon.endpoint, "status")
        reach = status.reachability  # type: ignore[attr-defined]
        if reach is not None and reach.reason_code == code and status.circuit_addresses:  # type: ignore[attr-defined]
            return reach
        time.sleep(0.5)
    raise AssertionError(f"{daemon.name}: expected {code}, last status {status}")


def test_grades_and_hints(world: tuple[Lab, dict[str, LabDaemon]]) -> None:
    lab, daemons = world
    for name, (grade, code, words) in EXPECTED.items():
        reach = _wait_grade(daemons[name], code)
        assert reach.grade is grade, (name, reach)  # type: ignore[attr-defined]
        hint = reach.hint  # type: ignore[attr-defined]
        for word in words:
            assert word in hint, (name, hint)
        if name not in ("a", "b"):
            assert "enable UPnP" not in hint, (name, hint)
        assert reach.cgnat is name.startswith("c"), (name, reach)  # type: ignore[attr-defined]
        # the mapped address STUN saw is the outermost NAT's public address
        assert any(a.startswith("203.0.113.") for a in reach.public_addresses), reach  # type: ignore[attr-defined]
    print(lab.describe())


@pytest.mark.parametrize(("src", "dst"), list(PAIRS))
def test_path_is_what_the_grades_predict(
    world: tuple[Lab, dict[str, LabDaemon]], src: str, dst: str
) -> None:
    _lab, daemons = world
    client, server = daemons[src], daemons[dst]
    ours = _wait_grade(client, EXPECTED[src][1])
    theirs = _wait_grade(server, EXPECTED[dst][1])
    predicted = expected_path(ours.grade, theirs.grade)  # type: ignore[attr-defined]
    assert predicted is PAIRS[(src, dst)]
    started = time.monotonic()
    path = api_call(client.endpoint, "connect", dst)
    # DIRECT comes from DCUtR after meeting on the relay (within a second here); a pair that
    # must stay RELAYED gets 6 s, time for DCUtR's attempts to fail.
    deadline = started + (12 if PAIRS[(src, dst)] is PathType.DIRECT else 6)
    while time.monotonic() < deadline:
        paths = api_call(client.endpoint, "paths")
        mine = next((p for p in paths if p.peer_id == server.node.peer_id), None)  # type: ignore[attr-defined]
        if mine is not None:
            path = mine
            if mine.path_type is PathType.DIRECT:
                break
        time.sleep(0.2)
    assert path.path_type is PAIRS[(src, dst)], f"{src}→{dst}: {path}"  # type: ignore[attr-defined]
    elapsed = round(time.monotonic() - started, 2)
    print(json.dumps({"pair": f"{src}/{dst}", "path": str(path.path_type), "s": elapsed}))  # type: ignore[attr-defined]


def test_lab_topology(world: tuple[Lab, dict[str, LabDaemon]]) -> None:
    """The routers each home's host sees on the way out (what the grade's hop probe measures)."""
    lab, daemons = world
    target = (lab.stun1.ip, STUN_PORT)
    probe = (
        "import sys, trio; from app.engine.hops import probe_hops; "
        "hops = trio.run(probe_hops, (sys.argv[1], int(sys.argv[2]))); "
        "print(' '.join(f'{h.ttl}:{h.address}' for h in hops))"
    )
    hops = {}
    for name, daemon in daemons.items():
        argv = [sys.executable, "-c", probe, target[0], str(target[1])]
        hops[name] = lab.exec(daemon.ns, argv, cwd=REPO).stdout.split()
    print(json.dumps(hops))
    inside = {"ce": "100.64.100.1", "cs": "100.64.101.1", "de": "10.9.0.1", "ds": "10.10.0.1"}
    for name, outer in inside.items():  # the home router, then the NAT beyond it
        assert len(hops[name]) == 2, hops
        assert hops[name][0].startswith("1:192.168."), hops
        assert hops[name][1] == f"2:{outer}", hops
    assert hops["cg"] == ["1:100.64.1.1"], hops  # the host's own router is the carrier NAT
    for plain in ("a", "b"):  # one router, then the STUN host (which sends no ICMP)
        assert len(hops[plain]) == 1, hops
        assert hops[plain][0].startswith("1:192.168."), hops
