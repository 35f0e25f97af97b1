"""Relay pairing codes: ours (kind PAIRING, 0x04) and the Go peer-up's (REFERENCE_PAIRING, 0x02).

A pairing code lets one device join a group that a relay admin opened (``peerup relay pair``). It
carries everything the joiner needs and nothing more: how to reach the relay (its addresses and
peer ID, which Noise then authenticates), the private network name, a 128-bit random token (the
only secret; the relay stores just its SHA-256), and when the group expires.

Our layout (after the kind byte; :mod:`app.core.codes.codetext` adds a 3-byte typo check)::

    [16] token
    [4]  group expiry, unix seconds, big endian (0 = no expiry known)
    [1]  L_r  | [L_r]  relay peer ID (raw multihash)
    [1]  L_ns | [L_ns] namespace (UTF-8, 0 = global network)
    [1]  N (1..4) | N x ([1] L_a | [L_a] binary multiaddr of the relay, without /p2p)

The addresses are binary multiaddrs (protocol codes as in the multiaddr table), so any transport
fits: ip4, ip6, dns/dns4/dns6, tcp, udp + quic-v1, ws/wss. The reference's 0x02 layout (spec §3.1)
carries one IPv4 address and a TCP port only::

    [16] token | [4] IPv4 | [2] port | [1] L_r | [L_r] relay peer ID | [1] L_ns | [L_ns] namespace

Decoders are strict: every length is checked, trailing bytes are refused, and every error says
what is wrong. Nothing here does I/O.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

from app.core.codes import maddrbin
from app.core.codes.codetext import CodeKind, decode_text, encode_text
from app.core.errors import (
    InvalidAddressError,
    InvalidCodeError,
    InvalidNameError,
    InvalidPeerIdError,
)
from app.core.ids.names import validate_namespace
from app.core.ids.peerid import PeerId

__all__ = [
    "MAX_ADDRESSES",
    "TOKEN_SIZE",
    "PairingCode",
    "decode_multiaddr",
    "decode_pairing_body",
    "encode_multiaddr",
    "encode_pairing",
    "encode_reference_pairing",
    "parse_pairing_code",
]

TOKEN_SIZE = 16
MAX_ADDRESSES = 4
MAX_ADDRESS_BYTES = 255
MAX_NAMESPACE = 63


@dataclass(frozen=True)
class PairingCode:
    """A decoded pairing code.

    Attributes:
        kind: PAIRING (ours) or REFERENCE_PAIRING (a Go peer-up relay's).
        token: The 16-byte secret (never shown in ``repr``).
        relay_peer_id: The relay's peer ID.
        relay_addresses: Full multiaddrs of the relay, each ending in ``/p2p/<relay ID>``.
        namespace: The private network, or None for the global one.
        expires_at: Unix seconds when the group expires (None: the code does not say; the
            reference's codes never do).
    """

    kind: CodeKind
    token: bytes = field(repr=False)
    relay_peer_id: PeerId
    relay_addresses: tuple[str, ...]
    namespace: str | None
    expires_at: int | None


# ---- binary multiaddrs (app.core.codes.maddrbin's shared codec, restricted to relay transports)

_HOSTS = ("ip4", "ip6", "dns", "dns4", "dns6")


def _check_relay_transport(text: str) -> None:
    parts = text.rstrip("/").split("/")
    if len(parts) < 2 or parts[0] != "" or parts[1] not in _HOSTS:
        raise InvalidCodeError(
            f"relay address {text!r} must start with /ip4, /ip6 or /dns* for a pairing code"
        )
    if "p2p" in parts or "p2p-circuit" in parts or "ipfs" in parts:
        raise InvalidCodeError(f"relay address {text!r} cannot go into a pairing code as is")


def encode_multiaddr(text: str) -> bytes:
    """The binary form of a relay transport address such as ``/ip4/1.2.3.4/tcp/7777``.

    Raises:
        InvalidCodeError: Not starting with a host, a /p2p part, or a bad or unknown part.
    """
    _check_relay_transport(text.strip())
    try:
        return maddrbin.encode_multiaddr(text)
    except InvalidAddressError as exc:
        raise InvalidCodeError(f"not a usable relay address: {exc.message}") from None
    except ValueError:
        raise InvalidCodeError(f"relay address {text!r} has a bad value") from None


def decode_multiaddr(data: bytes) -> str:
    """The text form of :func:`encode_multiaddr`'s output.

    Raises:
        InvalidCodeError: Malformed, or not a relay transport address.
    """
    text = maddrbin.decode_multiaddr(data)
    _check_relay_transport(text)
    return text


# ---- encoding ------------------------------------------------------------------------------------


def _split_relay_address(address: str) -> tuple[str, PeerId]:
    text = address.strip().rstrip("/")
    if "/p2p/" not in text:
        raise InvalidCodeError(f"relay address {address!r} has no /p2p/<relay peer ID>")
    base, pid_text = text.rsplit("/p2p/", 1)
    try:
        return base, PeerId.parse(pid_text)
    except InvalidPeerIdError as exc:
        raise InvalidCodeError(f"relay address {address!r}: {exc.message}") from None


def _namespace_bytes(namespace: str | None) -> bytes:
    if not namespace:
        return b"\x00"
    try:
        validate_namespace(namespace)
    except InvalidNameError as exc:
        raise InvalidCodeError(exc.message) from None
    raw = namespace.encode("utf-8")
    if len(raw) > MAX_NAMESPACE:
        raise InvalidCodeError(f"network name is {len(raw)} bytes (at most {MAX_NAMESPACE})")
    return bytes([len(raw)]) + raw


def encode_pairing(
    token: bytes,
    relay_addresses: list[str] | tuple[str, ...],
    namespace: str | None,
    expires_at: int,
) -> str:
    """Our pairing code (kind PAIRING) as dash-grouped text.

    Args:
        token: 16 random bytes.
        relay_addresses: 1 to 4 multiaddrs of the relay, each ending in ``/p2p/<relay ID>`` (all
            the same relay).
        namespace: The private network, or None/"" for the global one.
        expires_at: Unix seconds when the group expires.

    Raises:
        InvalidCodeError: Anything that cannot be put into a code.
    """
    if len(token) != TOKEN_SIZE:
        raise InvalidCodeError(f"a pairing token is {TOKEN_SIZE} bytes, not {len(token)}")
    if not 1 <= len(relay_addresses) <= MAX_ADDRESSES:
        raise InvalidCodeError(f"a pairing code holds 1 to {MAX_ADDRESSES} relay addresses")
    if not 0 <= expires_at < 1 << 32:
        raise InvalidCodeError("the expiry does not fit into a pairing code")
    relay: PeerId | None = None
    encoded: list[bytes] = []
    for address in relay_addresses:
        base, pid = _split_relay_address(address)
        if relay is not None and pid != relay:
            raise InvalidCodeError("every relay address of a pairing code must name the same relay")
        relay = pid
        encoded.append(encode_multiaddr(base))
    assert relay is not None
    body = bytearray([CodeKind.PAIRING])
    body += token + struct.pack(">I", expires_at)
    body += bytes([len(relay.raw)]) + relay.raw
    body += _namespace_bytes(namespace)
    body.append(len(encoded))
    for item in encoded:
        body += bytes([len(item)]) + item
    return encode_text(bytes(body))


def encode_reference_pairing(token: bytes, relay_address: str, namespace: str | None) -> str:
    """The Go peer-up's pairing code (kind REFERENCE_PAIRING, spec §3.1) for one address.

    Raises:
        InvalidCodeError: The address is not ``/ip4/…/tcp/…/p2p/…`` (the only form that
            layout can carry), or the token or namespace do not fit.
    """
    if len(token) != TOKEN_SIZE:
        raise InvalidCodeError(f"a pairing token is {TOKEN_SIZE} bytes, not {len(token)}")
    base, pid = _split_relay_address(relay_address)
    parts = base.split("/")
    if len(parts) != 5 or parts[1] != "ip4" or parts[3] != "tcp":
        raise InvalidCodeError(
            f"the Go peer-up's pairing codes carry only /ip4/…/tcp/… addresses, not {base!r}"
        )
    try:
        ip = ipaddress.IPv4Address(parts[2]).packed
        port = int(parts[4])
        if not 0 < port <= 65535:
            raise ValueError(port)
    except ValueError:
        raise InvalidCodeError(f"relay address {relay_address!r} is malformed") from None
    body = bytes([CodeKind.REFERENCE_PAIRING]) + token + ip + struct.pack(">H", port)
    body += bytes([len(pid.raw)]) + pid.raw + _namespace_bytes(namespace)
    return encode_text(body)


# ---- decoding ------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 1  # after the kind byte

    def take(self, count: int, what: str) -> bytes:
        if self.pos + count > len(self.data):
            raise InvalidCodeError(f"the code is cut off (in {what})")
        out = self.data[self.pos : self.pos + count]
        self.pos += count
        return out

    def prefixed(self, what: str) -> bytes:
        return self.take(self.take(1, what)[0], what)

    def end(self) -> None:
        extra = len(self.data) - self.pos
        if extra:
            raise InvalidCodeError(f"the code has {extra} unexpected bytes at its end")


def _read_relay(reader: _Reader) -> PeerId:
    raw = reader.prefixed("the relay's peer ID")
    try:
        return PeerId.from_bytes(raw)
    except InvalidPeerIdError as exc:
        raise InvalidCodeError(f"the code's relay peer ID is invalid: {exc.message}") from None


def _read_namespace(reader: _Reader) -> str | None:
    raw = reader.prefixed("the network name")
    if not raw:
        return None
    try:
        return validate_namespace(raw.decode("utf-8"))
    except (UnicodeDecodeError, InvalidNameError):
        raise InvalidCodeError("the code's network name is invalid") from None


def decode_pairing_body(kind: CodeKind, body: bytes) -> PairingCode:
    """Decode the binary body of a pairing code (as returned by ``codetext.decode_text``).

    Raises:
        InvalidCodeError: Not a pairing code, or malformed, with what and where.
    """
    if not body or body[0] != kind:
        raise InvalidCodeError("the code's kind byte does not match")
    reader = _Reader(body)
    if kind is CodeKind.REFERENCE_PAIRING:
        if len(body) < 24:
            raise InvalidCodeError("the code is too short for a relay pairing code")
        token = reader.take(TOKEN_SIZE, "the token")
        ip = ipaddress.IPv4Address(reader.take(4, "the relay's IPv4 address"))
        port = struct.unpack(">H", reader.take(2, "the relay's port"))[0]
        relay = _read_relay(reader)
        namespace = _read_namespace(reader)
        reader.end()
        if port == 0:
            raise InvalidCodeError("the code's relay port is 0")
        address = f"/ip4/{ip}/tcp/{port}/p2p/{relay}"
        return PairingCode(kind, token, relay, (address,), namespace, None)
    if kind is not CodeKind.PAIRING:
        raise InvalidCodeError(
            "this is not a relay pairing code",
            hint="an invite code goes to `peerup join` as well, which tells them apart",
        )
    token = reader.take(TOKEN_SIZE, "the token")
    (expires,) = struct.unpack(">I", reader.take(4, "the expiry"))
    relay = _read_relay(reader)
    namespace = _read_namespace(reader)
    count = reader.take(1, "the number of relay addresses")[0]
    if not 1 <= count <= MAX_ADDRESSES:
        raise InvalidCodeError(f"the code lists {count} relay addresses (1 to {MAX_ADDRESSES})")
    addresses = tuple(
        f"{decode_multiaddr(reader.prefixed('a relay address'))}/p2p/{relay}" for _ in range(count)
    )
    reader.end()
    return PairingCode(kind, token, relay, addresses, namespace, expires or None)


def parse_pairing_code(text: str) -> PairingCode:
    """Decode a pairing code or link typed or pasted by a person.

    Raises:
        InvalidCodeError: With a precise message (see :func:`app.core.codes.codetext.decode_text`).
    """
    kind, body = decode_text(text)
    return decode_pairing_body(kind, body)
