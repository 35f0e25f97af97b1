"""libp2p peer IDs without libp2p.

A peer ID is a multihash of the peer's protobuf-encoded public key. Ed25519 keys are small enough
to be inlined with the *identity* multihash (code 0x00), which is why their text form starts with
``12D3KooW``; older RSA-era IDs use sha256 (code 0x12) and start with ``Qm``. We only need to
recognise, compare and print IDs here, so parsing is strict and purely syntactic: a varint code,
a varint length, and exactly that many digest bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import base58

from app.core.errors import InvalidPeerIdError
from app.core.wire.varint import UvarintProblem, read_uvarint

__all__ = ["PeerId", "is_peer_id"]

_IDENTITY = 0x00
_SHA256 = 0x12
# Protobuf PublicKey{Type=Ed25519(1), Data=<32 bytes>}.
_ED25519_PUBKEY_PREFIX = b"\x08\x01\x12\x20"
_MAX_TEXT = 128  # generous: the longest ID we accept is 38 bytes → 52 base58 chars
_ED25519_DIGEST_LEN = len(_ED25519_PUBKEY_PREFIX) + 32
# Every Ed25519 peer ID (identity multihash of a 36-byte key) reads "12D3KooW" + 44 characters.
_ED25519_TEXT_PREFIX = "12D3KooW"
_ED25519_TEXT_LEN = 52


_HEADER_ERRORS = {
    UvarintProblem.TRUNCATED: "peer ID is truncated (incomplete multihash header)",
    UvarintProblem.NON_MINIMAL: "peer ID has a non-minimal varint in its multihash header",
    UvarintProblem.OVERLONG: "peer ID has an overlong varint in its multihash header",
}


def _header_error(problem: UvarintProblem) -> InvalidPeerIdError:
    return InvalidPeerIdError(_HEADER_ERRORS[problem])


def _validate(raw: bytes) -> None:
    if not raw:
        raise InvalidPeerIdError("peer ID is empty")
    code, pos = read_uvarint(raw, 0, error=_header_error)
    length, pos = read_uvarint(raw, pos, error=_header_error)
    if code == _IDENTITY:
        # Only Ed25519 keys are inlined by the peers we talk to; accepting any inlined blob would
        # make typos such as "12D3KooWnope" valid IDs.
        if length != _ED25519_DIGEST_LEN:
            raise InvalidPeerIdError(
                f"peer ID has wrong length: inlined key of {length} bytes "
                f"(expected {_ED25519_DIGEST_LEN}, an Ed25519 key)"
            )
    elif code == _SHA256:
        if length != 32:
            raise InvalidPeerIdError(
                f"peer ID has wrong length: sha256 digest of {length} bytes (expected 32)"
            )
    else:
        raise InvalidPeerIdError(
            f"peer ID uses unsupported multihash code 0x{code:x} (expected identity or sha256)"
        )
    rest = len(raw) - pos
    if rest != length:
        raise InvalidPeerIdError(
            f"peer ID has wrong length: header announces {length} digest bytes, found {rest}"
        )
    if code == _IDENTITY and raw[pos : pos + 4] != _ED25519_PUBKEY_PREFIX:
        raise InvalidPeerIdError("peer ID inlines a key that is not an Ed25519 public key")


@dataclass(frozen=True, slots=True)
class PeerId:
    """A validated libp2p peer ID.

    Attributes:
        raw: The multihash bytes (38 bytes for an Ed25519 key), the form Go's ``[]byte(peer.ID)``
            uses.
    """

    raw: bytes

    @classmethod
    def parse(cls, text: str) -> PeerId:
        """Parse the base58btc text form (``12D3KooW…`` or ``Qm…``).

        Args:
            text: The peer ID; surrounding whitespace is ignored.

        Returns:
            The peer ID.

        Raises:
            InvalidPeerIdError: The text is empty, not base58 or not a valid multihash.
        """
        if not isinstance(text, str):
            raise InvalidPeerIdError("peer ID must be text")
        text = text.strip()
        if not text:
            raise InvalidPeerIdError("peer ID is empty")
        if len(text) > _MAX_TEXT:
            raise InvalidPeerIdError(f"peer ID has wrong length ({len(text)} characters)")
        if not text.isascii():
            raise InvalidPeerIdError("peer ID is not base58 (it contains non-ASCII characters)")
        try:
            raw = base58.b58decode(text)
        except ValueError:
            bad = next((c for c in text if c not in _B58_ALPHABET), "?")
            raise InvalidPeerIdError(
                f"peer ID is not base58 (character {bad!r} is not allowed)",
                hint="peer IDs look like 12D3KooW… and never contain 0, O, I or l",
            ) from None
        if text.startswith(_ED25519_TEXT_PREFIX) and len(text) != _ED25519_TEXT_LEN:
            # Decoded, such a text gives a nonsense multihash header ("inlined key of 1055
            # bytes"); what went wrong is the copying.
            raise InvalidPeerIdError(
                f"peer ID has the wrong length: {len(text)} characters, where a "
                f"{_ED25519_TEXT_PREFIX}… peer ID has {_ED25519_TEXT_LEN} (cut short, or a "
                "character too many?)",
                hint="copy the whole peer ID again (`peerup whoami` on that device prints it)",
            )
        return cls.from_bytes(raw)

    @classmethod
    def from_bytes(cls, raw: bytes) -> PeerId:
        """Build a peer ID from its multihash bytes.

        Raises:
            InvalidPeerIdError: The bytes are not a valid identity or sha256 multihash.
        """
        raw = bytes(raw)
        _validate(raw)
        return cls(raw)

    @classmethod
    def from_ed25519_public_key(cls, pub: bytes) -> PeerId:
        """Return the peer ID of a raw 32-byte Ed25519 public key.

        Raises:
            InvalidPeerIdError: ``pub`` is not 32 bytes.
        """
        if len(pub) != 32:
            raise InvalidPeerIdError(f"Ed25519 public key has {len(pub)} bytes (expected 32)")
        encoded = _ED25519_PUBKEY_PREFIX + bytes(pub)
        return cls(bytes([_IDENTITY, len(encoded)]) + encoded)

    def ed25519_public_key(self) -> bytes | None:
        """Return the inlined raw Ed25519 public key, or None if the ID does not inline one."""
        if (
            len(self.raw) == 38
            and self.raw[0] == _IDENTITY
            and self.raw[1] == 36
            and self.raw[2:6] == _ED25519_PUBKEY_PREFIX
        ):
            return self.raw[6:]
        return None

    def short(self) -> str:
        """Return the first 16 characters plus ``...``, as the reference prints IDs."""
        return str(self)[:16] + "..."

    def __str__(self) -> str:
        return base58.b58encode(self.raw).decode("ascii")

    def __repr__(self) -> str:
        return f"PeerId({str(self)!r})"


_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def is_peer_id(text: str) -> bool:
    """Return True if ``text`` parses as a peer ID (see :meth:`PeerId.parse`)."""
    try:
        PeerId.parse(text)
    except InvalidPeerIdError:
        return False
    return True
