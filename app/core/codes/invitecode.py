"""Invite codes (kind INVITE, 0x03): what `peerup invite` prints and `peerup join` reads.

Binary layout after the kind byte (all integers big-endian)::

    [1] layout version (1)
    [8] invite ID        public, names this invite in the handshake's first message
    [10] password        the SPAKE2 password (80 random bits)
    [4] expiry           unix seconds (u32)
    [1+n] inviter        raw peer ID (multihash), n ≤ 64
    [1+n] namespace      UTF-8, n ≤ 63 (0 = the global network)
    [1] address count    1..6
      [1+n] address      binary multiaddr, n ≤ 255: a relay (…/p2p/<relay>, dialled as a
                         circuit to the inviter) or a direct address of the inviter
                         (no /p2p, or /p2p/<inviter>)

:mod:`app.core.codes.codetext` adds the kind byte's text form, a 3-byte typo check, base32 groups
and the ``peerup://join/`` link. Nothing may follow the last address.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.codes.codetext import CodeKind, decode_text, encode_text, to_link
from app.core.codes.maddrbin import decode_multiaddr, encode_multiaddr
from app.core.errors import InvalidCodeError, InvalidNameError, InvalidPeerIdError
from app.core.ids.names import validate_namespace
from app.core.ids.peerid import PeerId

__all__ = [
    "LAYOUT_VERSION",
    "MAX_ADDRESSES",
    "PASSWORD_LEN",
    "InviteCode",
    "decode_invite_body",
    "parse_invite_code",
]

LAYOUT_VERSION = 1
INVITE_ID_LEN = 8
PASSWORD_LEN = 10
MAX_ADDRESSES = 6
MAX_NAMESPACE = 63
MAX_PEER_ID = 64


@dataclass(frozen=True, slots=True)
class InviteCode:
    """A decoded invite code.

    Attributes:
        invite_id: Public 8-byte name of the invite (sent in the clear in the handshake).
        password: The SPAKE2 password (secret; 10 bytes).
        expires_at: Unix seconds after which the inviter refuses the code.
        inviter: The inviter's peer ID (Noise authenticates it when the joiner dials).
        namespace: The inviter's network namespace ("" = global).
        addresses: Relay addresses (with /p2p/<relay>) and direct addresses of the inviter.
    """

    invite_id: bytes
    password: bytes
    expires_at: int
    inviter: PeerId
    namespace: str
    addresses: tuple[str, ...]

    @classmethod
    def create(
        cls,
        inviter: PeerId,
        *,
        addresses: Sequence[str],
        expires_at: int,
        namespace: str = "",
    ) -> InviteCode:
        """A new code with a fresh random invite ID and password.

        A direct address loses its ``/p2p/<inviter>`` suffix: the code names the inviter once,
        and 38 bytes less per address keep the code (and its QR) short.
        """
        own_suffix = f"/p2p/{inviter}"
        code = cls(
            invite_id=secrets.token_bytes(INVITE_ID_LEN),
            password=secrets.token_bytes(PASSWORD_LEN),
            expires_at=expires_at,
            inviter=inviter,
            namespace=namespace,
            addresses=tuple(a.removesuffix(own_suffix) for a in addresses),
        )
        code.to_body()  # validates
        return code

    @property
    def relay_addresses(self) -> tuple[str, ...]:
        """Addresses of relays (they name a peer other than the inviter)."""
        return tuple(a for a in self.addresses if _names_other_peer(a, self.inviter))

    @property
    def direct_addresses(self) -> tuple[str, ...]:
        """Addresses of the inviter itself."""
        return tuple(a for a in self.addresses if not _names_other_peer(a, self.inviter))

    def dial_addresses(self) -> tuple[str, ...]:
        """What the joiner dials: direct addresses and a circuit through each relay."""
        circuits = tuple(f"{a}/p2p-circuit" for a in self.relay_addresses)
        return self.direct_addresses + circuits

    def to_body(self) -> bytes:
        """The binary body (kind byte first), before the check.

        Raises:
            InvalidCodeError: a field out of bounds.
        """
        if len(self.invite_id) != INVITE_ID_LEN or len(self.password) != PASSWORD_LEN:
            raise InvalidCodeError("invite ID or password has the wrong length")
        if not 0 <= self.expires_at < 1 << 32:
            raise InvalidCodeError("invite expiry out of range")
        try:
            if self.namespace:
                validate_namespace(self.namespace)
        except InvalidNameError as exc:
            raise InvalidCodeError(f"bad namespace: {exc.message}") from None
        namespace = self.namespace.encode("utf-8")
        if len(namespace) > MAX_NAMESPACE:
            raise InvalidCodeError("namespace too long for a code")
        if not 1 <= len(self.addresses) <= MAX_ADDRESSES:
            raise InvalidCodeError(f"an invite code carries 1 to {MAX_ADDRESSES} addresses")
        out = bytearray([CodeKind.INVITE, LAYOUT_VERSION])
        out += self.invite_id + self.password + self.expires_at.to_bytes(4, "big")
        out += bytes([len(self.inviter.raw)]) + self.inviter.raw
        out += bytes([len(namespace)]) + namespace
        out.append(len(self.addresses))
        for address in self.addresses:
            binary = encode_multiaddr(address)
            out += bytes([len(binary)]) + binary
        return bytes(out)

    def text(self) -> str:
        """Dash-grouped base32 (with the typo check)."""
        return encode_text(self.to_body())

    def link(self) -> str:
        """The ``peerup://join/…`` link."""
        return to_link(self.text())


