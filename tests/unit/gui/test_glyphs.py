"""The bundled Twemoji glyphs: every SAS table entry has its SVG, named as Twemoji names it, and
Qt can draw each one; nothing else is bundled."""

from __future__ import annotations

from importlib import resources

import pytest

from app.core.pairing.sas_table import EMOJI
from app.gui.glyphs import glyph_file, glyph_resource

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    ("emoji", "name"),
    [
        ("🐶", "1f436.svg"),
        ("☀️", "2600.svg"),  # U+FE0F dropped
        ("☀", "2600.svg"),
        ("🌤️", "1f324.svg"),
        ("⭐", "2b50.svg"),
        ("🫘", "1fad8.svg"),
        ("🏳️‍🌈", "1f3f3-fe0f-200d-1f308.svg"),  # with a joiner Twemoji keeps U+FE0F
        ("🇩🇪", "1f1e9-1f1ea.svg"),
    ],
)
def test_glyph_file_names_code_points_as_twemoji_does(emoji: str, name: str) -> None:
    assert glyph_file(emoji) == name


def test_glyph_file_refuses_nothing() -> None:
    with pytest.raises(ValueError, match="no emoji"):
        glyph_file("")


def test_every_table_entry_has_its_glyph_and_nothing_else_is_bundled() -> None:
    missing = [e for e in EMOJI if not glyph_resource(e).is_file()]
    assert missing == []
    folder = resources.files("app.resources") / "emoji"
    bundled = {f.name for f in folder.iterdir() if f.name.endswith(".svg")}
    assert bundled == {glyph_file(e) for e in EMOJI}
    assert (folder / "LICENSE").is_file()
    assert "CC-BY 4.0" in (folder / "LICENSE").read_text()


def test_qt_draws_every_glyph(qapp: object) -> None:
    from PySide6.QtCore import QByteArray
    from PySide6.QtSvg import QSvgRenderer

    bad = []
    for emoji in EMOJI:
        renderer = QSvgRenderer(QByteArray(glyph_resource(emoji).read_bytes()))
        if not renderer.isValid() or renderer.defaultSize().isEmpty():
            bad.append(glyph_file(emoji))
    assert bad == []
