"""The emoji page: bundled pictures (never the system font), translated names, the digits and
the two answers; an emoji without a bundled picture falls back to its text glyph, with a warning."""

from __future__ import annotations

import logging

import pytest
from pytestqt.qtbot import QtBot

from app.gui.i18n import install_translations
from app.gui.widgets.sas import SasPanel

pytestmark = pytest.mark.gui


def test_panel_shows_pictures_names_digits_and_answers(qtbot: QtBot) -> None:
    install_translations("en")
    panel = SasPanel()
    qtbot.addWidget(panel)
    panel.set_sas(
        ["🦊", "🔧", "🌤️", "🍆"], ["fox", "wrench", "sun behind small cloud", "x"], "123 456"
    )
    assert panel.emoji == ("🦊", "🔧", "🌤️", "🍆")
    assert panel.names == ("fox", "wrench", "sun behind small cloud", "x")
    assert panel.shown_names == (
        "Fox",
        "Wrench/Spanner",
        "Sun behind small cloud",
        "Eggplant/Aubergine",
    )
    assert [c.caption.text() for c in panel.cells] == list(panel.shown_names)
    assert all(c.glyph.renderer is not None for c in panel.cells)  # the bundled SVGs
    assert [c.accessibleName() for c in panel.cells] == list(panel.shown_names)
    assert panel.digits.text() == "Or compare the numbers: 123 456"
    answers: list[bool] = []
    panel.answered.connect(answers.append)
    panel.match_button.click()
    panel.mismatch_button.click()
    assert answers == [True, False]
    panel.set_answer_enabled(False)
    assert not panel.match_button.isEnabled()
    assert not panel.mismatch_button.isEnabled()

    # A second string replaces the first (no cells left over).
    panel.set_sas(["🐶", "🐱", "🐭", "🐹"], ["a", "b", "c", "d"], "000 001")
    assert len(panel.cells) == 4
    assert panel.shown_names == ("Dog", "Cat", "Mouse", "Hamster")


def test_missing_glyph_falls_back_to_the_text_with_a_warning(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    panel = SasPanel()
    qtbot.addWidget(panel)
    with caplog.at_level(logging.WARNING, logger="peerup.gui"):
        panel.set_sas(["🦖", "🐶", "🐱", "🐭"], ["t-rex", "dog", "cat", "mouse"], "123 456")
    assert panel.cells[0].glyph.renderer is None
    assert panel.cells[0].caption.text() == "t-rex"
    assert any("no bundled glyph" in r.getMessage() for r in caplog.records)
    panel.show()
    assert not panel.cells[0].glyph.grab().toImage().isNull()  # draws the text glyph
