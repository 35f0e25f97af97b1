"""NAT-PMP (RFC 6886) messages, sans-IO: ask the home router for our public address and a port.

Theory of operation: the client sends small UDP requests to its default gateway, port 5351, and
the gateway answers from that address and port. Two requests matter to us:

* external address (opcode 0): the answer carries the gateway's public IPv4 address;
* map TCP (opcode 2): "forward <suggested external port> to my <internal port> for <lifetime>
  seconds"; the answer carries the external port actually given and the lifetime granted
  (either may differ from the request). A request with lifetime 0 (and suggested port 0)
  deletes the mapping.

Every answer starts with version 0, the request's opcode + 128, a result code and the gateway's
"seconds since start of epoch" (SSSoE). A gateway that lost its mappings (rebooted) restarts its
epoch; :func:`epoch_lost` applies the RFC's test (§3.6) so the client can re-map at once.

Invariants:

* Every datagram is untrusted. The decoders return a value or raise
  :class:`~app.core.errors.NatPmpError` (with a stable ``reason``); nothing else escapes,
  whatever the bytes. A non-zero result code becomes an error in plain words. The driver
  treats the reasons in :data:`STRAY_REASONS` (not an answer to our request) as noise to skip.
* Answers are checked field by field: version, opcode, result, length, the internal port we
  asked about, a non-zero external port and lifetime for a mapping (zero for a deletion), a
  usable external address. Trailing bytes after the fixed fields are ignored (UDP padding).
* There is no transaction ID: the only defences against a spoofed answer are the source
  address check (the driver uses a connected socket to the gateway) and the field checks here.

The gateway-side encoders exist for tests and fuzz seeds. The default-gateway parsers read what
the OS says (``/proc/net/route`` on Linux, ``route -n get default`` on macOS/BSD, ``route print``
on Windows): also treated as untrusted text (None when no default IPv4 route is found).
"""

from __future__ import annotations

import ipaddress
import re
import struct
from dataclasses import dataclass
from enum import IntEnum

from app.core.errors import LocalProtocolError, NatPmpError

__all__ = [
    "MAX_LIFETIME",
    "OP_EXTERNAL_ADDRESS",
    "OP_MAP_TCP",
    "OP_MAP_UDP",
    "PORT",
    "RESPONSE_BIT",
    "STRAY_REASONS",
    "VERSION",
    "ExternalAddress",
    "PortMapping",
    "ResultCode",
    "decode_external_address_response",
    "decode_mapping_response",
    "encode_delete_request",
    "encode_error_response",
    "encode_external_address_request",
    "encode_external_address_response",
    "encode_mapping_request",
    "encode_mapping_response",
    "epoch_lost",
    "parse_proc_net_route",
    "parse_route_get_default",
    "parse_route_print",
    "retry_delays",
]

PORT = 5351
VERSION = 0
OP_EXTERNAL_ADDRESS = 0
OP_MAP_UDP = 1
OP_MAP_TCP = 2
RESPONSE_BIT = 128
MAX_LIFETIME = 0xFFFFFFFF

# Errors that say "this datagram does not answer what we asked": the driver keeps waiting.
STRAY_REASONS = frozenset({"short-response", "wrong-opcode", "port-mismatch"})

_HEADER = struct.Struct("!BBHI")  # version, opcode, result code, SSSoE
_EXTERNAL = struct.Struct("!BBHI4s")
_MAPPING_REQ = struct.Struct("!BBHHHI")
_MAPPING = struct.Struct("!BBHIHHI")


class ResultCode(IntEnum):
    """Result codes of RFC 6886 §3.5."""

    SUCCESS = 0
    UNSUPPORTED_VERSION = 1
    NOT_AUTHORIZED = 2
    NETWORK_FAILURE = 3
    OUT_OF_RESOURCES = 4
    UNSUPPORTED_OPCODE = 5


