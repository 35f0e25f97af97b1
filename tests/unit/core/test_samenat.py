"""Two subnets behind one router: which of a peer's LAN addresses to dial, and when."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from app.core.reach.interfaces import InterfaceAddress, InterfaceSummary
from app.core.reach.lan import lan_dial_candidates, parse_lan_address
from app.core.reach.samenat import (
    LAN_RETRY_FIRST,
    LAN_RETRY_MAX,
    MAX_SAME_NAT_ADDRESSES,
    MIN_GAP,
    LanCandidates,
    LanDialPlan,
    lan_candidates,
    public_ips,
    same_nat_candidates,
    share_public_address,
)
from app.core.status import LanDialOutcome

WIRED = InterfaceSummary.of(
    [
        InterfaceAddress("lo", "127.0.0.1", True, 8),
        InterfaceAddress("eth0", "192.168.1.2", False, 24),
    ]
)
GUEST_PEER = ("/ip4/192.168.101.2/tcp/4001", "/ip4/10.9.0.5/tcp/4001")
OURS = ("203.0.113.101:40001",)
THEIRS = ("203.0.113.101:51234",)


def test_public_ips_reads_every_form_and_keeps_global_ones() -> None:
    got = public_ips(
        [
            "203.0.113.101:4001",
            "198.51.100.7",
            "[2001:db8::5]:4001",
            "2001:db8::6",
            "192.168.1.2:4001",  # private: no public address
            "100.64.0.1:4001",  # CGNAT
            "not an address",
            "",
        ]
    )
    assert got == {"203.0.113.101", "198.51.100.7", "2001:db8::5", "2001:db8::6"}


def test_share_public_address_compares_ips_not_ports() -> None:
    assert share_public_address(OURS, THEIRS)
    assert not share_public_address(OURS, ("203.0.113.102:40001",))
    assert not share_public_address((), THEIRS)
    assert not share_public_address(["192.168.1.1:1"], ["192.168.1.1:1"])  # private: no


def test_across_subnets_only_behind_the_same_public_address() -> None:
    same = lan_candidates(GUEST_PEER, WIRED, our_public=OURS, their_public=THEIRS)
    assert same == LanCandidates(on_subnet=(), across=GUEST_PEER)
    assert same.all == GUEST_PEER
    other = lan_candidates(GUEST_PEER, WIRED, our_public=OURS, their_public=["198.51.100.1:1"])
    assert other == LanCandidates((), ())
    unknown = lan_candidates(GUEST_PEER, WIRED)
    assert unknown == LanCandidates((), ())


def test_on_subnet_addresses_come_first_and_are_not_repeated() -> None:
    theirs = ("/ip4/10.9.0.5/tcp/4001", "/ip4/192.168.1.7/tcp/4001")
    got = lan_candidates(theirs, WIRED, our_public=OURS, their_public=THEIRS)
    assert got.on_subnet == ("/ip4/192.168.1.7/tcp/4001",)
    assert got.across == ("/ip4/10.9.0.5/tcp/4001",)
    assert got.all == ("/ip4/192.168.1.7/tcp/4001", "/ip4/10.9.0.5/tcp/4001")


def test_same_nat_candidates_are_bounded_and_skip_what_cannot_be_reached() -> None:
    theirs = (
        "/ip4/192.168.1.2/tcp/4001",  # our own address
        "/ip6/fd00::5/tcp/4001",  # we have no private IPv6 address
        "/ip4/203.0.113.9/tcp/4001",  # not a LAN address
        "garbage",
        *(f"/ip4/10.0.{i}.2/tcp/4001" for i in range(10)),
    )
    got = same_nat_candidates(theirs, WIRED)
    assert got == [f"/ip4/10.0.{i}.2/tcp/4001" for i in range(MAX_SAME_NAT_ADDRESSES)]
    no_lan = InterfaceSummary.of([InterfaceAddress("eth0", "203.0.113.9", False, 24)])
    assert same_nat_candidates(GUEST_PEER, no_lan) == []


_v4 = st.builds(
    lambda a, b, c, port: f"/ip4/{a}.{b}.{c}.2/tcp/{port}",
    st.sampled_from(["10", "192", "203", "172"]),
    st.sampled_from(["0", "168", "16", "0"]),
    st.integers(0, 255),
    st.integers(0, 70000),
)
_texts = st.lists(st.one_of(_v4, st.text(max_size=30)), max_size=40)


@given(_texts, st.booleans())
def test_candidates_are_only_the_peers_own_valid_lan_addresses(
    theirs: list[str], same_nat: bool
) -> None:
    public = THEIRS if same_nat else ("198.51.100.1:1",)
    got = lan_candidates(theirs, WIRED, our_public=OURS, their_public=public)
    assert len(got.across) <= MAX_SAME_NAT_ADDRESSES
    assert len(set(got.all)) == len(got.all)
    assert got.on_subnet == tuple(lan_dial_candidates(theirs, WIRED))
    if not same_nat:
        assert got.across == ()
    for text in got.all:
        assert text in theirs  # never an address the peer did not tell us
        ip, _ = parse_lan_address(text)
        assert str(ip) not in WIRED.ips
    for text in got.across:
        assert ipaddress.ip_address(text.split("/")[2]) not in ipaddress.ip_network(
            "192.168.1.0/24"
        )


ACROSS = LanCandidates((), GUEST_PEER)


def test_plan_records_a_failure_and_backs_off() -> None:
    plan = LanDialPlan()
    dial = plan.begin("p", ACROSS, now=0.0, wall=1000.0)
    assert dial is not None
    assert dial.outcome is LanDialOutcome.TRYING
    assert dial.same_nat
    assert dial.addresses == GUEST_PEER
    assert plan.begin("p", ACROSS, now=0.1, wall=1000.1) is None  # one at a time, spaced
    failed = plan.end("p", None, wall=1003.0)
    assert failed is not None
    assert failed.outcome is LanDialOutcome.FAILED
    assert failed.at == 1003.0
    assert failed.retry_at == 1000.0 + LAN_RETRY_FIRST
    assert plan.last("p") == failed
    assert plan.begin("p", ACROSS, now=LAN_RETRY_FIRST - 1, wall=0) is None
    again = plan.begin("p", ACROSS, now=LAN_RETRY_FIRST, wall=2000.0)
    assert again is not None
    assert again.retry_at == 2000.0 + 2 * LAN_RETRY_FIRST


def test_plan_records_success() -> None:
    plan = LanDialPlan()
    assert plan.begin("p", ACROSS, now=0.0, wall=5.0) is not None
    worked = plan.end("p", GUEST_PEER[0], wall=6.0)
    assert worked is not None
    assert (worked.outcome, worked.address, worked.retry_at) == (
        LanDialOutcome.WORKED,
        GUEST_PEER[0],
        None,
    )
    assert plan.end("other", None, wall=7.0) is None
    assert plan.last("other") is None


def test_plan_dials_new_addresses_at_once_and_after_a_change_not_before_min_gap() -> None:
    plan = LanDialPlan()
    assert plan.begin("p", ACROSS, now=0.0, wall=0.0) is not None
    plan.end("p", None, wall=3.0)
    moved = LanCandidates((), ("/ip4/10.9.0.77/tcp/4001",))
    assert plan.begin("p", moved, now=1.0, wall=1.0) is not None  # the peer moved: at once
    plan.end("p", None, wall=4.0)
    plan.changed("p")
    assert plan.begin("p", moved, now=MIN_GAP - 0.5, wall=0) is None
    changed = plan.begin("p", moved, now=MIN_GAP + 1.0, wall=100.0)
    assert changed is not None
    assert changed.retry_at == 100.0 + LAN_RETRY_FIRST
    plan.changed()  # our network: every peer
    assert plan.begin("p", moved, now=2 * MIN_GAP + 1.0, wall=0) is not None
    assert plan.begin("q", LanCandidates((), ()), now=0.0, wall=0.0) is None


@given(st.lists(st.tuples(st.floats(0, 5000), st.booleans()), max_size=60))
def test_plan_never_dials_the_same_addresses_in_a_tight_loop(
    steps: list[tuple[float, bool]],
) -> None:
    """Whatever the ticks and changes, two dials of one address set are MIN_GAP apart, and
    without a change in between at least the back-off, which never exceeds LAN_RETRY_MAX."""
    plan = LanDialPlan()
    last: float | None = None
    changed_since = False
    for now, change in sorted(steps):
        if change:
            plan.changed("p")
            changed_since = True
        dial = plan.begin("p", ACROSS, now=now, wall=now)
        if dial is None:
            continue
        assert dial.retry_at is not None
        assert LAN_RETRY_FIRST - 1e-6 <= dial.retry_at - now <= LAN_RETRY_MAX + 1e-6
        if last is not None:
            assert now - last >= MIN_GAP
            if not changed_since:
                assert now - last >= LAN_RETRY_FIRST
        plan.end("p", None, wall=now)
        last, changed_since = now, False
