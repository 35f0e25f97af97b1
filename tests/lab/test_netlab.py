"""Proof that the NAT lab's NAT kinds behave as documented, with real packets through real NAT.

Skipped (with the reason) unless root with ``ip`` and ``iptables`` and working network namespaces.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab import netlab
from tests.lab.netlab import Home, Lab

_REASON = netlab.unavailable_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")

UDP_TOOLS = Path(__file__).with_name("udp_tools.py")
REPO = Path(__file__).resolve().parents[2]
STUN_PORT = 3478  # udp_tools.py whoami (UDP)
TCP_PORT = 3479  # udp_tools.py whoami (TCP)
REAL_STUN_PORT = 3480  # tests/helpers/stun_server.py, when present
HAVE_REAL_STUN = importlib.util.find_spec("tests.helpers.stun_server") is not None
STUND = shutil.which("stund")  # Debian's stund (package stun-server): nobody here wrote it
STUND_PORT = 3482  # and 3483, its second port


class Agent:
    """One UDP socket in a lab namespace (udp_tools.py agent), driven over JSON lines."""

    def __init__(self, lab: Lab, ns: str) -> None:
        self.proc = lab.popen(
            ns,
            [sys.executable, str(UDP_TOOLS), "agent"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.port = int(self._next(10)["port"])

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def _next(self, timeout: float) -> dict[str, Any]:
        try:
            return json.loads(self.lines.get(timeout=timeout))
        except queue.Empty:
            dead = self.proc.poll() is not None
            err = self.proc.stderr.read() if dead and self.proc.stderr else ""
            raise AssertionError(f"agent gave no answer in {timeout} s {err}") from None

    def send(self, cmd: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def call(self, cmd: dict[str, Any]) -> dict[str, Any]:
        self.send(cmd)
        return self._next(float(cmd.get("timeout", 2.0)) + 5)

    def probe(self, lab: Lab, timeout: float = 1.5) -> dict[str, str | None]:
        servers = [[lab.stun1.ip, STUN_PORT], [lab.stun2.ip, STUN_PORT]]
        out = self.call({"op": "probe", "servers": servers, "timeout": timeout})
        assert out["port"] == self.port
        return {
            "stun1": out["mapped"][f"{lab.stun1.ip}:{STUN_PORT}"],
            "stun2": out["mapped"][f"{lab.stun2.ip}:{STUN_PORT}"],
        }

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _start_whoami(lab: Lab, ns: str) -> None:
    proc = lab.popen(
        ns,
        [sys.executable, str(UDP_TOOLS), "serve", "--udp", str(STUN_PORT), "--tcp", str(TCP_PORT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # bounded: the server prints "ready" or exits at once
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line


HOMES = {
    "ea": "eim",
    "eb": "eim",
    "sa": "symmetric",
    "sb": "symmetric",
    "ua": "udp-blocked",
    "na": "none",
    "nb": "none",
    "ca": "eim",  # CGNAT-like: the host's own address is in 100.64.0.0/10
    "mv": "eim",  # mutated by the network-change test
}
LAN_NETS = {"ca": "100.64.7.0/24"}
# Homes whose router sits behind another NAT: (outer router, its NAT kind, inside network).
OUTER = {"ispe": ("eim", "100.64.100.0/24"), "isps": ("symmetric", "100.64.101.0/24"),
         "oute": ("eim", "10.9.0.0/24")}  # fmt: skip
BEHIND = {"ce": "ispe", "cs": "isps", "de": "oute"}  # carrier eim, carrier symmetric, double NAT


def _host_snapshot() -> dict[str, Any]:
    links = json.loads(subprocess.run(
        ["ip", "-j", "link", "show"], capture_output=True, text=True, timeout=10, check=True
    ).stdout)  # fmt: skip
    rules = subprocess.run(
        ["iptables-save"], capture_output=True, text=True, timeout=10, check=False
    ).stdout
    return {
        "links": {link["ifname"] for link in links},
        "rules": "\n".join(line for line in rules.splitlines() if not line.startswith("#")),
        "forward": Path("/proc/sys/net/ipv4/ip_forward").read_text(),
    }


def _lab_namespaces(tag: str) -> list[str]:
    return [ns for ns in netlab.list_namespaces() if ns.startswith(f"{tag}-")]


@pytest.fixture(scope="module")
def host_before() -> dict[str, Any]:
    return _host_snapshot()


def _start_real_stun(lab: Lab, ns: str) -> None:
    proc = lab.popen(
        ns,
        [sys.executable, "-m", "tests.helpers.stun_server", "--port", str(REAL_STUN_PORT)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the bound port, or EOF if it died
    assert line.strip() == str(REAL_STUN_PORT), proc.stderr.read() if proc.stderr else line


@pytest.fixture(scope="module")
def lab(host_before: dict[str, Any]) -> Iterator[Lab]:
    with Lab() as lab:
        for name, kind in HOMES.items():
            lab.add_home(name, nat=kind, lan_net=LAN_NETS.get(name))
        outers = {
            name: lab.add_outer_router(name, kind, inside_net=net)
            for name, (kind, net) in OUTER.items()
        }
        for name, outer in BEHIND.items():
            lab.add_home(name, nat="eim", behind=outers[outer])
        for host in (lab.stun1, lab.stun2, lab.relay):
            _start_whoami(lab, host.ns)
        if HAVE_REAL_STUN:
            for host in (lab.stun1, lab.stun2):
                _start_real_stun(lab, host.ns)
        if STUND is not None:  # Debian's stund: two addresses, two ports
            for host, alt in ((lab.stun1, netlab.STUN1_ALT_IP), (lab.stun2, netlab.STUN2_ALT_IP)):
                lab.add_public_address(host, alt)
                lab.popen(host.ns, [STUND, "-h", host.ip, "-a", alt, "-p", str(STUND_PORT),
                                    "-o", str(STUND_PORT + 1)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)  # fmt: skip
        yield lab
    assert _lab_namespaces(lab.tag) == [], "lab namespaces survived teardown"
    assert all(p.poll() is not None for p in lab.procs)


def _port(addr: str | None) -> int:
    assert addr is not None
    return int(addr.rsplit(":", 1)[1])


def _ip(addr: str | None) -> str:
    assert addr is not None
    return addr.rsplit(":", 1)[0]


def test_topology_is_built(lab: Lab) -> None:
    names = set(_lab_namespaces(lab.tag))
    assert {h.ns for h in lab.hosts.values()} <= names
    assert {lab.relay.ip, lab.stun1.ip, lab.stun2.ip} == {"203.0.113.10", "203.0.113.20",
                                                          "203.0.113.21"}  # fmt: skip
    for home in lab.homes.values():
        assert home.host_ns in names
        out = lab.exec(home.host_ns, ["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
        assert f" {home.lan_ip}/" in out
        if home.nat == "none":
            assert home.router_ns is None
            assert home.lan_ip == home.public_ip
        else:
            assert home.router_ns in names
            assert home.lan_ip.startswith(("192.168.", "100.64."))
            links = lab.exec(home.router_ns, ["ip", "-o", "link"]).stdout
            assert " wan@" in links
            assert " lan:" in links
        assert home.public_ip.startswith("203.0.113.")
    # no route leaves the lab: the public "gateway" does not forward
    fwd = lab.exec(lab.pub_ns, ["sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip()
    assert fwd == "0", lab.describe()


@pytest.mark.parametrize("name", ["ea", "sa", "ua", "na", "ca"])
def test_udp_mapping_from_one_socket(lab: Lab, name: str) -> None:
    home = lab.homes[name]
    agent = Agent(lab, home.host_ns)
    try:
        mapped = agent.probe(lab, timeout=1.0 if home.nat == "udp-blocked" else 3.0)
    finally:
        agent.close()
    info = f"{name} ({home.nat}) socket port {agent.port}: {mapped}\n{lab.describe()}"
    if home.nat == "udp-blocked":
        assert mapped == {"stun1": None, "stun2": None}, info
        return
    assert mapped["stun1"], info
    assert mapped["stun2"], info
    assert _ip(mapped["stun1"]) == _ip(mapped["stun2"]) == home.public_ip, info
    if home.nat == "eim":
        assert _port(mapped["stun1"]) == _port(mapped["stun2"]), info
        assert _port(mapped["stun1"]) == agent.port, info  # masquerade kept the port
    elif home.nat == "symmetric":
        assert _port(mapped["stun1"]) != _port(mapped["stun2"]), info
    else:  # none
        assert mapped["stun1"] == mapped["stun2"] == f"{home.public_ip}:{agent.port}", info


PROBE_SCRIPT = """
import json, sys, trio
from app.engine.reachability import probe_stun
servers = [(sys.argv[1], int(sys.argv[3])), (sys.argv[2], int(sys.argv[3]))]
r = trio.run(lambda: probe_stun(servers, timeout=0.7, retries=1))
print(json.dumps({"mapping": str(r.mapping), "udp_blocked": r.udp_blocked,
                  "external": r.external_addresses, "local_port": r.local_port}))