# reason, message, hint for each error result code
_RESULT_TEXT: dict[int, tuple[str, str, str | None]] = {
    ResultCode.UNSUPPORTED_VERSION: (
        "unsupported-version",
        "the gateway does not speak NAT-PMP version 0",
        None,
    ),
    ResultCode.NOT_AUTHORIZED: (
        "not-authorized",
        "the gateway refuses port mappings for this device",
        "turn on NAT-PMP (or UPnP) in the router's settings, or allow this device",
    ),
    ResultCode.NETWORK_FAILURE: (
        "network-failure",
        "the gateway has no working internet connection (no public address yet)",
        None,
    ),
    ResultCode.OUT_OF_RESOURCES: (
        "out-of-resources",
        "the gateway has no room for another port mapping",
        "remove unused port forwards in the router's settings",
    ),
    ResultCode.UNSUPPORTED_OPCODE: (
        "unsupported-opcode",
        "the gateway does not support this NAT-PMP request",
        None,
    ),
}


@dataclass(frozen=True, slots=True)
class ExternalAddress:
    """The gateway's answer to an external address request.

    Attributes:
        epoch: The gateway's seconds since start of epoch.
        ip: Its public IPv4 address (dotted quad; never 0.0.0.0).
    """

    epoch: int
    ip: str


@dataclass(frozen=True, slots=True)
class PortMapping:
    """The gateway's answer to a mapping (or deletion) request.

    Attributes:
        epoch: The gateway's seconds since start of epoch.
        protocol: ``"TCP"`` or ``"UDP"``.
        internal_port: Our port (as in the request).
        external_port: The port on the gateway's public address (0 after a deletion).
        lifetime: Seconds the mapping lasts (0 after a deletion).
    """

    epoch: int
    protocol: str
    internal_port: int
    external_port: int
    lifetime: int


def _opcode(protocol: str) -> int:
    if protocol == "TCP":
        return OP_MAP_TCP
    if protocol == "UDP":
        return OP_MAP_UDP
    raise LocalProtocolError(f"NAT-PMP maps TCP or UDP, not {protocol!r}")


def _check_port(port: int, name: str, *, zero_ok: bool) -> None:
    if not (0 if zero_ok else 1) <= port <= 65535:
        raise LocalProtocolError(f"NAT-PMP {name} out of range: {port}")


def encode_external_address_request() -> bytes:
    """The 2-byte external address request."""
    return bytes([VERSION, OP_EXTERNAL_ADDRESS])


def encode_mapping_request(
    internal_port: int, *, external_port: int, lifetime: int, protocol: str = "TCP"
) -> bytes:
    """A 12-byte mapping request (lifetime > 0; see :func:`encode_delete_request`).

    Args:
        internal_port: Our listening port, 1-65535.
        external_port: The external port we would like (0: any); the gateway may give another.
        lifetime: Seconds asked for, 1 to 2**32-1 (the RFC recommends 7200).
        protocol: ``"TCP"`` or ``"UDP"``.

    Raises:
        LocalProtocolError: A value out of range.
    """
    _check_port(internal_port, "internal port", zero_ok=False)
    _check_port(external_port, "external port", zero_ok=True)
    if not 1 <= lifetime <= MAX_LIFETIME:
        raise LocalProtocolError(f"NAT-PMP lifetime out of range: {lifetime}")
    return _MAPPING_REQ.pack(VERSION, _opcode(protocol), 0, internal_port, external_port, lifetime)


def encode_delete_request(internal_port: int, protocol: str = "TCP") -> bytes:
    """A request that deletes our mapping of ``internal_port`` (lifetime 0, external port 0)."""
    _check_port(internal_port, "internal port", zero_ok=False)
    return _MAPPING_REQ.pack(VERSION, _opcode(protocol), 0, internal_port, 0, 0)


