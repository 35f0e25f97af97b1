"""The binary form of the multiaddrs we put in codes (a strict subset of the multiaddr spec).

A multiaddr's binary form is a sequence of ``varint(protocol code) ‖ value``; fixed-size values
(IPv4 4 bytes, IPv6 16, ports 2) are raw and variable ones (DNS names, peer IDs) carry a varint
length. It is about half the size of the text form, which matters in a code people copy.
Only the protocols a peer-up relay or peer can be reached on are accepted; anything else, a
truncated value, a bad IP, DNS name or peer ID, or trailing bytes is an :class:`InvalidCodeError`.
"""

from __future__ import annotations

import ipaddress

from app.core.errors import InvalidAddressError, InvalidCodeError, InvalidPeerIdError
from app.core.ids.netaddr import check_multiaddr_syntax
from app.core.ids.peerid import PeerId
from app.core.wire.varint import UvarintProblem, encode_uvarint, read_uvarint

__all__ = ["MAX_BINARY_MULTIADDR", "decode_multiaddr", "encode_multiaddr"]

MAX_BINARY_MULTIADDR = 255
_MAX_COMPONENTS = 8
_MAX_DNS = 253

# name → (code, value kind): "ip4", "ip6", "port", "dns", "p2p" or "" (no value).
_BY_NAME: dict[str, tuple[int, str]] = {
    "ip4": (0x04, "ip4"),
    "tcp": (0x06, "port"),
    "udp": (0x0111, "port"),
    "ip6": (0x29, "ip6"),
    "dns": (0x35, "dns"),
    "dns4": (0x36, "dns"),
    "dns6": (0x37, "dns"),
    "p2p": (0x01A5, "p2p"),
    "p2p-circuit": (0x0122, ""),
    "quic": (0x01CC, ""),
    "quic-v1": (0x01CD, ""),
    "ws": (0x01DD, ""),
    "wss": (0x01DE, ""),
}
_BY_CODE = {code: (name, kind) for name, (code, kind) in _BY_NAME.items()}


# Protocol codes and lengths in codes are small; four bytes (28 bits) is plenty.
_MAX_NUMBER_BYTES = 4


def _number_error(problem: UvarintProblem) -> InvalidCodeError:
    if problem is UvarintProblem.TRUNCATED:
        return InvalidCodeError("an address in the code is cut off")
    return InvalidCodeError("an address in the code has a malformed number")


def encode_multiaddr(text: str) -> bytes:
    """The binary form of a multiaddr.

    Raises:
        InvalidAddressError: a protocol we do not carry in codes, or a malformed address.
    """
    addr = check_multiaddr_syntax(text).rstrip("/")
    parts = addr[1:].split("/")
    out = bytearray()
    i = 0
    while i < len(parts):
        name = "p2p" if parts[i] == "ipfs" else parts[i]
        if name not in _BY_NAME:
            raise InvalidAddressError(f"multiaddr {text!r}: /{parts[i]} cannot be put in a code")
        code, kind = _BY_NAME[name]
        out += encode_uvarint(code)
        i += 1
        if not kind:
            continue
        value = parts[i]
        i += 1
        if kind == "ip4":
            out += ipaddress.IPv4Address(value).packed
        elif kind == "ip6":
            out += ipaddress.IPv6Address(value).packed
        elif kind == "port":
            out += int(value).to_bytes(2, "big")
        elif kind == "dns":
            raw = value.encode("ascii")
            out += encode_uvarint(len(raw)) + raw
        else:
            raw = PeerId.parse(value).raw
            out += encode_uvarint(len(raw)) + raw
    if len(out) > MAX_BINARY_MULTIADDR:
        raise InvalidAddressError(f"multiaddr {text!r} is too long to put in a code")
    return bytes(out)


def decode_multiaddr(data: bytes) -> str:
    """The text form of a binary multiaddr from a code.

    Raises:
        InvalidCodeError: naming what is wrong.
    """
    if not data:
        raise InvalidCodeError("an address in the code is empty")
    if len(data) > MAX_BINARY_MULTIADDR:
        raise InvalidCodeError("an address in the code is too long")
    parts: list[str] = []
    pos = 0
    while pos < len(data):
        if len(parts) >= _MAX_COMPONENTS:
            raise InvalidCodeError("an address in the code has too many parts")
        code, pos = read_uvarint(data, pos, max_bytes=_MAX_NUMBER_BYTES, error=_number_error)
        if code not in _BY_CODE:
            raise InvalidCodeError(f"an address in the code uses unknown protocol 0x{code:x}")
        name, kind = _BY_CODE[code]
        parts.append(name)
        if not kind:
            continue
        if kind in ("ip4", "ip6", "port"):
            size = {"ip4": 4, "ip6": 16, "port": 2}[kind]
            value = data[pos : pos + size]
            if len(value) != size:
                raise InvalidCodeError(f"an address in the code has a cut-off /{name}")
            pos += size
            if kind == "ip4":
                parts.append(str(ipaddress.IPv4Address(value)))
            elif kind == "ip6":
                parts.append(str(ipaddress.IPv6Address(value)))
            else:
                parts.append(str(int.from_bytes(value, "big")))
            continue
        length, pos = read_uvarint(data, pos, max_bytes=_MAX_NUMBER_BYTES, error=_number_error)
        value = data[pos : pos + length]
        if len(value) != length:
            raise InvalidCodeError(f"an address in the code has a cut-off /{name}")
        pos += length
        if kind == "dns":
            if not 0 < length <= _MAX_DNS:
                raise InvalidCodeError("an address in the code has a DNS name of a wrong length")
            try:
                parts.append(value.decode("ascii"))
            except UnicodeDecodeError:
                raise InvalidCodeError("an address in the code has a non-ASCII DNS name") from None
        else:
            try:
                parts.append(str(PeerId.from_bytes(value)))
            except InvalidPeerIdError as exc:
                raise InvalidCodeError(f"an address in the code has a bad peer ID: {exc}") from None
    text = "/" + "/".join(parts)
    try:
        return check_multiaddr_syntax(text)
    except InvalidAddressError as exc:
        raise InvalidCodeError(f"an address in the code is malformed: {exc.message}") from None