"""


@pytest.mark.parametrize("server", ["ours", "stund"])
@pytest.mark.parametrize(
    ("name", "mapping", "blocked"),
    [("ea", "endpoint-independent", False), ("sa", "address-dependent", False),
     ("ua", "unknown", True), ("na", "no-nat", False), ("ca", "endpoint-independent", False),
     ("ce", "endpoint-independent", False), ("cs", "address-dependent", False),
     ("de", "endpoint-independent", False)],
)  # fmt: skip
def test_real_stun_server_and_project_prober(
    lab: Lab, server: str, name: str, mapping: str, blocked: bool
) -> None:
    """A STUN server on stun1/stun2 (ours, tests/helpers/stun_server.py, or Debian's stund),
    app.engine.reachability.probe_stun in a home."""
    if server == "ours" and not HAVE_REAL_STUN:
        pytest.skip("tests/helpers/stun_server.py not there")
    if server == "stund" and STUND is None:
        pytest.skip("stund not installed (apt-get install stun-server)")
    port = REAL_STUN_PORT if server == "ours" else STUND_PORT
    home = lab.homes[name]
    argv = [sys.executable, "-c", PROBE_SCRIPT, lab.stun1.ip, lab.stun2.ip, str(port)]
    out = json.loads(lab.exec(home.host_ns, argv, cwd=REPO, timeout=20).stdout)
    info = f"{name} ({home.nat}): {out}"
    assert out["mapping"] == mapping, info
    assert out["udp_blocked"] is blocked, info
    if not blocked:
        assert {ip for ip, _ in out["external"]} == {home.public_ip}, info


@pytest.mark.parametrize("name", list(BEHIND))
def test_udp_mapping_behind_an_outer_router(lab: Lab, name: str) -> None:
    """Two NATs in a row: STUN sees the outer router's public address, and the mapping is the
    outer NAT's kind (the home router keeps the port, so an eim outer NAT keeps it too)."""
    home = lab.homes[name]
    assert home.outer is not None
    agent = Agent(lab, home.host_ns)
    try:
        mapped = agent.probe(lab, timeout=3.0)
    finally:
        agent.close()
    info = f"{name} (behind {home.outer.name}, {home.outer.nat}): {mapped}\n{lab.describe()}"
    assert _ip(mapped["stun1"]) == _ip(mapped["stun2"]) == home.outer.public_ip, info
    assert home.public_ip == home.outer.public_ip, info
    if home.outer.nat == "eim":
        assert _port(mapped["stun1"]) == _port(mapped["stun2"]) == agent.port, info
    else:
        assert _port(mapped["stun1"]) != _port(mapped["stun2"]), info


HOPS_SCRIPT = """
import sys, trio
from app.engine.hops import probe_hops
hops = trio.run(probe_hops, (sys.argv[1], int(sys.argv[2])))
print(" ".join(f"{h.ttl}:{h.address}" for h in hops))
"""


@pytest.mark.parametrize("name", ["ea", "ca", *BEHIND])
def test_hops_show_the_nat_beyond_the_router(lab: Lab, name: str) -> None:
    """app.engine.hops (TTL-limited datagrams, ICMP Time Exceeded) towards stun1: the home
    router's LAN address at TTL 1, the outer router's inside address at TTL 2 (100.64/10 for a
    carrier NAT), nothing more (stun1 is on the public segment, which is one bridge)."""
    home = lab.homes[name]
    argv = [sys.executable, "-c", HOPS_SCRIPT, lab.stun1.ip, str(STUN_PORT)]
    hops = lab.exec(home.host_ns, argv, cwd=REPO, timeout=20).stdout.split()
    expected = [f"1:{home.router_lan_ip}"]
    if home.outer is not None:
        expected.append(f"2:{home.outer.inside_ip}")
    assert hops == expected, (name, hops, lab.describe())


@pytest.mark.parametrize("name", ["eb", "sb", "ua", "nb", *BEHIND])
def test_tcp_to_relay_is_seen_from_public_ip(lab: Lab, name: str) -> None:
    home = lab.homes[name]
    agent = Agent(lab, home.host_ns)
    try:
        out = agent.call({"op": "tcp", "server": [lab.relay.ip, TCP_PORT]})
    finally:
        agent.close()
    assert "error" not in out, out
    assert _ip(out["seen_as"]) == home.public_ip, (out, lab.describe())
    if home.nat == "none":
        assert _port(out["seen_as"]) == out["local_port"]


@pytest.mark.parametrize(
    ("a", "b", "expect", "early"),
    [("ea", "eb", True, False), ("ea", "eb", True, True), ("ea", "na", True, False),
     ("na", "nb", True, False), ("sa", "sb", False, False), ("ua", "eb", False, False),
     ("ce", "eb", True, False), ("de", "ea", True, False), ("ca", "ce", True, False),
     ("cs", "sb", False, False)],
)  # fmt: skip
def test_udp_hole_punching(lab: Lab, a: str, b: str, expect: bool, early: bool) -> None:
    """Both sides send to the other's stun1-mapped address; ``early``: b's datagrams reach a's
    router for 0.3 s before a sends anything (they must not spoil a's mapping)."""
    agents = [Agent(lab, lab.homes[a].host_ns), Agent(lab, lab.homes[b].host_ns)]
    try:
        mapped = [ag.probe(lab, timeout=1.0 if lab.homes[n].nat == "udp-blocked" else 3.0)
                  for ag, n in zip(agents, (a, b), strict=True)]  # fmt: skip
        # Each side aims at the address the other's socket showed stun1 (as a peer learns it
        # from a rendezvous); for udp-blocked there is none, so aim at its public ip:socket port.
        targets = [
            m["stun1"] or f"{lab.homes[n].public_ip}:{ag.port}"
            for m, n, ag in zip(mapped, (a, b), agents, strict=True)
        ]
        timeout = 3.0 if expect else 1.5
        if early:
            t = targets[0]
            early_out = agents[1].call({"op": "punch", "peer": [_ip(t), _port(t)], "timeout": 0.3})
            assert not early_out["ok"]
        for ag, peer in zip(agents, reversed(targets), strict=True):
            ag.send({"op": "punch", "peer": [_ip(peer), _port(peer)], "timeout": timeout})
        results = [ag._next(timeout + 5) for ag in agents]
    finally:
        for ag in agents:
            ag.close()
    info = f"{a}<->{b}: mapped {mapped}, punch {results}\n{lab.describe()}"
    if expect:
        assert all(r["ok"] for r in results), info
        assert results[0]["from"] == targets[1], info
        assert results[1]["from"] == targets[0], info
    else:
        assert not any(r["ok"] for r in results), info


@pytest.mark.parametrize(
    ("a", "b", "expect"),
    [("ea", "eb", True), ("ea", "na", True), ("sa", "sb", False), ("ce", "eb", True),
     ("de", "ca", True)],
)  # fmt: skip
def test_tcp_simultaneous_open(lab: Lab, a: str, b: str, expect: bool) -> None:
    """TCP hole punching as DCUtR does it: each side connects from the port it used toward the
    relay to the address the relay saw for the other side."""
    homes = [lab.homes[a], lab.homes[b]]
    agents = [Agent(lab, h.host_ns) for h in homes]
    try:
        ports = [41000 + i for i in range(2)]
        seen = []
        for ag, port in zip(agents, ports, strict=True):
            out = ag.call({"op": "tcp", "server": [lab.relay.ip, TCP_PORT], "local_port": port})
            assert "error" not in out, out
            seen.append(out["seen_as"])
        timeout = 4.0 if expect else 2.0
        for ag, port, peer in zip(agents, ports, reversed(seen), strict=True):
            ag.send({"op": "tcp-punch", "local_port": port, "peer": [_ip(peer), _port(peer)],
                     "timeout": timeout})  # fmt: skip
        results = [ag._next(timeout + 5) for ag in agents]
    finally:
        for ag in agents:
            ag.close()
    info = f"{a}<->{b}: relay saw {seen}, punch {results}\n{lab.describe()}"
    if expect:
        assert all(r["ok"] for r in results), info
    else:
        assert not any(r["ok"] for r in results), info


def test_network_change_nat_kind_and_public_ip(lab: Lab) -> None:
    home: Home = lab.homes["mv"]
    agent = Agent(lab, home.host_ns)
    try:
        before = agent.probe(lab)
        assert _port(before["stun1"]) == _port(before["stun2"]) == agent.port, before
        home.set_nat("symmetric")
        deadline = time.monotonic() + 5
        while True:  # the router forgets its mappings asynchronously (normally at once)
            after = agent.probe(lab)
            if _port(after["stun1"]) != _port(after["stun2"]) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert _port(after["stun1"]) != _port(after["stun2"]), (before, after)
        home.set_nat("eim")
        old_ip = home.public_ip
        home.move_public_ip("203.0.113.150")
        assert home.public_ip == "203.0.113.150"
        moved = agent.probe(lab)
        assert _ip(moved["stun1"]) == _ip(moved["stun2"]) == "203.0.113.150", moved
        assert _port(moved["stun1"]) == _port(moved["stun2"]), moved
        old_lan = home.lan_ip
        assert home.lan_net is not None
        home.move_lan_ip(str(home.lan_net.network_address + 77))
        assert home.lan_ip != old_lan
        fresh = Agent(lab, home.host_ns)  # the host still reaches the public side
        try:
            assert _ip(fresh.probe(lab)["stun1"]) == "203.0.113.150"
        finally:
            fresh.close()
        assert old_ip not in lab.describe()
    finally:
        agent.close()


def test_link_down_and_up(lab: Lab) -> None:
    """A host's link down: nothing gets out (no route); up again: its routes are back."""
    home: Home = lab.homes["mv"]
    home.link_down()
    try:
        routes = lab.exec(home.host_ns, ["ip", "-4", "route", "show", "default"]).stdout
        assert routes.strip() == "", routes
        addrs = lab.exec(home.host_ns, ["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
        assert home.lan_ip in addrs  # a link that is down keeps its addresses
    finally:
        home.link_up()
    agent = Agent(lab, home.host_ns)
    try:
        out = agent.call({"op": "tcp", "server": [lab.relay.ip, TCP_PORT]})
    finally:
        agent.close()
    assert "error" not in out, out
    assert _ip(out["seen_as"]) == home.public_ip, out


def test_teardown_and_stale_cleanup_leave_nothing(
    lab: Lab, host_before: dict[str, Any], tmp_path: Path
) -> None:
    # (a) a lab of every kind with a process (and its own child) inside, closed normally.
    with Lab(prefix="plt") as small:
        for i, kind in enumerate(netlab.NAT_KINDS):
            small.add_home(f"h{i}", nat=kind)
        proc = small.popen(small.homes["h0"].host_ns, ["sh", "-c", "sleep 60 & sleep 60"])
        tag = small.tag
        assert len(_lab_namespaces(tag)) == 4 + 3 * 2 + 1  # pub, 3 std, 3 routers+hosts, none
    assert _lab_namespaces(tag) == []
    assert proc.poll() is not None
    # (b) a lab whose owner is SIGKILLed: cleanup_stale removes its namespaces and processes.
    script = (
        "import sys, time\n"
        "from tests.lab.netlab import Lab\n"
        "lab = Lab(prefix='plk'); lab.start(); h = lab.add_home('a', nat='symmetric')\n"
        "lab.popen(h.host_ns, ['sleep', '60'])\n"
        "print(lab.tag, flush=True); time.sleep(60)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        ktag = owner.stdout.readline().strip()
        assert ktag.startswith("plk"), ktag
        removed = [ns for ns in netlab.cleanup_stale("plk") if ns.startswith(f"{ktag}-")]
        assert removed == []  # owner alive: untouched
        assert len(_lab_namespaces(ktag)) == 6
        stray = [int(p) for ns in _lab_namespaces(ktag) for p in netlab._ns_pids(ns)]
        assert stray, "the owner's child should be running in its namespace"
    finally:
        owner.kill()
        owner.wait(5)
    # (A concurrent run's own stale check may get there first: then ours returns fewer names.)
    removed = {ns for ns in netlab.cleanup_stale("plk") if ns.startswith(f"{ktag}-")}
    assert removed <= {f"{ktag}-{n}" for n in ("pub", "relay", "stun1", "stun2", "a-r", "a")}
    assert _lab_namespaces(ktag) == []
    time.sleep(0.1)
    assert not any(Path(f"/proc/{p}").exists() and netlab._is_alive(p) for p in stray)
    # (c) the host's own namespace is untouched: no new links, rules, or forwarding.
    after = _host_snapshot()
    assert after["rules"] == host_before["rules"]
    assert after["forward"] == host_before["forward"]
    lab_names = {"br0", "wan", "lan", "eth0", "h2", "h3"} | {f"p{i}" for i in range(1, 40)}
    assert (after["links"] - host_before["links"]) & lab_names == set()
    assert os.geteuid() == 0