def _check_header(data: bytes, opcode: int) -> int:
    """Check version, opcode and result of an answer to ``opcode``; return its epoch."""
    if len(data) < _HEADER.size:
        raise NatPmpError("short-response", f"NAT-PMP answer too short ({len(data)} bytes)")
    version, op, result, epoch = _HEADER.unpack_from(data)
    if version != VERSION:
        if version == 2:
            raise NatPmpError(
                "unsupported-version", "the gateway speaks PCP, not NAT-PMP (unsupported here)"
            )
        raise NatPmpError("bad-version", f"NAT-PMP answer with version {version}, not 0")
    if op not in (RESPONSE_BIT + opcode, RESPONSE_BIT, 0) or (
        op != RESPONSE_BIT + opcode and result != ResultCode.UNSUPPORTED_VERSION
    ):
        # RFC 6886 erratum 3618: an "unsupported version" answer may carry opcode 128 or 0.
        raise NatPmpError("wrong-opcode", f"NAT-PMP answer with opcode {op}, not {128 + opcode}")
    if result != ResultCode.SUCCESS:
        reason, message, hint = _RESULT_TEXT.get(
            result,
            ("unknown-result", f"the gateway answered with unknown result code {result}", None),
        )
        raise NatPmpError(reason, message, hint=hint)
    return int(epoch)


def decode_external_address_response(data: bytes) -> ExternalAddress:
    """Decode the answer to an external address request.

    Raises:
        NatPmpError: Not such an answer, an error result, or no usable address (0.0.0.0 or a
            multicast/unspecified one).
    """
    epoch = _check_header(data, OP_EXTERNAL_ADDRESS)
    if len(data) < _EXTERNAL.size:
        raise NatPmpError("short-response", f"NAT-PMP address answer too short ({len(data)} bytes)")
    raw = _EXTERNAL.unpack_from(data)[4]
    ip = ipaddress.IPv4Address(raw)
    if ip.is_unspecified or ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255"):
        raise NatPmpError(
            "no-external-address", f"the gateway reports no usable public address ({ip})"
        )
    return ExternalAddress(epoch, str(ip))


def decode_mapping_response(
    data: bytes, *, internal_port: int, protocol: str = "TCP", delete: bool = False
) -> PortMapping:
    """Decode the answer to a mapping request (or, with ``delete``, a deletion request).

    Args:
        data: The datagram.
        internal_port: The internal port the request named; an answer about another is stray.
        protocol: The request's protocol.
        delete: The request had lifetime 0: the answer must have lifetime 0 too.

    Raises:
        NatPmpError: Not such an answer, an error result, or a mapping that is no mapping (port
            or lifetime 0 where a mapping was asked for).
    """
    epoch = _check_header(data, _opcode(protocol))
    if len(data) < _MAPPING.size:
        raise NatPmpError("short-response", f"NAT-PMP mapping answer too short ({len(data)} bytes)")
    _, _, _, _, internal, external, lifetime = _MAPPING.unpack_from(data)
    if internal != internal_port:
        raise NatPmpError(
            "port-mismatch", f"NAT-PMP answer about port {internal}, not {internal_port}"
        )
    if delete:
        if lifetime != 0:
            raise NatPmpError(
                "bad-lifetime",
                f"the gateway kept the mapping for {lifetime} s instead of deleting it",
            )
    elif external == 0 or lifetime == 0:
        raise NatPmpError(
            "bad-mapping",
            f"the gateway answered with external port {external} and lifetime {lifetime} s",
        )
    return PortMapping(epoch, protocol, internal, external, lifetime)


def encode_external_address_response(epoch: int, ip: str) -> bytes:
    """A gateway's successful answer to an external address request (tests, fuzz seeds)."""
    return _EXTERNAL.pack(VERSION, RESPONSE_BIT, 0, epoch, ipaddress.IPv4Address(ip).packed)


def encode_mapping_response(
    epoch: int, internal_port: int, external_port: int, lifetime: int, protocol: str = "TCP"
) -> bytes:
    """A gateway's successful answer to a mapping request (tests, fuzz seeds)."""
    return _MAPPING.pack(
        VERSION, RESPONSE_BIT + _opcode(protocol), 0, epoch, internal_port, external_port, lifetime
    )


