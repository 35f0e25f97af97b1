"""The text forms of invite and pairing codes: dash-grouped base32 and ``peerup://join/`` links.

Every code is a binary blob whose first byte says what it is (:class:`CodeKind`). Ours end in a
3-byte check (truncated SHA-256) so a typo is caught locally, with a precise message, instead of
spending one of the code's three PAKE attempts. The Go peer-up's codes (kinds 1 and 2) have no
check and are recognised so we can say what they are.

Text form (as the Go peer-up): RFC 4648 base32, upper case, no padding, groups of 4 joined by
``-``. Decoding accepts lower case, spaces, line breaks, dashes anywhere, and the link form.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import re

from app.core.errors import InvalidCodeError

__all__ = [
    "LINK_PREFIX",
    "MAX_CODE_TEXT",
    "CodeKind",
    "code_kind",
    "decode_text",
    "encode_text",
    "to_link",
]

LINK_PREFIX = "peerup://join/"
CHECK_LEN = 3
MAX_CODE_TEXT = 4096
_GROUP = 4
_SEPARATORS = re.compile(r"[\s\-]+")
_BASE32 = re.compile(r"[A-Z2-7]*")


class CodeKind(enum.IntEnum):
    """The first byte of a code."""

    REFERENCE_INVITE = 0x01  # Go peer-up `peerup invite` (/peerup/invite/1.0.0)
    REFERENCE_PAIRING = 0x02  # Go peer-up `peerup relay pair` (/peerup/relay-pair/1.0.0)
    INVITE = 0x03  # ours: /peerup/invite/2.0.0 (SPAKE2)
    PAIRING = 0x04  # ours: relay pairing code (/peerup/relay-pair/1.0.0)

    @property
    def has_check(self) -> bool:
        """Whether codes of this kind end in our 3-byte check."""
        return self in (CodeKind.INVITE, CodeKind.PAIRING)


def _check(body: bytes) -> bytes:
    return hashlib.sha256(b"peerup-code-check\x00" + body).digest()[:CHECK_LEN]


def encode_text(body: bytes) -> str:
    """The dash-grouped base32 text of a code body (first byte = its kind); adds the check."""
    kind = code_kind(body)
    raw = body + _check(body) if kind.has_check else body
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def to_link(text: str) -> str:
    """The ``peerup://join/…`` link of a code's text."""
    return LINK_PREFIX + text


def code_kind(raw: bytes) -> CodeKind:
    """The kind of a decoded code, or :class:`InvalidCodeError` naming the version byte."""
    if not raw:
        raise InvalidCodeError("the code is empty")
    try:
        return CodeKind(raw[0])
    except ValueError:
        if raw[0] > max(CodeKind):
            raise InvalidCodeError(
                f"the code has version {raw[0]}, newer than this peer-up understands",
                hint="update peer-up on this device",
            ) from None
        raise InvalidCodeError(f"unsupported code version {raw[0]}") from None


def decode_text(text: str) -> tuple[CodeKind, bytes]:
    """Parse a code or link typed or pasted by a person; returns its kind and body (no check).

    Raises:
        InvalidCodeError: with a message that says what is wrong (bad character and where,
            truncated, typo caught by the check, unknown version).
    """
    if len(text) > MAX_CODE_TEXT:
        raise InvalidCodeError(f"the code is too long ({len(text)} characters)")
    stripped = text.strip()
    if stripped.lower().startswith(LINK_PREFIX):
        stripped = stripped[len(LINK_PREFIX) :]
    compact = _SEPARATORS.sub("", stripped).upper()
    if not compact:
        raise InvalidCodeError("the code is empty")
    if _BASE32.fullmatch(compact) is None:
        position = next(i for i, c in enumerate(compact) if _BASE32.fullmatch(c) is None)
        raise InvalidCodeError(
            f"the code has a character that cannot be in it: {compact[position]!r} "
            f"(character {position + 1})",
            hint="codes use only the letters A-Z and the digits 2-7",
        )
    if len(compact) % 8 in (1, 3, 6):
        raise InvalidCodeError("the code is cut off or has extra characters")
    try:
        raw = base64.b32decode(compact + "=" * (-len(compact) % 8))
    except (binascii.Error, ValueError):
        raise InvalidCodeError("the code is cut off or has extra characters") from None
    kind = code_kind(raw)
    if not kind.has_check:
        return kind, raw
    if len(raw) <= 1 + CHECK_LEN:
        raise InvalidCodeError("the code is too short")
    body, check = raw[:-CHECK_LEN], raw[-CHECK_LEN:]
    if _check(body) != check:
        raise InvalidCodeError(
            "the code has a typo (its check does not match)",
            hint="copy it again, or compare it with the original character by character",
        )
    return kind, body
