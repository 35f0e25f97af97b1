"""The emoji names people read aloud: one per SAS table entry, unique, neutral where English
varies, and translated by hand into German (every one finished in i18n/peerup_de.ts)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.core.pairing.sas_table import EMOJI
from app.gui.emoji_names import emoji_name, emoji_names
from app.gui.i18n import install_translations

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.gui


@pytest.fixture
def english(qapp: object) -> object:
    assert install_translations("en") == "en"
    return qapp


def test_every_table_entry_has_a_unique_english_name(english: object) -> None:
    names = emoji_names()
    assert list(names) == list(EMOJI)  # the same entries, in the table's order
    assert all(n.strip() == n and n for n in names.values())
    assert len(set(names.values())) == len(EMOJI)
    assert emoji_name("🐶") == "Dog"
    assert emoji_name("🔧") == "Wrench/Spanner"  # neutral where English varies
    assert emoji_name("☀️") == "Sun"


def test_an_emoji_outside_the_table_keeps_the_given_name(english: object) -> None:
    assert emoji_name("🦖", "t-rex") == "t-rex"
    assert emoji_name("🦖") == "🦖"


def test_every_name_has_a_finished_unique_german_translation(english: object) -> None:
    root = ET.parse(REPO / "i18n" / "peerup_de.ts").getroot()
    [context] = [c for c in root.iter("context") if c.findtext("name") == "Emoji"]
    german: dict[str, str] = {}
    for message in context.iter("message"):
        translation = message.find("translation")
        assert translation is not None
        assert translation.get("type") is None, message.findtext("source")
        german[message.findtext("source") or ""] = translation.text or ""
    english_names = set(emoji_names().values())
    assert set(german) == english_names
    assert all(german.values())
    assert len(set(german.values())) == len(EMOJI)
    try:
        assert install_translations("de") == "de"
        assert emoji_name("🐶") == "Hund"
        assert emoji_name("🔧") == "Schraubenschlüssel"
        assert set(emoji_names().values()) == set(german.values())
    finally:
        install_translations("en")
