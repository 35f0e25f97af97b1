"""The short invite code for devices on the same LAN: ``7-word-word-word``.

The number (the *nameplate*, 1-999) lets the joiner find the inviter by mDNS on the local
network; the three words (PGP word list: two-syllable, three-syllable, two-syllable, so a
swapped or dropped word is caught) are the SPAKE2 password, 24 bits. That is little, and it is
enough only because of the PAKE: an attacker gets one guess per handshake, and the invite burns
after 3 failed attempts (a 3 in 16.7 million chance), and only from the same network.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from app.core.codes.pgpwords import EVEN, ODD
from app.core.errors import InvalidCodeError

__all__ = ["LanCode", "code_words", "is_lan_code", "parse_lan_code"]

MAX_NAMEPLATE = 999
MAX_LAN_CODE_TEXT = 128
_SHAPE = re.compile(r"^\s*(\d{1,3})[-\s]+([A-Za-z]+)[-\s]+([A-Za-z]+)[-\s]+([A-Za-z]+)\s*$")
_LOOKS_LIKE = re.compile(r"^\s*\d{1,3}[-\s]+[A-Za-z]")
_LISTS = (EVEN, ODD, EVEN)
_INDEX = (
    {w: i for i, w in enumerate(EVEN)},
    {w: i for i, w in enumerate(ODD)},
    {w: i for i, w in enumerate(EVEN)},
)


@dataclass(frozen=True, slots=True)
class LanCode:
    """A short LAN invite code.

    Attributes:
        nameplate: 1-999, announced by mDNS (public).
        words: The three secret words.
    """

    nameplate: int
    words: tuple[str, str, str]

    @classmethod
    def create(cls) -> LanCode:
        """A fresh random code."""
        nameplate = 1 + secrets.randbelow(MAX_NAMEPLATE)
        words = tuple(lst[secrets.randbelow(256)] for lst in _LISTS)
        return cls(nameplate, (words[0], words[1], words[2]))

    def text(self) -> str:
        """``7-word-word-word``."""
        return f"{self.nameplate}-" + "-".join(self.words)

    @property
    def password(self) -> bytes:
        """The SPAKE2 password (domain-separated from long codes' passwords)."""
        return b"peerup-lan-code\x00" + self.text().encode("ascii")

    @property
    def invite_id(self) -> bytes:
        """The invite ID the handshake carries for this code (derived from the nameplate)."""
        return nameplate_invite_id(self.nameplate)


def nameplate_invite_id(nameplate: int) -> bytes:
    """The public invite ID of a nameplate."""
    return hashlib.sha256(b"peerup-lan-nameplate\x00" + str(nameplate).encode()).digest()[:8]


def code_words(position: int) -> tuple[str, ...]:
    """The words that may stand at ``position`` (1-3) of a short code, for a completer.

    Raises:
        ValueError: ``position`` is not 1, 2 or 3.
    """
    if not 1 <= position <= len(_LISTS):
        raise ValueError(f"a short code has words 1 to {len(_LISTS)}, not {position}")
    return _LISTS[position - 1]


def is_lan_code(text: str) -> bool:
    """Whether ``text`` looks like a short code (a number, a dash, a word) rather than base32."""
    return len(text) <= MAX_LAN_CODE_TEXT and _LOOKS_LIKE.match(text) is not None


def parse_lan_code(text: str) -> LanCode:
    """Parse ``7-word-word-word`` (any case; dashes or spaces).

    Raises:
        InvalidCodeError: naming the number or the word that is wrong.
    """
    if len(text) > MAX_LAN_CODE_TEXT:
        raise InvalidCodeError("the short code is too long")
    match = _SHAPE.match(text)
    if match is None:
        raise InvalidCodeError(
            "a short code is a number and three words, like 7-guidance-aftermath-crumpled"
        )
    nameplate = int(match.group(1))
    if not 1 <= nameplate <= MAX_NAMEPLATE:
        raise InvalidCodeError(f"the short code's number must be 1 to {MAX_NAMEPLATE}")
    words = tuple(w.lower() for w in match.group(2, 3, 4))
    for position, (word, index) in enumerate(zip(words, _INDEX, strict=True), start=1):
        if word not in index:
            other = _INDEX[1] if position != 2 else _INDEX[0]
            if word in other:
                raise InvalidCodeError(
                    f"word {position} ({word!r}) is in the wrong place: words may be swapped"
                )
            raise InvalidCodeError(f"word {position} ({word!r}) is not a code word (typo?)")
    return LanCode(nameplate, (words[0], words[1], words[2]))
