"""Short authentication strings: what two humans compare to know they talk to each other.

Two kinds:

- :func:`derive_sas` (ours): 4 emoji (32 bits) and a 6-digit form, from a secret both ends share
  after a key exchange (the SPAKE2 key of an invite, the X25519 secret of a verify run), bound to
  both peer IDs and the handshake transcript. A man in the middle holds a different secret with
  each side, so the two screens differ. Safe only where the protocol commits to its keys before
  the secret is known (PAKE, or the commit/reveal of ``/peerup/verify/1.0.0``): then an attacker
  gets one guess per run, never an offline search.
- :func:`reference_fingerprint` (the Go peer-up's ``peerup verify``): a static hash of the two peer
  IDs, shown so a user of the Go tool can compare with us. It has no secret and no commitment; it
  only detects a peer-ID mix-up, not an active attacker with a ground key.

Emoji are always shown with their names: people should read the words aloud, not compare glyphs
(fonts differ; see docs/ux notes on Matrix's emoji SAS).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.pairing.sas_table import EMOJI

__all__ = [
    "EMOJI",
    "ReferenceFingerprint",
    "Sas",
    "derive_sas",
    "emoji_name",
    "reference_fingerprint",
]

_SAS_INFO = b"peerup-sas-v1"
SAS_EMOJI_COUNT = 4


def emoji_name(index: int) -> str:
    """The lower-case Unicode name of table entry ``index``, e.g. ``"dog face"``."""
    return unicodedata.name(EMOJI[index].replace("\ufe0f", "")).lower()


@dataclass(frozen=True, slots=True)
class Sas:
    """A short authentication string: 4 table indices and a 6-digit number.

    Both forms carry the same check: the emoji give 32 bits, the digits ~20 bits for people who
    prefer to read numbers (or use a screen reader).
    """

    indices: tuple[int, ...]
    number: int

    @property
    def emoji(self) -> tuple[str, ...]:
        """The emoji strings, in order."""
        return tuple(EMOJI[i] for i in self.indices)

    @property
    def names(self) -> tuple[str, ...]:
        """The emoji names, in order (what people read aloud)."""
        return tuple(emoji_name(i) for i in self.indices)

    @property
    def digits(self) -> str:
        """The 6-digit form, grouped ``"123 456"``."""
        text = f"{self.number:06d}"
        return f"{text[:3]} {text[3:]}"

    def emoji_text(self) -> str:
        """One line for a terminal: ``"🐶 dog face · 🐱 cat face · …"``."""
        return " · ".join(f"{e} {n}" for e, n in zip(self.emoji, self.names, strict=True))

    def to_json(self) -> dict[str, object]:
        """The wire/API form."""
        return {
            "emoji": list(self.emoji),
            "names": list(self.names),
            "indices": list(self.indices),
            "digits": self.digits,
        }


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


def derive_sas(
    secret: bytes, *, purpose: bytes, id_a: bytes, id_b: bytes, transcript: bytes = b""
) -> Sas:
    """Derive the SAS both ends of a key exchange must see.

    Args:
        secret: The shared secret (PAKE key or ECDH output); at least 16 bytes.
        purpose: Domain separation, e.g. ``b"invite/2"`` or ``b"verify/1"``.
        id_a: Raw peer-ID bytes of one end.
        id_b: Raw peer-ID bytes of the other end (order does not matter: IDs are sorted).
        transcript: A hash of the handshake messages, binding the SAS to this run.
    """
    if len(secret) < 16:
        raise ValueError("SAS secret must be at least 16 bytes")
    low, high = sorted((id_a, id_b))
    info = _SAS_INFO + b"\x00" + _lp(purpose) + _lp(low) + _lp(high) + _lp(transcript)
    out = HKDF(algorithm=hashes.SHA256(), length=8, salt=None, info=info).derive(secret)
    indices = tuple(out[:SAS_EMOJI_COUNT])
    number = int.from_bytes(out[4:8], "big") % 1_000_000
    return Sas(indices=indices, number=number)


@dataclass(frozen=True, slots=True)
class ReferenceFingerprint:
    """The Go peer-up's static verification code for a pair of peers."""

    indices: tuple[int, ...]
    numeric: str
    prefix: str

    @property
    def emoji(self) -> tuple[str, ...]:
        """The 4 emoji, in order."""
        return tuple(EMOJI[i] for i in self.indices)

    @property
    def names(self) -> tuple[str, ...]:
        """The emoji names, in order."""
        return tuple(emoji_name(i) for i in self.indices)

    def emoji_text(self) -> str:
        """The emoji joined by spaces, exactly as the Go peer-up prints them."""
        return " ".join(self.emoji)

    def to_json(self) -> dict[str, object]:
        """The API form."""
        return {
            "emoji": list(self.emoji),
            "names": list(self.names),
            "numeric": self.numeric,
            "prefix": self.prefix,
        }


def reference_fingerprint(id_a: bytes, id_b: bytes) -> ReferenceFingerprint:
    """The Go peer-up's fingerprint (spec §1.1): SHA-256 of the sorted raw IDs.

    Bytes 0, 2, 4, 6 pick the emoji (the Go code uses only even bytes), bytes 8-10 mod 10^6 give
    ``NNN-NNN``, and ``sha256:<first 4 bytes hex>`` is what it stores as ``verified=``.
    """
    low, high = sorted((id_a, id_b))
    h = hashlib.sha256(low + high).digest()
    n = ((h[8] << 16) | (h[9] << 8) | h[10]) % 1_000_000
    return ReferenceFingerprint(
        indices=(h[0], h[2], h[4], h[6]),
        numeric=f"{n // 1000:03d}-{n % 1000:03d}",
        prefix="sha256:" + h[:4].hex(),
    )
