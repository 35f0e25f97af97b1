"""The bundled emoji glyphs: one Twemoji SVG per entry of the SAS table, never the system font.

Fonts draw the same emoji differently (a butterfly, a smiley with or without teeth), so two
screens that show the same string can look different; every peer-up screen draws the same
pictures from ``resources/emoji`` (Twemoji, CC-BY 4.0, see ``resources/emoji/LICENSE``).
Files are named the way Twemoji names them: :func:`glyph_file`. No Qt here: the extraction
script (``resources/emoji/extract.py``) uses it too.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

_ZWJ = "\u200d"
_VS16 = "\ufe0f"  # variation selector-16: "draw as emoji"


def glyph_file(emoji: str) -> str:
    """The Twemoji file name of ``emoji``, e.g. ``"1f436.svg"``, ``"2600.svg"`` for ``"☀️"``.

    The code points in lower-case hex joined by ``-``; U+FE0F is dropped unless the sequence
    has a zero-width joiner (Twemoji's own rule), so ``"☀️"`` and ``"☀"`` name the same file.

    Raises:
        ValueError: ``emoji`` is empty.
    """
    if not emoji:
        raise ValueError("no emoji given")
    if _ZWJ not in emoji:
        emoji = emoji.replace(_VS16, "")
    return "-".join(f"{ord(c):x}" for c in emoji) + ".svg"


def glyph_resource(emoji: str) -> Traversable:
    """Where the bundled SVG of ``emoji`` is (it may not exist for an emoji outside the table)."""
    return resources.files("app.resources") / "emoji" / glyph_file(emoji)
