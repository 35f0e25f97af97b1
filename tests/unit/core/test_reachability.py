"""The grader: NAT classification, address classes, every grade rule, and expected paths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import InvalidAddressError
from app.core.reach.interfaces import InterfaceAddress, InterfaceSummary, is_cgnat, is_global
from app.core.reach.reachability import (
    REASON_CODES,
    Grade,
    NatMapping,
    ProbeError,
    StunProbe,
    StunResult,
    assess,
    classify_mapping,
    expected_path,
    grade,
    parse_stun_server,
)
from app.core.reach.upstream import (
    Hop,
    UpstreamNat,
    detect_upstream_nat,
    gateway_external_ip,
    parse_recverr,
)
from app.core.status import PathType, Reachability

LOCAL_PORT = 40000
S1 = ("198.51.100.1", 3478)
S2 = ("198.51.100.2", 3478)
S1_OTHER_PORT = ("198.51.100.1", 3479)


def ok(server: tuple[str, int], mapped: tuple[str, int]) -> StunProbe:
    return StunProbe(f"{server[0]}:{server[1]}", mapped, None, server)


def fail(server: tuple[str, int], error: ProbeError = ProbeError.TIMEOUT) -> StunProbe:
    resolved = None if error is ProbeError.RESOLVE_FAILED else server
    return StunProbe(f"{server[0]}:{server[1]}", None, error, resolved)


# ---- address classes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        # Documentation ranges are the NAT lab's "internet": global on purpose.
        ("192.0.2.1", True),
        ("198.51.100.7", True),
        ("203.0.113.200", True),
        ("2001:db8::1", True),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("100.127.255.254", False),
        ("127.0.0.1", False),
        ("169.254.1.1", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fe80::1%eth0", False),
        ("fd00::2", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("not an ip", False),
        ("", False),
    ],
)
def test_is_global(ip: str, expected: bool) -> None:
    assert is_global(ip) is expected


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("100.64.0.0", True),
        ("100.100.100.100", True),
        ("100.127.255.255", True),
        ("100.63.255.255", False),
        ("100.128.0.0", False),
        ("10.0.0.1", False),
        ("::ffff:100.64.0.1", True),
        ("2001:db8::1", False),
        ("junk", False),
    ],
)
def test_is_cgnat(ip: str, expected: bool) -> None:
    assert is_cgnat(ip) is expected


@given(st.one_of(st.ip_addresses().map(str), st.text(max_size=40)))
def test_address_classes_never_raise_and_cgnat_is_never_global(text: str) -> None:
    assert not (is_cgnat(text) and is_global(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stun.l.google.com:19302", ("stun.l.google.com", 19302)),
        ("stun.example.net", ("stun.example.net", 3478)),
        ("203.0.113.1", ("203.0.113.1", 3478)),
        (" 203.0.113.1:3479 ", ("203.0.113.1", 3479)),
        ("[2001:db8::1]:3478", ("2001:db8::1", 3478)),
    ],
)
def test_parse_stun_server(text: str, expected: tuple[str, int]) -> None:
    assert parse_stun_server(text) == expected


@pytest.mark.parametrize("text", ["", "host:0", "host:99999", "::1", "a b:1", ":3478"])
def test_parse_stun_server_rejects(text: str) -> None:
    with pytest.raises(InvalidAddressError, match="STUN server"):
        parse_stun_server(text)


@given(st.text(max_size=60))
def test_parse_stun_server_only_raises_invalid_address(text: str) -> None:
    try:
        host, port = parse_stun_server(text)
    except InvalidAddressError:
        return
    assert host
    assert 0 < port <= 65535


# ---- mapping classification ----------------------------------------------------------------------

MAPPED = ("203.0.113.5", 51000)


@pytest.mark.parametrize(
    ("probes", "local_ips", "mapping", "blocked"),
    [
        pytest.param(
            [ok(S1, MAPPED), ok(S2, MAPPED)],
            (),
            NatMapping.ENDPOINT_INDEPENDENT,
            False,
            id="same-mapping-two-ips",
        ),
        pytest.param(
            [ok(S1, MAPPED), ok(S2, ("203.0.113.5", 51001))],
            (),
            NatMapping.ADDRESS_DEPENDENT,
            False,
            id="port-differs",
        ),
        pytest.param(
            [ok(S1, MAPPED), ok(S2, ("203.0.113.6", 51000))],
            (),
            NatMapping.ADDRESS_DEPENDENT,
            False,
            id="ip-differs",
        ),
        pytest.param(
            [ok(S1, MAPPED), ok(S1_OTHER_PORT, ("203.0.113.5", 9))],
            (),
            NatMapping.ADDRESS_DEPENDENT,
            False,
            id="differs-same-server-ip",
        ),
        pytest.param(
            [ok(S1, MAPPED), ok(S1_OTHER_PORT, MAPPED)],
            (),
            NatMapping.UNKNOWN,
            False,
            id="same-mapping-but-one-server-ip",
        ),
        pytest.param(
            [ok(S1, ("192.0.2.9", LOCAL_PORT)), ok(S2, ("192.0.2.9", LOCAL_PORT))],
            ("192.0.2.9",),
            NatMapping.NO_NAT,
            False,
            id="mapped-is-local",
        ),
        pytest.param(
            [ok(S1, ("192.0.2.9", LOCAL_PORT)), ok(S2, ("192.0.2.9", LOCAL_PORT))],
            (),
            NatMapping.ENDPOINT_INDEPENDENT,
            False,
            id="port-preserving-nat",
        ),
        pytest.param([ok(S1, MAPPED), fail(S2)], (), NatMapping.UNKNOWN, False, id="one-answer"),
        pytest.param([ok(S1, MAPPED)], (), NatMapping.UNKNOWN, False, id="one-server"),
        pytest.param([fail(S1), fail(S2)], (), NatMapping.UNKNOWN, True, id="all-timeout"),
        pytest.param(
            [fail(S1, ProbeError.RESOLVE_FAILED), fail(S2, ProbeError.RESOLVE_FAILED)],
            (),
            NatMapping.UNKNOWN,
            False,
            id="dns-failed-is-not-blocked",
        ),
        pytest.param(
            [fail(S1, ProbeError.SEND_FAILED)],
            (),
            NatMapping.UNKNOWN,
            False,
            id="no-route-is-not-blocked",
        ),
        pytest.param(
            [fail(S1), fail(S2, ProbeError.ERROR_RESPONSE)],
            (),
            NatMapping.UNKNOWN,
            False,
            id="an-error-response-proves-udp-works",
        ),
        pytest.param([], (), NatMapping.UNKNOWN, False, id="no-servers"),
    ],
)
def test_classify(
    probes: list[StunProbe], local_ips: tuple[str, ...], mapping: NatMapping, blocked: bool
) -> None:
    assert classify_mapping(LOCAL_PORT, probes, local_ips=local_ips) is mapping
    result = StunResult.from_probes(LOCAL_PORT, probes, local_ips=local_ips)
    assert result.mapping is mapping
    assert result.udp_blocked is blocked
    assert len(result.external_addresses) == len({p.mapped for p in probes if p.mapped})


server_st = st.tuples(
    st.sampled_from(["198.51.100.1", "198.51.100.2", "203.0.113.1"]), st.sampled_from([3478, 3479])
)
mapped_st = st.tuples(st.sampled_from(["203.0.113.5", "100.64.0.9"]), st.sampled_from([1, 2]))
probe_st = st.one_of(
    st.builds(ok, server_st, mapped_st),
    st.builds(fail, server_st, st.sampled_from(list(ProbeError))),
)


@given(st.lists(probe_st, max_size=6), st.randoms(use_true_random=False))
def test_classification_ignores_probe_order(probes: list[StunProbe], rnd) -> None:
    shuffled = list(probes)
    rnd.shuffle(shuffled)
    a = StunResult.from_probes(LOCAL_PORT, probes)
    b = StunResult.from_probes(LOCAL_PORT, shuffled)
    assert (a.mapping, a.udp_blocked) == (b.mapping, b.udp_blocked)
    assert set(a.external_addresses) == set(b.external_addresses)
    assert not (a.udp_blocked and a.external_addresses)


# ---- the grade -----------------------------------------------------------------------------------


def ifaces(*entries: tuple[str, str]) -> InterfaceSummary:
    addrs = [InterfaceAddress("lo", "127.0.0.1", True), InterfaceAddress("lo", "::1", True)]
    addrs += [InterfaceAddress(name, ip, False) for name, ip in entries]
    return InterfaceSummary.of(addrs)


LAN = ifaces(("eth0", "192.168.1.10"), ("eth0", "fe80::1"))
LAN_V6 = ifaces(("eth0", "192.168.1.10"), ("eth0", "2001:db8:1::10"))
PUBLIC_V4 = ifaces(("eth0", "203.0.113.10"))
CGNAT_IF = ifaces(("wan0", "100.72.1.2"))
CGNAT_V6 = ifaces(("wan0", "100.72.1.2"), ("wan0", "2001:db8:1::10"))
TAILSCALE = ifaces(("eth0", "192.168.1.10"), ("tailscale0", "100.101.102.103"))
OFFLINE = ifaces(("eth0", "fe80::1"))


def stun_result(*probes: StunProbe) -> StunResult:
    return StunResult.from_probes(LOCAL_PORT, probes, local_ips=("203.0.113.10",))


EIM = stun_result(ok(S1, MAPPED), ok(S2, MAPPED))
SYMMETRIC = stun_result(ok(S1, MAPPED), ok(S2, ("203.0.113.5", 51007)))
BLOCKED = stun_result(fail(S1), fail(S2))
ONE_ANSWER = stun_result(ok(S1, MAPPED), fail(S2))
NO_NAT = stun_result(ok(S1, ("203.0.113.10", LOCAL_PORT)), ok(S2, ("203.0.113.10", LOCAL_PORT)))
LAN_NO_NAT = StunResult.from_probes(
    LOCAL_PORT,
    [ok(S1, ("192.168.1.10", LOCAL_PORT)), ok(S2, ("192.168.1.10", LOCAL_PORT))],
    local_ips=LAN.ips,
)
MAPPED_CGNAT = stun_result(ok(S1, ("100.65.0.1", 5)), ok(S2, ("100.65.0.1", 5)))


# (interfaces, stun, confirmed_public, relay, port_mapping, tcp_mapping) -> (grade, code)
GRADE_TABLE = [
    # 1. offline beats everything, even a (stale) confirmation
    (OFFLINE, EIM, True, True, True, NatMapping.UNKNOWN, Grade.F, "offline"),
    (InterfaceSummary(), None, False, False, False, NatMapping.UNKNOWN, Grade.F, "offline"),
    # 2. A needs a dial-back
    (
        PUBLIC_V4,
        NO_NAT,
        True,
        False,
        False,
        NatMapping.UNKNOWN,
        Grade.A,
        "public-address-confirmed",
    ),
    (LAN, SYMMETRIC, True, False, True, NatMapping.UNKNOWN, Grade.A, "port-mapping-confirmed"),
    (CGNAT_IF, BLOCKED, True, True, False, NatMapping.UNKNOWN, Grade.A, "dial-back-confirmed"),
    # 3. not dialable and no relay: nobody reaches us
    (PUBLIC_V4, NO_NAT, False, False, False, NatMapping.UNKNOWN, Grade.F, "no-relay"),
    (LAN, EIM, False, False, True, NatMapping.ENDPOINT_INDEPENDENT, Grade.F, "no-relay"),
    # 4. CGNAT without IPv6: B when it maps endpoint-independently (hole punching works), else E
    (
        CGNAT_IF,
        EIM,
        False,
        True,
        False,
        NatMapping.UNKNOWN,
        Grade.B,
        "cgnat-endpoint-independent",
    ),
    (
        LAN,
        MAPPED_CGNAT,
        False,
        True,
        False,
        NatMapping.UNKNOWN,
        Grade.B,
        "cgnat-endpoint-independent",
    ),
    (CGNAT_IF, SYMMETRIC, False, True, False, NatMapping.UNKNOWN, Grade.E, "cgnat"),
    (CGNAT_IF, BLOCKED, False, True, False, NatMapping.UNKNOWN, Grade.E, "cgnat"),
    (CGNAT_IF, None, False, True, True, NatMapping.ENDPOINT_INDEPENDENT, Grade.E, "cgnat"),
    # ... with IPv6 the IPv6 address decides; overlay (Tailscale) addresses are not CGNAT
    (CGNAT_V6, EIM, False, True, False, NatMapping.UNKNOWN, Grade.B, "public-address-unconfirmed"),
    (TAILSCALE, EIM, False, True, False, NatMapping.UNKNOWN, Grade.B, "endpoint-independent"),
    # 5. C: UDP useless for punching, TCP known punchable
    (LAN, BLOCKED, False, True, False, NatMapping.ENDPOINT_INDEPENDENT, Grade.C, "tcp-only"),
    (LAN, SYMMETRIC, False, True, False, NatMapping.ENDPOINT_INDEPENDENT, Grade.C, "tcp-only"),
    (LAN, BLOCKED, False, True, True, NatMapping.UNKNOWN, Grade.C, "tcp-only"),
    (LAN, SYMMETRIC, False, True, False, NatMapping.NO_NAT, Grade.C, "tcp-only"),
    # 6. UDP blocked, TCP unknown
    (LAN, BLOCKED, False, True, False, NatMapping.UNKNOWN, Grade.E, "udp-blocked"),
    (LAN, BLOCKED, False, True, False, NatMapping.ADDRESS_DEPENDENT, Grade.E, "udp-blocked"),
    (PUBLIC_V4, BLOCKED, False, True, False, NatMapping.UNKNOWN, Grade.E, "udp-blocked"),
    # 7. public address, not confirmed
    (
        PUBLIC_V4,
        NO_NAT,
        False,
        True,
        False,
        NatMapping.UNKNOWN,
        Grade.B,
        "public-address-unconfirmed",
    ),
    (
        PUBLIC_V4,
        None,
        False,
        True,
        False,
        NatMapping.UNKNOWN,
        Grade.B,
        "public-address-unconfirmed",
    ),
    (
        LAN_V6,
        SYMMETRIC,
        False,
        True,
        False,
        NatMapping.UNKNOWN,
        Grade.B,
        "public-address-unconfirmed",
    ),
    # 8. B from STUN (no NAT: the STUN servers are on our LAN)
    (LAN, LAN_NO_NAT, False, True, False, NatMapping.UNKNOWN, Grade.B, "no-nat"),
    (LAN, EIM, False, True, False, NatMapping.UNKNOWN, Grade.B, "endpoint-independent"),
    (LAN, EIM, False, True, False, NatMapping.ADDRESS_DEPENDENT, Grade.B, "endpoint-independent"),
    # 9. symmetric
    (LAN, SYMMETRIC, False, True, False, NatMapping.UNKNOWN, Grade.D, "symmetric-nat"),
    (LAN, SYMMETRIC, False, True, False, NatMapping.ADDRESS_DEPENDENT, Grade.D, "symmetric-nat"),
    # 10. unknown
    (LAN, None, False, True, False, NatMapping.UNKNOWN, Grade.D, "no-stun-servers"),
    (LAN, ONE_ANSWER, False, True, False, NatMapping.UNKNOWN, Grade.D, "stun-inconclusive"),
    (
        LAN,
        stun_result(fail(S1, ProbeError.RESOLVE_FAILED)),
        False,
        True,
        False,
        NatMapping.UNKNOWN,
        Grade.D,
        "stun-inconclusive",
    ),
]


@pytest.mark.parametrize(
    ("interfaces", "stun", "confirmed", "relay", "port_mapping", "tcp", "expected", "code"),
    GRADE_TABLE,
)
def test_grade_rules(
    interfaces: InterfaceSummary,
    stun: StunResult | None,
    confirmed: bool,
    relay: bool,
    port_mapping: bool,
    tcp: NatMapping,
    expected: Grade,
    code: str,
) -> None:
    result = grade(
        interfaces,
        stun,
        confirmed_public=confirmed,
        has_relay_reservation=relay,
        port_mapping=port_mapping,
        tcp_mapping=tcp,
    )
    assert (result.grade, result.reason_code) == (expected, code)
    assert result.reason.endswith(".")
    assert bool(result.hint) is (expected is not Grade.A)


# (relays configured, an authorized peer connected over the LAN) -> (grade, code), for a node
# that is not publicly dialable and holds no relay reservation (rule 3).
NO_RESERVATION_TABLE = [
    (True, False, Grade.F, "no-relay"),
    (False, False, Grade.F, "no-relay-configured"),
    (False, True, Grade.E, "lan-only"),
    (True, True, Grade.E, "lan-only-relay-down"),
]


@pytest.mark.parametrize(("configured", "lan", "expected", "code"), NO_RESERVATION_TABLE)
def test_without_a_reservation_the_grade_says_what_fits(
    configured: bool, lan: bool, expected: Grade, code: str
) -> None:
    result = grade(
        LAN,
        EIM,
        confirmed_public=False,
        has_relay_reservation=False,
        relays_configured=configured,
        lan_peers=lan,
    )
    assert (result.grade, result.reason_code) == (expected, code)
    if lan:
        assert result.reason.startswith("Reachable on your network only")
    # The hint matches what is configured: add a relay when there is none, check it otherwise.
    if configured:
        assert "peerup relay add" not in result.hint
        assert "relay" in result.hint.lower()
        assert "check" in result.hint.lower()
    else:
        assert "peerup relay add" in result.hint
        assert "Check the relay" not in result.hint


def test_a_reservation_or_a_dial_back_beats_the_lan() -> None:
    """LAN peers only matter when nobody outside can reach us."""
    with_relay = grade(LAN, EIM, confirmed_public=False, has_relay_reservation=True, lan_peers=True)
    assert with_relay.reason_code == "endpoint-independent"
    public = grade(
        PUBLIC_V4, NO_NAT, confirmed_public=True, has_relay_reservation=False, lan_peers=True
    )
    assert public.grade is Grade.A


def test_every_reason_code_is_reachable_and_in_the_table() -> None:
    reached = (
        {row[-1] for row in GRADE_TABLE}
        | {row[-1] for row in NO_RESERVATION_TABLE}
        | {row[-1] for row in UPSTREAM_TABLE}
    )
    assert reached == REASON_CODES
    assert {row[-2] for row in GRADE_TABLE} == set(Grade)


def test_no_stun_servers_says_so() -> None:
    result = grade(LAN, None, confirmed_public=False, has_relay_reservation=True)
    assert result.reason_code == "no-stun-servers"
    assert "No STUN servers configured" in result.reason


def test_hints_are_actionable() -> None:
    def hint(*args: object, **kw: object) -> str:
        return grade(*args, **kw).hint  # type: ignore[arg-type]

    assert "UPnP" in hint(LAN, SYMMETRIC, confirmed_public=False, has_relay_reservation=True)
    assert "ISP" in hint(CGNAT_IF, EIM, confirmed_public=False, has_relay_reservation=True)
    assert "IPv6" in hint(CGNAT_IF, EIM, confirmed_public=False, has_relay_reservation=True)
    assert "relay" in hint(LAN, EIM, confirmed_public=False, has_relay_reservation=False)


# ---- a NAT beyond our router: carrier NAT and double NAT -----------------------------------------

# Hop probes as the NAT lab's homes answer them (tests/lab/test_carrier_nat.py).
CARRIER_HOPS = (Hop(1, "192.168.1.1"), Hop(2, "100.64.100.1"))
DOUBLE_HOPS = (Hop(1, "192.168.2.1"), Hop(2, "10.9.0.1"))
PLAIN_HOPS = (Hop(1, "192.168.3.1"), Hop(2, "203.0.113.1"), Hop(3, "10.0.0.1"))

UPSTREAM_DETECTION = [
    # (interfaces, hops, gateway external IP) -> upstream
    (LAN, CARRIER_HOPS, None, UpstreamNat.CARRIER),
    (LAN, tuple(reversed(CARRIER_HOPS)), None, UpstreamNat.CARRIER),  # order does not matter
    (LAN, (), "100.70.1.2", UpstreamNat.CARRIER),  # UPnP/NAT-PMP: the router's WAN is CGNAT
    (LAN, DOUBLE_HOPS, None, UpstreamNat.DOUBLE),
    (LAN, (), "10.0.0.7", UpstreamNat.DOUBLE),  # the router's WAN is private
    (LAN, DOUBLE_HOPS, "100.64.0.9", UpstreamNat.CARRIER),  # a carrier NAT is the stronger claim
    (LAN, PLAIN_HOPS, None, UpstreamNat.UNKNOWN),  # private hops after a public one: ISP core
    (LAN, (Hop(1, "192.168.3.1"),), "203.0.113.9", UpstreamNat.UNKNOWN),  # one NAT
    (LAN, (), None, UpstreamNat.UNKNOWN),  # nothing measured
    (PUBLIC_V4, CARRIER_HOPS, None, UpstreamNat.UNKNOWN),  # a public interface: no NAT at all
]


@pytest.mark.parametrize(("interfaces", "hops", "gateway", "expected"), UPSTREAM_DETECTION)
def test_detect_upstream_nat(
    interfaces: InterfaceSummary, hops: tuple[Hop, ...], gateway: str | None, expected: UpstreamNat
) -> None:
    assert detect_upstream_nat(interfaces, hops=hops, gateway_external=gateway) is expected


# (interfaces, stun, port_mapping, tcp_mapping, upstream) -> (grade, code), relay reserved
UPSTREAM_TABLE = [
    (LAN, EIM, False, NatMapping.UNKNOWN, UpstreamNat.CARRIER, Grade.B,
     "cgnat-endpoint-independent"),
    (LAN, SYMMETRIC, False, NatMapping.UNKNOWN, UpstreamNat.CARRIER, Grade.E, "cgnat"),
    (LAN, EIM, False, NatMapping.UNKNOWN, UpstreamNat.DOUBLE, Grade.B, "double-nat"),
    (LAN, SYMMETRIC, False, NatMapping.UNKNOWN, UpstreamNat.DOUBLE, Grade.D,
     "double-nat-symmetric"),
    # a port mapping on a router behind another NAT opens nothing: no C from it
    (LAN, SYMMETRIC, True, NatMapping.UNKNOWN, UpstreamNat.DOUBLE, Grade.D,
     "double-nat-symmetric"),
    (LAN, SYMMETRIC, True, NatMapping.UNKNOWN, UpstreamNat.UNKNOWN, Grade.C, "tcp-only"),
    (LAN, BLOCKED, False, NatMapping.ENDPOINT_INDEPENDENT, UpstreamNat.DOUBLE, Grade.C,
     "double-nat-tcp-only"),
    (LAN, BLOCKED, False, NatMapping.UNKNOWN, UpstreamNat.DOUBLE, Grade.E,
     "double-nat-udp-blocked"),
    # global IPv6 decides over a carrier NAT, as over a host in CGNAT space
    (LAN_V6, SYMMETRIC, False, NatMapping.UNKNOWN, UpstreamNat.CARRIER, Grade.B,
     "public-address-unconfirmed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("interfaces", "stun", "port_mapping", "tcp", "upstream", "expected", "code"), UPSTREAM_TABLE
)
def test_grade_beyond_the_router(
    interfaces: InterfaceSummary,
    stun: StunResult,
    port_mapping: bool,
    tcp: NatMapping,
    upstream: UpstreamNat,
    expected: Grade,
    code: str,
) -> None:
    result = grade(
        interfaces, stun, confirmed_public=False, has_relay_reservation=True,
        port_mapping=port_mapping, tcp_mapping=tcp, upstream=upstream,
    )  # fmt: skip
    assert (result.grade, result.reason_code) == (expected, code)


NAT_BEYOND_CODES = {
    "cgnat",
    "cgnat-endpoint-independent",
    "double-nat",
    "double-nat-symmetric",
    "double-nat-tcp-only",
    "double-nat-udp-blocked",
}


@given(
    st.sampled_from([LAN, CGNAT_IF, TAILSCALE]),
    stun_st := st.one_of(st.none(), st.lists(probe_st, max_size=4).map(lambda p: stun_result(*p))),
    st.booleans(),
    st.sampled_from(list(NatMapping)),
    st.sampled_from([UpstreamNat.CARRIER, UpstreamNat.DOUBLE]),
)
def test_behind_a_nat_beyond_the_router_no_hint_says_upnp(
    interfaces: InterfaceSummary,
    stun: StunResult | None,
    port_mapping: bool,
    tcp: NatMapping,
    upstream: UpstreamNat,
) -> None:
    """Behind a carrier NAT or a second router, a mapping on the home router opens nothing: no
    hint may advise one, and the grade follows the mapping (endpoint-independent is B)."""
    result = grade(
        interfaces, stun, confirmed_public=False, has_relay_reservation=True,
        port_mapping=port_mapping, tcp_mapping=tcp, upstream=upstream,
    )  # fmt: skip
    assert "enable UPnP" not in result.hint, result
    if result.reason_code in NAT_BEYOND_CODES:
        assert any(w in result.hint for w in ("ISP", "bridge mode", "IPv6")), result
    mapping = stun.mapping if stun is not None else NatMapping.UNKNOWN
    if mapping is NatMapping.ENDPOINT_INDEPENDENT and not stun.udp_blocked:  # type: ignore[union-attr]
        assert result.grade is Grade.B, result


def test_assess_uses_hops_and_the_gateway() -> None:
    carrier = assess(
        LAN, EIM, confirmed_public=False, has_relay_reservation=True, probed_at=1.0,
        hops=CARRIER_HOPS,
    )  # fmt: skip
    assert (carrier.grade, carrier.reason_code, carrier.cgnat) == (
        Grade.B,
        "cgnat-endpoint-independent",
        True,
    )
    double = assess(
        LAN, SYMMETRIC, confirmed_public=False, has_relay_reservation=True, probed_at=1.0,
        gateway_external="192.168.0.2",
    )  # fmt: skip
    assert (double.grade, double.reason_code, double.cgnat) == (
        Grade.D,
        "double-nat-symmetric",
        False,
    )


def _recverr(origin: int, icmp_type: int, family: int, ip: bytes) -> bytes:
    import struct

    return struct.pack("=IBBBBII", 113, origin, icmp_type, 0, 0, 0, 0) + struct.pack(
        "=HH4s8x", family, 0, ip
    )


def test_parse_recverr() -> None:
    assert parse_recverr(_recverr(2, 11, 2, bytes([100, 64, 100, 1]))) == (11, "100.64.100.1")
    assert parse_recverr(_recverr(2, 3, 2, bytes([203, 0, 113, 20]))) == (3, "203.0.113.20")
    assert parse_recverr(_recverr(1, 11, 2, bytes(4))) is None  # a local error, no ICMP
    assert parse_recverr(_recverr(2, 11, 10, bytes(4))) is None  # not IPv4
    assert parse_recverr(b"short") is None


@given(st.binary(max_size=64))
def test_parse_recverr_never_raises(data: bytes) -> None:
    parse_recverr(data)


@pytest.mark.parametrize(
    ("text", "ip"),
    [("100.64.3.4:4001", "100.64.3.4"), ("[2001:db8::1]:4001", "2001:db8::1"), ("", None),
     (None, None), ("nonsense:1", None)],
)  # fmt: skip
def test_gateway_external_ip(text: str | None, ip: str | None) -> None:
    assert gateway_external_ip(text) == ip


bool_st = st.booleans()
iface_st = st.sampled_from([LAN, LAN_V6, PUBLIC_V4, CGNAT_IF, CGNAT_V6, TAILSCALE, OFFLINE])
stun_st = st.one_of(st.none(), st.lists(probe_st, max_size=4).map(lambda p: stun_result(*p)))


@given(iface_st, stun_st, bool_st, bool_st, bool_st, st.sampled_from(list(NatMapping)))
def test_grade_is_total_and_monotone_in_confirmation(
    interfaces, stun, confirmed, relay, port_mapping, tcp
) -> None:
    kw = {"has_relay_reservation": relay, "port_mapping": port_mapping, "tcp_mapping": tcp}
    result = grade(interfaces, stun, confirmed_public=confirmed, **kw)
    assert result.reason_code in REASON_CODES
    # A dial-back or a relay reservation never makes things worse.
    better = grade(interfaces, stun, confirmed_public=True, **kw)
    assert better.grade <= result.grade
    kw["has_relay_reservation"] = True
    assert grade(interfaces, stun, confirmed_public=confirmed, **kw).grade <= result.grade
    if interfaces.online and confirmed:
        assert result.grade is Grade.A
    if not relay and not confirmed:
        assert result.grade is Grade.F


def test_assess_packages_the_evidence() -> None:
    value = assess(LAN_V6, EIM, confirmed_public=False, has_relay_reservation=True, probed_at=7.0)
    assert value == Reachability(
        grade=Grade.B,
        reason_code="public-address-unconfirmed",
        reason=value.reason,
        hint=value.hint,
        nat_mapping=NatMapping.ENDPOINT_INDEPENDENT,
        udp_blocked=False,
        cgnat=False,
        public_addresses=("2001:db8:1::10", "203.0.113.5:51000"),
        probed_at=7.0,
    )
    blocked = assess(
        CGNAT_IF, BLOCKED, confirmed_public=False, has_relay_reservation=True, probed_at=1.0
    )
    assert (blocked.grade, blocked.cgnat, blocked.udp_blocked) == (Grade.E, True, True)
    assert blocked.nat_mapping is NatMapping.UNKNOWN
    none = assess(LAN, None, confirmed_public=False, has_relay_reservation=True, probed_at=0)
    assert none.public_addresses == ()
    assert none.lan_addresses == ()  # no listener given


def test_assess_lists_lan_addresses_of_the_listeners() -> None:
    value = assess(
        LAN_V6, EIM, confirmed_public=False, has_relay_reservation=True, probed_at=7.0,
        tcp_listeners=[("0.0.0.0", 4001), ("::", 4001)],
    )  # fmt: skip
    assert value.lan_addresses == ("/ip4/192.168.1.10/tcp/4001",)  # 2001:db8:: is global


def test_interface_summary_facts() -> None:
    s = ifaces(
        ("eth0", "192.0.2.5"),
        ("eth0", "fe80::5"),
        ("eth1", "2001:db8::5"),
        ("wan", "100.64.3.3"),
        ("tailscale0", "100.100.1.1"),
    )
    assert s.online
    assert s.global_ipv4 == ("192.0.2.5",)
    assert s.global_ipv6 == ("2001:db8::5",)
    assert [a.ip for a in s.cgnat] == ["100.64.3.3"]
    assert not ifaces().online
    assert not OFFLINE.online


# ---- expected path -------------------------------------------------------------------------------

D, R = PathType.DIRECT, PathType.RELAYED
PATH_TABLE = {
    #      A  B  C  D  E  F
    "A": [D, D, D, D, D, D],
    "B": [D, D, D, R, R, R],
    "C": [D, D, D, R, R, R],
    "D": [D, R, R, R, R, R],
    "E": [D, R, R, R, R, R],
    "F": [D, R, R, R, R, R],
}


@pytest.mark.parametrize("a", list(Grade))
@pytest.mark.parametrize("b", list(Grade))
def test_expected_path_table(a: Grade, b: Grade) -> None:
    assert expected_path(a, b) is PATH_TABLE[a.value]["ABCDEF".index(b.value)]
    assert expected_path(a, b) is expected_path(b, a)
