"""The reachability grade A-F: NAT classification from STUN probes, and the grader.

Theory of operation. The engine gathers three kinds of evidence and this module (pure) turns
them into a grade with a stable reason code, an English reason and a hint:

* interface addresses (is there any network at all? a global address? a CGNAT address?);
* STUN probes sent from ONE local UDP socket to two or more servers on different IP addresses.
  One socket is the point: the Go reference used one socket per server, so it compared two
  different mappings and could never see an endpoint-independent NAT (its grade B was
  unreachable). From one socket, the same mapped ``ip:port`` towards two server IPs means the
  NAT's mapping does not depend on the destination (RFC 4787 "endpoint-independent mapping"),
  which is what hole punching needs; different mappings mean a "symmetric" NAT;
* facts the engine learns elsewhere and passes in: whether a dial-back from outside reached us
  (only that makes a public address grade A), whether we hold a relay reservation, whether a
  UPnP/NAT-PMP port mapping exists, and how our TCP port is mapped (e.g. from observed
  addresses reported by peers).

Rules are evaluated top to bottom, first match wins (:func:`grade` documents each one). Unlike
the reference, F is reachable (no usable address, or nobody can reach us because we hold no
relay reservation), and CGNAT does not lose to an unconfirmed public IPv4 address.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from app.core.errors import InvalidAddressError
from app.core.ids.netaddr import format_host_port, parse_host_port
from app.core.reach.interfaces import InterfaceSummary, is_cgnat, is_global
from app.core.reach.lan import lan_addresses
from app.core.reach.upstream import Hop, UpstreamNat, detect_upstream_nat
from app.core.status import Grade, NatMapping, PathType, Reachability

__all__ = [
    "DEFAULT_STUN_PORT",
    "REASON_CODES",
    "Grade",
    "GradeResult",
    "Hop",
    "NatMapping",
    "ProbeError",
    "StunProbe",
    "StunResult",
    "UpstreamNat",
    "assess",
    "classify_mapping",
    "detect_cgnat",
    "expected_path",
    "grade",
    "parse_stun_server",
]

DEFAULT_STUN_PORT = 3478


def parse_stun_server(text: str) -> tuple[str, int]:
    """Parse a configured STUN server: ``host``, ``host:port``, ``ip:port`` or ``[ipv6]:port``.

    Args:
        text: e.g. ``"stun.l.google.com:19302"``; without a port, 3478 is used.

    Returns:
        ``(host, port)``.

    Raises:
        InvalidAddressError: Not a usable server address.
    """
    hint = "for example: stun.example.net:3478"
    candidate = text.strip()
    if candidate and ":" not in candidate:
        candidate = f"{candidate}:{DEFAULT_STUN_PORT}"
    try:
        host, port = parse_host_port(candidate)
    except InvalidAddressError as exc:
        raise InvalidAddressError(f"STUN server {exc.message}", hint=hint) from None
    if port == 0:
        raise InvalidAddressError(f"STUN server {text!r} has port 0", hint=hint)
    return host, port


# ---- evidence ----------------------------------------------------------------------------------


class ProbeError(enum.StrEnum):
    """Why one STUN server gave us no mapped address."""

    TIMEOUT = "timeout"  # requests sent, no valid answer: evidence that UDP may be blocked
    RESOLVE_FAILED = "resolve-failed"  # DNS gave no usable address; nothing was sent
    SEND_FAILED = "send-failed"  # the OS refused to send (no route): offline, not blocked
    ERROR_RESPONSE = "error-response"  # the server answered with a Binding Error Response


@dataclass(frozen=True, slots=True)
class StunProbe:
    """The outcome of asking one STUN server for our mapped address.

    Attributes:
        server: The server as configured (``"host:port"``).
        mapped: Our address as the server saw it, or None on failure.
        error: Why there is no mapped address (None on success).
        server_address: The ``(ip, port)`` we sent to; None if resolution failed.
        rtt_ms: Round-trip time of the answered request.
        detail: Free text for logs (e.g. the server's error phrase).
    """

    server: str
    mapped: tuple[str, int] | None
    error: ProbeError | None = None
    server_address: tuple[str, int] | None = None
    rtt_ms: float | None = None
    detail: str = ""


def classify_mapping(
    local_port: int, probes: Sequence[StunProbe], *, local_ips: Collection[str] = ()
) -> NatMapping:
    """Classify the NAT's mapping behaviour from probes sent from ONE local socket.

    Args:
        local_port: The port the probing socket was bound to.
        probes: One per server, all sent from that socket.
        local_ips: This host's interface addresses (to recognise "no NAT").

    Returns:
        * ``ADDRESS_DEPENDENT`` if any two servers saw different mappings (whatever their IPs:
          even two ports of one server seeing different mappings rules out hole punching);
        * otherwise, if servers on at least two different IP addresses answered:
          ``NO_NAT`` when the one mapping is one of our own addresses with our own port,
          else ``ENDPOINT_INDEPENDENT``;
        * otherwise ``UNKNOWN`` (fewer than two answers, or all from one server IP, which
          cannot tell endpoint-independent from address-dependent mapping).
    """
    answered = [p for p in probes if p.mapped is not None]
    mappings = {p.mapped for p in probes if p.mapped is not None}
    if len(mappings) > 1:
        return NatMapping.ADDRESS_DEPENDENT
    server_ips = {p.server_address[0] for p in answered if p.server_address is not None}
    if len(mappings) != 1 or len(server_ips) < 2:
        return NatMapping.UNKNOWN
    ((ip, port),) = mappings
    if port == local_port and ip in local_ips:
        return NatMapping.NO_NAT
    return NatMapping.ENDPOINT_INDEPENDENT


def _udp_blocked(probes: Sequence[StunProbe]) -> bool:
    # Blocked only if requests went out and nothing came back: a failed DNS lookup or a refused
    # send says "offline" or "misconfigured", not "a firewall drops UDP".
    answered = any(p.mapped is not None or p.error is ProbeError.ERROR_RESPONSE for p in probes)
    return not answered and any(p.error is ProbeError.TIMEOUT for p in probes)


@dataclass(frozen=True, slots=True)
class StunResult:
    """Every probe of one STUN round and what they add up to.

    Attributes:
        probes: One per configured server.
        local_port: The local UDP port every probe was sent from.
        mapping: See :func:`classify_mapping`.
        udp_blocked: Requests were sent but no server answered at all.
        external_addresses: Distinct mapped addresses, in probe order.
    """

    probes: tuple[StunProbe, ...]
    local_port: int
    mapping: NatMapping
    udp_blocked: bool
    external_addresses: tuple[tuple[str, int], ...]

    @classmethod
    def from_probes(
        cls, local_port: int, probes: Sequence[StunProbe], *, local_ips: Collection[str] = ()
    ) -> StunResult:
        """Summarise probes sent from one socket bound to ``local_port``."""
        external = tuple(dict.fromkeys(p.mapped for p in probes if p.mapped is not None))
        return cls(
            probes=tuple(probes),
            local_port=local_port,
            mapping=classify_mapping(local_port, probes, local_ips=local_ips),
            udp_blocked=_udp_blocked(probes),
            external_addresses=external,
        )


def detect_cgnat(interfaces: InterfaceSummary, stun: StunResult | None) -> bool:
    """True if an interface (not an overlay network's) or a STUN mapping is in 100.64.0.0/10."""
    if interfaces.cgnat:
        return True
    return stun is not None and any(is_cgnat(ip) for ip, _ in stun.external_addresses)


# ---- the grade ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GradeResult:
    """A grade with why, and how to improve it.

    Attributes:
        grade: A (best) to F.
        reason_code: Stable kebab-case identifier (one of :data:`REASON_CODES`).
        reason: English sentence for the reason.
        hint: English advice; empty when there is nothing to improve.
    """

    grade: Grade
    reason_code: str
    reason: str
    hint: str


_HINT_UPNP = "enable UPnP or NAT-PMP on your router, or forward peer-up's port to this machine"
_HINT_ADD_RELAY = (
    "To be reachable from outside your network, add a relay both devices can reach: "
    "peerup relay add <address> (run one with peerup relay serve on a machine with a public "
    "address)."
)
_HINT_RELAY_DOWN = (
    "Check that the relay in your config is running and reachable (peerup relay list)."
)
_LAN_ONLY = (
    "Reachable on your network only: peers on your LAN are connected to you directly, but "
    "nobody outside can reach you: no public address is confirmed and "
)
_HINT_DIRECT_A = f"For grade A, {_HINT_UPNP}."
# Behind a NAT beyond the home router, a port mapping on the home router opens nothing: these
# hints name what works there instead.
_HINT_CARRIER_A = (
    "For grade A, ask your ISP for a public IPv4 address, or use IPv6 (a port mapping on your "
    "router cannot open your ISP's NAT)."
)
_HINT_DOUBLE = (
    "Put the outer router (often the ISP's modem) in bridge mode, or forward peer-up's port on "
    "both routers, or use IPv6 (a port mapping on your own router alone does not reach through "
    "the outer one)."
)
_HINT_DOUBLE_A = f"For grade A: {_HINT_DOUBLE[0].lower()}{_HINT_DOUBLE[1:]}"

# reason_code -> (grade, reason, hint). Codes are API contract: never rename one.
_RULES: dict[str, tuple[Grade, str, str]] = {
    "offline": (
        Grade.F,
        "No network connection: this machine has no address beyond loopback and link-local.",
        "Connect to a network; peer-up checks again as soon as an address appears.",
    ),
    "public-address-confirmed": (
        Grade.A,
        "Publicly dialable: a peer outside reached your public address.",
        "",
    ),
    "port-mapping-confirmed": (
        Grade.A,
        "Publicly dialable: your router forwards a port (UPnP/NAT-PMP) and a peer outside "
        "reached it.",
        "",
    ),
    "dial-back-confirmed": (
        Grade.A,
        "Publicly dialable: a peer outside reached you.",
        "",
    ),
    "no-relay": (
        Grade.F,
        "Peers cannot reach you: you have no public address confirmed and no relay reservation.",
        "Check the relay addresses in your config and that the relay is running.",
    ),
    "no-relay-configured": (
        Grade.F,
        "Peers cannot reach you: you have no public address confirmed and no relay configured.",
        _HINT_ADD_RELAY,
    ),
    "lan-only": (Grade.E, _LAN_ONLY + "no relay is configured.", _HINT_ADD_RELAY),
    "lan-only-relay-down": (
        Grade.E,
        _LAN_ONLY + "your relay holds no reservation for you.",
        _HINT_RELAY_DOWN,
    ),
    "cgnat": (
        Grade.E,
        "Your ISP shares one public IPv4 address among many customers (CGNAT) and you have no "
        "IPv6; peers reach you through the relay.",
        "Ask your ISP for a public IPv4 address, or use IPv6.",
    ),
    "cgnat-endpoint-independent": (
        Grade.B,
        "Your ISP shares one public IPv4 address among many customers (CGNAT), but its NAT "
        "keeps one mapping for every destination; direct connections work by hole punching.",
        _HINT_CARRIER_A,
    ),
    "double-nat": (
        Grade.B,
        "Your router is behind another router (double NAT); the mapping stays the same for "
        "every destination, so direct connections work by hole punching.",
        _HINT_DOUBLE_A,
    ),
    "double-nat-tcp-only": (
        Grade.C,
        "Your router is behind another router (double NAT); UDP is blocked or mapped per "
        "destination, but your TCP port keeps one mapping for every destination; direct "
        "connections work over TCP only.",
        _HINT_DOUBLE_A,
    ),
    "double-nat-udp-blocked": (
        Grade.E,
        "Your router is behind another router (double NAT) and your network blocks UDP; peers "
        "reach you through the relay.",
        f"Allow outbound UDP on your network. {_HINT_DOUBLE}",
    ),
    "double-nat-symmetric": (
        Grade.D,
        "Your router is behind another router (double NAT) and a new port is picked for every "
        "destination, which defeats hole punching; connections use the relay.",
        _HINT_DOUBLE,
    ),
    "tcp-only": (
        Grade.C,
        "UDP is blocked or mapped per destination, but your TCP port keeps one mapping for "
        "every destination; direct connections work over TCP only.",
        f"Allow outbound UDP on your network, or {_HINT_UPNP}.",
    ),
    "udp-blocked": (
        Grade.E,
        "Your network blocks UDP and your NAT cannot be measured; peers reach you through the "
        "relay.",
        f"Allow outbound UDP on your network, or {_HINT_UPNP}.",
    ),
    "public-address-unconfirmed": (
        Grade.B,
        "You have a public address, but no peer outside has confirmed reaching it yet.",
        "Make sure your firewall allows inbound connections to peer-up's port.",
    ),
    "no-nat": (
        Grade.B,
        "No NAT between you and the STUN servers; direct connections work by hole punching.",
        _HINT_DIRECT_A,
    ),
    "endpoint-independent": (
        Grade.B,
        "Your NAT keeps one mapping for every destination; direct connections work by hole "
        "punching.",
        _HINT_DIRECT_A,
    ),
    "symmetric-nat": (
        Grade.D,
        "Your NAT picks a new port for every destination (symmetric NAT), which defeats hole "
        "punching; connections use the relay.",
        f"To get direct connections, {_HINT_UPNP}.",
    ),
    "no-stun-servers": (
        Grade.D,
        "No STUN servers configured, so how your NAT behaves is unknown; expect relayed "
        "connections.",
        "Add two STUN servers on different IP addresses to your config.",
    ),
    "stun-inconclusive": (
        Grade.D,
        "Too few STUN servers answered to tell how your NAT maps ports; expect relayed "
        "connections.",
        "Configure at least two STUN servers on different IP addresses.",
    ),
}

REASON_CODES: frozenset[str] = frozenset(_RULES)
"""Every reason code :func:`grade` can return."""


def _result(code: str) -> GradeResult:
    grade_, reason, hint = _RULES[code]
    return GradeResult(grade_, code, reason, hint)


_PUNCHABLE = (NatMapping.NO_NAT, NatMapping.ENDPOINT_INDEPENDENT)


def grade(
    interfaces: InterfaceSummary,
    stun: StunResult | None,
    *,
    confirmed_public: bool,
    has_relay_reservation: bool,
    port_mapping: bool = False,
    tcp_mapping: NatMapping = NatMapping.UNKNOWN,
    relays_configured: bool = True,
    lan_peers: bool = False,
    upstream: UpstreamNat = UpstreamNat.UNKNOWN,
) -> GradeResult:
    """Grade reachability; rules are tried in this order and the first match wins.

    1. **F offline**: no usable address (:attr:`InterfaceSummary.usable`).
    2. **A**: ``confirmed_public``: a dial-back from outside reached us; the reason code says
       through what (a global interface address, a port mapping, or neither, e.g. a port
       forwarded by hand). A public address that nobody has dialed back is never A.
    3. Not publicly dialable and no relay reservation: nobody outside can reach us.
       **E lan-only** when authorized peers are connected to us directly over the LAN
       (``lan-only-relay-down`` when relays are configured but none holds a reservation),
       else **F no-relay-configured** (no relay configured) or **F no-relay** (relays
       configured, none reserved). The hint says what fits: add a relay, or check it.
    4. Carrier-grade NAT (interface or mapped address in 100.64/10, or ``upstream`` is
       CARRIER) and no global IPv6: **B cgnat-endpoint-independent** when STUN saw one mapping
       for every destination (hole punching works through it: the path is what counts, and
       the hint names what gives A there: a public IPv4 address or IPv6, never UPnP), else
       **E cgnat**.
    5. **C tcp-only**: UDP is useless for hole punching (blocked, or address-dependent) but TCP
       is known to be punchable: ``tcp_mapping`` is endpoint-independent (or no NAT), or a
       UPnP/NAT-PMP ``port_mapping`` exists (unconfirmed, else rule 2) and no NAT beyond the
       router shows (``upstream``; a mapping there opens nothing). DCUtR then punches over TCP
       with simultaneous open. **C double-nat-tcp-only** when ``upstream`` is DOUBLE.
    6. **E udp-blocked**: STUN requests went out and no server answered
       (**E double-nat-udp-blocked** when ``upstream`` is DOUBLE).
    7. **B public-address-unconfirmed**: a global IPv4/IPv6 address on an interface (no NAT,
       maybe a firewall); IPv6 wins over an IPv4 symmetric NAT, as DCUtR can punch over IPv6.
    8. **B no-nat** / **B endpoint-independent** (**B double-nat** when ``upstream`` is
       DOUBLE): STUN says hole punching works over UDP.
    9. **D symmetric-nat** (**D double-nat-symmetric** when ``upstream`` is DOUBLE):
       address-dependent mapping.
    10. **D no-stun-servers** (``stun`` is None) / **D stun-inconclusive** (mapping unknown).

    Args:
        interfaces: The current interface addresses.
        stun: The latest STUN round, or None when no STUN servers are configured.
        confirmed_public: A peer outside dialed us back successfully.
        has_relay_reservation: We hold a reservation on at least one relay.
        port_mapping: A UPnP/NAT-PMP port mapping exists for our listen port.
        tcp_mapping: Mapping behaviour of our TCP port, if known (e.g. from observed addresses).
        relays_configured: At least one relay is configured (else the hint says how to add one).
        lan_peers: An authorized peer is connected to us directly over a private network.
        upstream: A NAT beyond our router, if one shows
            (:func:`~app.core.reach.upstream.detect_upstream_nat`).

    Returns:
        The grade, reason code, reason and hint.
    """
    if not interfaces.online:
        return _result("offline")
    if confirmed_public:
        if interfaces.global_ipv4 or interfaces.global_ipv6:
            return _result("public-address-confirmed")
        if port_mapping:
            return _result("port-mapping-confirmed")
        return _result("dial-back-confirmed")
    if not has_relay_reservation:
        if lan_peers:
            return _result("lan-only-relay-down" if relays_configured else "lan-only")
        return _result("no-relay" if relays_configured else "no-relay-configured")
    mapping = stun.mapping if stun is not None else NatMapping.UNKNOWN
    udp_blocked = stun is not None and stun.udp_blocked
    carrier = detect_cgnat(interfaces, stun) or upstream is UpstreamNat.CARRIER
    if carrier and not interfaces.global_ipv6:
        if mapping is NatMapping.ENDPOINT_INDEPENDENT and not udp_blocked:
            return _result("cgnat-endpoint-independent")
        return _result("cgnat")
    udp_unpunchable = udp_blocked or mapping is NatMapping.ADDRESS_DEPENDENT
    port_mapping_opens = port_mapping and upstream is UpstreamNat.UNKNOWN
    if udp_unpunchable and (tcp_mapping in _PUNCHABLE or port_mapping_opens):
        return _result("double-nat-tcp-only" if upstream is UpstreamNat.DOUBLE else "tcp-only")
    if udp_blocked:
        return _result(
            "double-nat-udp-blocked" if upstream is UpstreamNat.DOUBLE else "udp-blocked"
        )
    if interfaces.global_ipv4 or interfaces.global_ipv6:
        return _result("public-address-unconfirmed")
    if mapping is NatMapping.NO_NAT:
        return _result("no-nat")
    double = upstream is UpstreamNat.DOUBLE
    if mapping is NatMapping.ENDPOINT_INDEPENDENT:
        return _result("double-nat" if double else "endpoint-independent")
    if mapping is NatMapping.ADDRESS_DEPENDENT:
        return _result("double-nat-symmetric" if double else "symmetric-nat")
    if stun is None:
        return _result("no-stun-servers")
    return _result("stun-inconclusive")


def assess(
    interfaces: InterfaceSummary,
    stun: StunResult | None,
    *,
    confirmed_public: bool,
    has_relay_reservation: bool,
    probed_at: float,
    port_mapping: bool = False,
    tcp_mapping: NatMapping = NatMapping.UNKNOWN,
    tcp_listeners: Iterable[tuple[str, int]] = (),
    relays_configured: bool = True,
    lan_peers: bool = False,
    hops: Sequence[Hop] = (),
    gateway_external: str | None = None,
) -> Reachability:
    """Grade and package the evidence as the :class:`~app.core.status.Reachability` status.

    Args:
        interfaces: As for :func:`grade`.
        stun: As for :func:`grade`.
        confirmed_public: As for :func:`grade`.
        has_relay_reservation: As for :func:`grade`.
        probed_at: Unix time of the probe.
        port_mapping: As for :func:`grade`.
        tcp_mapping: As for :func:`grade`.
        tcp_listeners: ``(bind address, port)`` of our TCP listeners, for the LAN addresses
            we tell our peers (:func:`app.core.reach.lan.lan_addresses`).
        relays_configured: As for :func:`grade`.
        lan_peers: As for :func:`grade`.
        hops: Routers that answered the hop probe (for
            :func:`~app.core.reach.upstream.detect_upstream_nat`).
        gateway_external: The external IP our UPnP/NAT-PMP gateway reported, if any.

    Returns:
        The status value front ends show (``cgnat`` is also true for a carrier NAT beyond our
        router).
    """
    upstream = detect_upstream_nat(interfaces, hops=hops, gateway_external=gateway_external)
    result = grade(
        interfaces,
        stun,
        confirmed_public=confirmed_public,
        has_relay_reservation=has_relay_reservation,
        port_mapping=port_mapping,
        tcp_mapping=tcp_mapping,
        relays_configured=relays_configured,
        lan_peers=lan_peers,
        upstream=upstream,
    )
    public = [*interfaces.global_ipv6, *interfaces.global_ipv4]
    if stun is not None:
        public += [
            format_host_port(ip, port) for ip, port in stun.external_addresses if is_global(ip)
        ]
    return Reachability(
        grade=result.grade,
        reason_code=result.reason_code,
        reason=result.reason,
        hint=result.hint,
        nat_mapping=stun.mapping if stun is not None else NatMapping.UNKNOWN,
        udp_blocked=stun is not None and stun.udp_blocked,
        cgnat=detect_cgnat(interfaces, stun) or upstream is UpstreamNat.CARRIER,
        public_addresses=tuple(dict.fromkeys(public)),
        probed_at=probed_at,
        lan_addresses=lan_addresses(interfaces, tcp_listeners),
    )


_DIRECT_PAIRS = frozenset({Grade.A, Grade.B, Grade.C})


def expected_path(grade_a: Grade, grade_b: Grade) -> PathType:
    """The best path two peers can expect between them, from their grades.

    * Either side A: the other dials it directly (even an F node with no relay reservation can
      dial out).
    * Both within B and C: libp2p DCUtR meets on the relay, then punches a hole (UDP for B,
      TCP simultaneous open for C; B's TCP port is at worst unknown and DCUtR tries both).
    * Anything else (D, E, F involved and no A): the relay carries the bytes.

    "Expect" is a promise about the path once connected, not that a connection exists: an
    offline (F) node reaches nobody.

    Args:
        grade_a: One peer's grade.
        grade_b: The other's.

    Returns:
        DIRECT or RELAYED; symmetric in its arguments.
    """
    if Grade.A in (grade_a, grade_b):
        return PathType.DIRECT
    if grade_a in _DIRECT_PAIRS and grade_b in _DIRECT_PAIRS:
        return PathType.DIRECT
    return PathType.RELAYED
