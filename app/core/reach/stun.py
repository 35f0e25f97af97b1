"""STUN (RFC 5389) Binding messages, sans-IO: just enough to learn our mapped address.

Theory of operation: a client sends a Binding Request (20-byte header, no attributes) and the
server answers with a Binding Success Response carrying the source address it saw, preferably
in XOR-MAPPED-ADDRESS (the address XOR-ed with the magic cookie, so that NATs rewriting "IP
addresses they find in payloads" leave it alone), else in the RFC 3489 MAPPED-ADDRESS.

Invariants:

* Every datagram on the wire is untrusted. :func:`decode_message` and the functions built on it
  either return a value or raise :class:`~app.core.errors.StunError` (with a stable ``reason``);
  nothing else escapes, whatever the bytes.
* A response counts only if its magic cookie and 96-bit transaction ID match the request's; the
  transaction ID is the only defence against off-path spoofing, so callers must draw it from a
  CSPRNG (it is passed in: this module takes no randomness of its own).
* Attributes that we do not understand are skipped, including comprehension-required ones.
  RFC 5389 §7.3.3 says a client should drop such a response, but RFC 3489 servers still in
  service (Debian's ``stund``) send SOURCE-ADDRESS and CHANGED-ADDRESS, and we only ever read
  the mapped address, so being lenient costs nothing.
* Only the first XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS) counts (RFC 5389 §15).

The server-side encoder (:func:`encode_binding_success`) exists for our own test STUN server.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.errors import LocalProtocolError, StunError

__all__ = [
    "ATTR_ERROR_CODE",
    "ATTR_MAPPED_ADDRESS",
    "ATTR_SOFTWARE",
    "ATTR_XOR_MAPPED_ADDRESS",
    "BINDING_ERROR_RESPONSE",
    "BINDING_REQUEST",
    "BINDING_SUCCESS",
    "HEADER_SIZE",
    "MAGIC_COOKIE",
    "MAX_MESSAGE_SIZE",
    "TRANSACTION_ID_SIZE",
    "StunMessage",
    "decode_message",
    "encode_binding_request",
    "encode_binding_success",
    "encode_message",
    "mapped_address_value",
    "parse_binding_request",
    "parse_binding_response",
    "xor_mapped_address_value",
]

MAGIC_COOKIE = 0x2112A442
HEADER_SIZE = 20
TRANSACTION_ID_SIZE = 12
# RFC 5389 §7.1: without path MTU knowledge, keep messages under 576 bytes (IPv4) or 1280
# (IPv6). We accept anything a UDP datagram can carry but refuse to parse more than this.
MAX_MESSAGE_SIZE = 65535

BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
BINDING_ERROR_RESPONSE = 0x0111

ATTR_MAPPED_ADDRESS = 0x0001
ATTR_ERROR_CODE = 0x0009
ATTR_XOR_MAPPED_ADDRESS = 0x0020
ATTR_SOFTWARE = 0x8022

_FAMILY_IPV4 = 0x01
_FAMILY_IPV6 = 0x02
_COOKIE_BYTES = struct.pack("!I", MAGIC_COOKIE)
_HEADER = struct.Struct("!HHI12s")
_ATTR_HEADER = struct.Struct("!HH")


@dataclass(frozen=True, slots=True)
class StunMessage:
    """A STUN message whose header and attribute framing are valid.

    Attributes:
        message_type: The 14-bit message type (method and class), e.g. ``0x0101``.
        transaction_id: The 12-byte transaction ID.
        attributes: ``(type, value)`` pairs in wire order, values without padding.
    """

    message_type: int
    transaction_id: bytes
    attributes: tuple[tuple[int, bytes], ...]

    def first(self, attr_type: int) -> bytes | None:
        """Return the value of the first attribute of ``attr_type``, or None."""
        for kind, value in self.attributes:
            if kind == attr_type:
                return value
        return None


def _check_transaction_id(transaction_id: bytes) -> None:
    if not isinstance(transaction_id, bytes) or len(transaction_id) != TRANSACTION_ID_SIZE:
        raise LocalProtocolError("a STUN transaction ID is exactly 12 bytes")


def _pad(length: int) -> int:
    return (4 - length % 4) % 4


def encode_message(
    message_type: int, transaction_id: bytes, attributes: Sequence[tuple[int, bytes]] = ()
) -> bytes:
    """Encode a STUN message with the given attributes (each padded to 4 bytes).

    Args:
        message_type: 14-bit message type, e.g. :data:`BINDING_REQUEST`.
        transaction_id: 12 bytes.
        attributes: ``(type, value)`` pairs; values shorter than 65536 bytes.

    Returns:
        The message bytes.

    Raises:
        LocalProtocolError: A bad transaction ID, message type or attribute (our bug).
    """
    _check_transaction_id(transaction_id)
    if not 0 <= message_type <= 0x3FFF:
        raise LocalProtocolError("a STUN message type has 14 bits")
    body = bytearray()
    for kind, value in attributes:
        if not 0 <= kind <= 0xFFFF or len(value) > 0xFFFF:
            raise LocalProtocolError("a STUN attribute type or value is out of range")
        body += _ATTR_HEADER.pack(kind, len(value)) + value + b"\x00" * _pad(len(value))
    if len(body) > MAX_MESSAGE_SIZE - HEADER_SIZE:
        raise LocalProtocolError("a STUN message is limited to 65535 bytes")
    return _HEADER.pack(message_type, len(body), MAGIC_COOKIE, transaction_id) + bytes(body)


def encode_binding_request(transaction_id: bytes) -> bytes:
    """Encode a Binding Request without attributes (20 bytes).

    Args:
        transaction_id: 12 bytes from a CSPRNG, remembered to match the response.

    Returns:
        The request datagram.

    Raises:
        LocalProtocolError: ``transaction_id`` is not 12 bytes.
    """
    return encode_message(BINDING_REQUEST, transaction_id)


def decode_message(data: bytes) -> StunMessage:
    """Check a datagram's STUN header and split its attributes.

    Args:
        data: One UDP payload, untrusted.

    Returns:
        The message.

    Raises:
        StunError: The datagram is not a well-formed RFC 5389 STUN message; ``reason`` says why.
    """
    if len(data) < HEADER_SIZE:
        raise StunError("too-short", f"{len(data)} bytes is shorter than a STUN header")
    if len(data) > MAX_MESSAGE_SIZE:
        raise StunError("too-long", f"{len(data)} bytes is longer than any STUN message")
    message_type, length, cookie, transaction_id = _HEADER.unpack_from(data)
    if message_type & 0xC000:
        raise StunError("not-stun", "the two leading bits of a STUN message must be zero")
    if cookie != MAGIC_COOKIE:
        raise StunError("bad-cookie", f"magic cookie is {cookie:#010x}, not 0x2112a442")
    if length % 4:
        raise StunError("bad-length", f"message length {length} is not a multiple of 4")
    if length != len(data) - HEADER_SIZE:
        raise StunError(
            "bad-length",
            f"header says {length} bytes of attributes, datagram has {len(data) - HEADER_SIZE}",
        )
    attributes: list[tuple[int, bytes]] = []
    offset = HEADER_SIZE
    while offset < len(data):
        if len(data) - offset < _ATTR_HEADER.size:
            raise StunError("truncated-attribute", "an attribute header is cut off")
        kind, size = _ATTR_HEADER.unpack_from(data, offset)
        start = offset + _ATTR_HEADER.size
        end = start + size
        if end + _pad(size) > len(data):
            raise StunError(
                "truncated-attribute",
                f"attribute {kind:#06x} claims {size} bytes, past the end of the message",
            )
        attributes.append((kind, bytes(data[start:end])))
        offset = end + _pad(size)
    return StunMessage(message_type, bytes(transaction_id), tuple(attributes))


def _decode_address(value: bytes, *, xor_with: bytes | None) -> tuple[str, int]:
    """Decode a (XOR-)MAPPED-ADDRESS value; ``xor_with`` is cookie + transaction ID for XOR."""
    name = "XOR-MAPPED-ADDRESS" if xor_with is not None else "MAPPED-ADDRESS"
    if len(value) < 4:
        raise StunError("bad-address", f"{name} is {len(value)} bytes, too short")
    family = value[1]
    port = struct.unpack_from("!H", value, 2)[0]
    raw = value[4:]
    if family == _FAMILY_IPV4:
        expected = 4
    elif family == _FAMILY_IPV6:
        expected = 16
    else:
        raise StunError("bad-address", f"{name} has unknown address family {family:#04x}")
    if len(raw) != expected:
        raise StunError(
            "bad-address", f"{name} carries {len(raw)} address bytes for a {expected}-byte family"
        )
    if xor_with is not None:
        port ^= MAGIC_COOKIE >> 16
        raw = bytes(a ^ b for a, b in zip(raw, xor_with, strict=False))
    ip = ipaddress.ip_address(raw)
    return str(ip), port


def _error_code(message: StunMessage) -> str:
    value = message.first(ATTR_ERROR_CODE)
    if value is None or len(value) < 4:
        return "no ERROR-CODE"
    code = (value[2] & 0x07) * 100 + value[3]
    phrase = value[4:].decode("utf-8", "replace")[:128]
    return f"{code} {phrase}".strip()


def parse_binding_response(data: bytes, transaction_id: bytes) -> tuple[str, int]:
    """Return the mapped ``(ip, port)`` from a Binding Success Response to our request.

    Args:
        data: One UDP payload, untrusted.
        transaction_id: The ID our request carried.

    Returns:
        The server-reflexive address: from XOR-MAPPED-ADDRESS if present, else MAPPED-ADDRESS.
        IPv6 addresses come back in their compressed text form.

    Raises:
        StunError: Anything else, including a Binding Error Response (``reason`` is
            ``"error-response"``) and a response to another transaction
            (``"transaction-mismatch"``).
        LocalProtocolError: ``transaction_id`` is not 12 bytes.
    """
    _check_transaction_id(transaction_id)
    message = decode_message(data)
    if message.transaction_id != transaction_id:
        raise StunError("transaction-mismatch", "the response is for another transaction")
    if message.message_type == BINDING_ERROR_RESPONSE:
        reason = _error_code(message)
        raise StunError("error-response", f"the server refused the request ({reason})")
    if message.message_type != BINDING_SUCCESS:
        raise StunError(
            "not-binding-response",
            f"message type {message.message_type:#06x} is not a Binding Success Response",
        )
    xor_value = message.first(ATTR_XOR_MAPPED_ADDRESS)
    if xor_value is not None:
        return _decode_address(xor_value, xor_with=_COOKIE_BYTES + transaction_id)
    plain_value = message.first(ATTR_MAPPED_ADDRESS)
    if plain_value is not None:
        return _decode_address(plain_value, xor_with=None)
    raise StunError("no-mapped-address", "the response has no (XOR-)MAPPED-ADDRESS")


def parse_binding_request(data: bytes) -> bytes:
    """Check that a datagram is a Binding Request and return its transaction ID (server side).

    Args:
        data: One UDP payload, untrusted.

    Returns:
        The 12-byte transaction ID to echo.

    Raises:
        StunError: Not a well-formed Binding Request.
    """
    message = decode_message(data)
    if message.message_type != BINDING_REQUEST:
        raise StunError(
            "not-binding-request", f"message type {message.message_type:#06x} is not a request"
        )
    return message.transaction_id


def _address_value(ip: str, port: int, *, xor_with: bytes | None) -> bytes:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        raise LocalProtocolError(f"{ip!r} is not an IP address") from None
    if not 0 <= port <= 0xFFFF:
        raise LocalProtocolError(f"port {port} is out of range")
    raw = addr.packed
    if xor_with is not None:
        port ^= MAGIC_COOKIE >> 16
        raw = bytes(a ^ b for a, b in zip(raw, xor_with, strict=False))
    family = _FAMILY_IPV4 if addr.version == 4 else _FAMILY_IPV6
    return struct.pack("!BBH", 0, family, port) + raw


def xor_mapped_address_value(ip: str, port: int, transaction_id: bytes) -> bytes:
    """Encode the value of an XOR-MAPPED-ADDRESS attribute.

    Raises:
        LocalProtocolError: Not an IP address, a port out of range or a bad transaction ID.
    """
    _check_transaction_id(transaction_id)
    return _address_value(ip, port, xor_with=_COOKIE_BYTES + transaction_id)


def mapped_address_value(ip: str, port: int) -> bytes:
    """Encode the value of a (legacy, RFC 3489) MAPPED-ADDRESS attribute.

    Raises:
        LocalProtocolError: Not an IP address or a port out of range.
    """
    return _address_value(ip, port, xor_with=None)


def encode_binding_success(
    transaction_id: bytes,
    ip: str,
    port: int,
    *,
    legacy_mapped: bool = False,
    software: str | None = None,
) -> bytes:
    """Encode a Binding Success Response reporting ``ip:port`` (server side).

    Args:
        transaction_id: The request's transaction ID.
        ip: The source IP the request came from.
        port: The source port the request came from.
        legacy_mapped: Also include MAPPED-ADDRESS, as RFC 5389 servers do for old clients.
        software: Optional SOFTWARE attribute (at most 763 bytes of UTF-8).

    Returns:
        The response datagram.

    Raises:
        LocalProtocolError: Bad arguments (our bug).
    """
    attributes = [(ATTR_XOR_MAPPED_ADDRESS, xor_mapped_address_value(ip, port, transaction_id))]
    if legacy_mapped:
        attributes.append((ATTR_MAPPED_ADDRESS, mapped_address_value(ip, port)))
    if software is not None:
        attributes.append((ATTR_SOFTWARE, software.encode("utf-8")[:763]))
    return encode_message(BINDING_SUCCESS, transaction_id, attributes)