def encode_error_response(opcode: int, result: int, epoch: int) -> bytes:
    """A gateway's 8-byte error answer to ``opcode`` (tests, fuzz seeds)."""
    return _HEADER.pack(VERSION, RESPONSE_BIT + opcode, result, epoch)


def epoch_lost(last_epoch: int, last_seen: float, epoch: int, now: float) -> bool:
    """Whether the gateway lost its mappings since its last answer (RFC 6886 §3.6).

    The expected epoch is the last one plus 7/8 of the client's elapsed time; an epoch more
    than 2 s below it means the gateway restarted (or lost state), and every mapping must be
    made again at once.

    Args:
        last_epoch: SSSoE of the previous answer.
        last_seen: Client clock (seconds) when it arrived.
        epoch: SSSoE of this answer.
        now: Client clock now.
    """
    expected = last_epoch + max(0.0, now - last_seen) * 7 / 8
    return epoch < expected - 2


def retry_delays(budget: float) -> tuple[float, ...]:
    """RFC 6886 §3.1's schedule (250 ms, doubling each time) cut to ``budget`` seconds in all.

    The RFC retries for 64 s; we stop earlier, so a gateway that does not speak NAT-PMP costs
    only ``budget``. With a 4 s budget: 0.25, 0.5, 1, 2 (3.75 s).
    """
    delays: list[float] = []
    delay = 0.25
    while sum(delays) + delay <= budget + 1e-9:
        delays.append(delay)
        delay *= 2
    return tuple(delays)


def _ipv4(text: str) -> str | None:
    try:
        ip = ipaddress.IPv4Address(text)
    except ValueError:
        return None
    if ip.is_unspecified or ip.is_multicast or ip.is_loopback:
        return None
    return str(ip)


def parse_proc_net_route(text: str) -> str | None:
    """The default IPv4 gateway in Linux's ``/proc/net/route`` (lowest metric), or None.

    Lines are ``Iface Destination Gateway Flags RefCnt Use Metric Mask …``, addresses as 8
    hex digits in host (little-endian on every Linux we run on) byte order.
    """
    best: tuple[int, str] | None = None
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            dest, gateway, flags, metric, mask = (
                int(fields[1], 16), int(fields[2], 16), int(fields[3], 16),
                int(fields[6]), int(fields[7], 16),
            )  # fmt: skip
        except ValueError:
            continue
        # RTF_UP (1) and RTF_GATEWAY (2); a default route has destination and mask 0.
        if dest != 0 or mask != 0 or flags & 3 != 3 or not 0 < gateway <= 0xFFFFFFFF:
            continue
        ip = _ipv4(str(ipaddress.IPv4Address(gateway.to_bytes(4, "little"))))
        if ip is not None and (best is None or metric < best[0]):
            best = (metric, ip)
    return best[1] if best else None


_ROUTE_GET = re.compile(r"^\s*gateway:\s*(\S+)\s*$", re.MULTILINE)
_ROUTE_PRINT = re.compile(
    r"^\s*0\.0\.0\.0\s+0\.0\.0\.0\s+(\d{1,3}(?:\.\d{1,3}){3})\s+\S+\s+(\d+)\s*$", re.MULTILINE
)


def parse_route_get_default(text: str) -> str | None:
    """The gateway in the output of ``route -n get default`` (macOS, BSD), or None."""
    match = _ROUTE_GET.search(text)
    return _ipv4(match.group(1)) if match else None


def parse_route_print(text: str) -> str | None:
    """The default gateway (lowest metric) in Windows' ``route print -4`` output, or None."""
    best: tuple[int, str] | None = None
    for match in _ROUTE_PRINT.finditer(text):
        ip, metric = _ipv4(match.group(1)), int(match.group(2))
        if ip is not None and (best is None or metric < best[0]):
            best = (metric, ip)
    return best[1] if best else None