def _names_other_peer(address: str, inviter: PeerId) -> bool:
    head = address.split("/p2p-circuit")[0]
    if "/p2p/" not in head:
        return False
    return head.rsplit("/p2p/", 1)[1] != str(inviter)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise InvalidCodeError(f"the invite code is cut off (in its {what})")
        self.pos += n
        return chunk

    def take_lp(self, limit: int, what: str) -> bytes:
        (n,) = self.take(1, what)
        if n > limit:
            raise InvalidCodeError(f"the invite code's {what} is too long ({n} bytes)")
        return self.take(n, what)


def decode_invite_body(body: bytes) -> InviteCode:
    """Parse the binary body of a kind-INVITE code (kind byte first, check removed).

    Raises:
        InvalidCodeError: with a message naming the field that is wrong.
    """
    reader = _Reader(body)
    (kind,) = reader.take(1, "kind")
    if kind != CodeKind.INVITE:
        raise InvalidCodeError(f"not an invite code (kind {kind})")
    (version,) = reader.take(1, "layout version")
    if version != LAYOUT_VERSION:
        if version > LAYOUT_VERSION:
            raise InvalidCodeError(
                f"the invite code has layout {version}, newer than this peer-up understands",
                hint="update peer-up on this device",
            )
        raise InvalidCodeError(f"unsupported invite code layout {version}")
    invite_id = reader.take(INVITE_ID_LEN, "invite ID")
    password = reader.take(PASSWORD_LEN, "password")
    expires_at = int.from_bytes(reader.take(4, "expiry"), "big")
    inviter_raw = reader.take_lp(MAX_PEER_ID, "inviter peer ID")
    try:
        inviter = PeerId.from_bytes(inviter_raw)
    except InvalidPeerIdError as exc:
        raise InvalidCodeError(f"the invite code's inviter is not a peer ID: {exc}") from None
    namespace_raw = reader.take_lp(MAX_NAMESPACE, "namespace")
    try:
        namespace = namespace_raw.decode("utf-8")
        if namespace:
            validate_namespace(namespace)
    except (UnicodeDecodeError, InvalidNameError):
        raise InvalidCodeError("the invite code's namespace is not a valid name") from None
    (count,) = reader.take(1, "address count")
    if not 1 <= count <= MAX_ADDRESSES:
        raise InvalidCodeError(
            f"the invite code has {count} addresses (expected 1 to {MAX_ADDRESSES})"
        )
    addresses = tuple(decode_multiaddr(reader.take_lp(255, "address")) for _ in range(count))
    if reader.pos != len(body):
        raise InvalidCodeError(f"the invite code has {len(body) - reader.pos} trailing bytes")
    return InviteCode(
        invite_id=invite_id,
        password=password,
        expires_at=expires_at,
        inviter=inviter,
        namespace=namespace,
        addresses=addresses,
    )


def parse_invite_code(text: str) -> InviteCode:
    """Parse an invite code or link typed or pasted by a person.

    Raises:
        InvalidCodeError: not text of a kind-INVITE code, or malformed (precise message).
    """
    kind, body = decode_text(text)
    if kind is not CodeKind.INVITE:
        raise InvalidCodeError(f"this is not an invite code of this kind ({kind.name.lower()})")
    return decode_invite_body(body)
