"""Proof that a home router with two LANs behaves as documented (``Lab.add_subnet``).

One home, its first LAN 192.168.1.0/24 (host ``.2``) and a second one 10.1.1.0/24 (host ``.2``)
on the same router: plain TCP between the two LANs works (routed, not NATed: each side sees the
other's private address), both leave through the one WAN address, and with
``set_subnet_routing(home, False)`` the router drops what passes between the LANs while both
still reach the public side. Skipped unless root with ``ip`` and ``iptables``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab import netlab
from tests.lab.netlab import Home, Lab, LabError
from tests.lab.test_netlab import TCP_PORT, Agent, _start_whoami

_REASON = netlab.unavailable_reason()
pytestmark = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")


@pytest.fixture(scope="module")
def two_lans() -> Iterator[tuple[Lab, Home, str]]:
    """The lab, a home with two LANs, and the namespace of the host on the second one."""
    with Lab() as lab:
        home = lab.add_home("two", nat="eim")
        sub = lab.add_subnet(home)
        guest = lab.add_host(home, "g", subnet=1)
        assert (sub.index, sub.bridge, str(sub.net), sub.router_ip) == (
            1,
            "lan1",
            "10.1.1.0/24",
            "10.1.1.1",
        )
        assert sub.hosts == {guest: "10.1.1.2"}
        assert home.extra_hosts[guest] == "10.1.1.2"
        for ns in (lab.stun1.ns, lab.stun2.ns, lab.relay.ns, home.host_ns, guest):
            _start_whoami(lab, ns)
        yield lab, home, guest


def _tcp(lab: Lab, ns: str, server: tuple[str, int]) -> dict[str, object]:
    agent = Agent(lab, ns)
    try:
        return agent.call({"op": "tcp", "server": list(server)})
    finally:
        agent.close()


def test_tcp_between_the_two_lans_is_routed_not_nated(two_lans: tuple[Lab, Home, str]) -> None:
    lab, home, guest = two_lans
    there = _tcp(lab, guest, (home.lan_ip, TCP_PORT))
    back = _tcp(lab, home.host_ns, ("10.1.1.2", TCP_PORT))
    info = f"{there} {back}\n{lab.describe()}"
    assert str(there.get("seen_as", "")).startswith("10.1.1.2:"), info
    assert str(back.get("seen_as", "")).startswith(f"{home.lan_ip}:"), info


def test_both_lans_leave_through_the_one_public_address(two_lans: tuple[Lab, Home, str]) -> None:
    lab, home, guest = two_lans
    for ns in (home.host_ns, guest):
        out = _tcp(lab, ns, (lab.relay.ip, TCP_PORT))
        assert str(out.get("seen_as", "")).split(":")[0] == home.public_ip, (out, lab.describe())
        agent = Agent(lab, ns)
        try:
            mapped = agent.probe(lab, timeout=3.0)
        finally:
            agent.close()
        assert mapped["stun1"] == mapped["stun2"] == f"{home.public_ip}:{agent.port}", mapped


def test_the_router_can_drop_traffic_between_its_lans(two_lans: tuple[Lab, Home, str]) -> None:
    lab, home, guest = two_lans
    lab.set_subnet_routing(home, False)
    try:
        lab.set_subnet_routing(home, False)  # idempotent
        cut = _tcp(lab, guest, (home.lan_ip, TCP_PORT))
        assert "timed out" in str(cut.get("error", "")), cut
        assert "error" in _tcp(lab, home.host_ns, ("10.1.1.2", TCP_PORT))
        out = _tcp(lab, guest, (lab.relay.ip, TCP_PORT))  # the internet still works
        assert str(out.get("seen_as", "")).split(":")[0] == home.public_ip, out
        home.set_nat("eim")  # a NAT change keeps the router's LANs and their rules
        assert "error" in _tcp(lab, guest, (home.lan_ip, TCP_PORT))
    finally:
        lab.set_subnet_routing(home, True)
    again = _tcp(lab, guest, (home.lan_ip, TCP_PORT))
    assert str(again.get("seen_as", "")).startswith("10.1.1.2:"), again


def test_bad_subnet_requests_are_refused(two_lans: tuple[Lab, Home, str]) -> None:
    lab, home, _ = two_lans
    with pytest.raises(LabError, match="no subnet 2"):
        lab.add_host(home, "x", subnet=2)
    with pytest.raises(LabError, match="overlaps"):
        lab.add_subnet(home, "192.168.1.128/25")
