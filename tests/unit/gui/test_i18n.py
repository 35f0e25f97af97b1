"""The translation files are complete and compiled: every plural (%n) in app/gui has its English
forms in i18n/peerup_en.ts, every message has its German text in i18n/peerup_de.ts (none
unfinished, none obsolete), and the packaged .qm files are what those files compile to. Texts
the API gives as codes (reachability reasons, error codes) have translations."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.core.reach.reachability import REASON_CODES
from app.gui.i18n import install_translations
from app.gui.texts import error_texts, reason_texts

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
GUI = REPO / "app" / "gui"


def _sources() -> list[str]:
    return sorted(str(p) for p in (*GUI.glob("*.py"), *GUI.glob("*/*.py")))


@pytest.mark.parametrize(("lang", "flags"), [("en", ["-pluralonly"]), ("de", [])])
def test_translations_are_complete_and_compiled(
    tmp_path: Path, lang: str, flags: list[str]
) -> None:
    name = f"peerup_{lang}"
    ts = tmp_path / f"{name}.ts"
    shutil.copy(REPO / "i18n" / f"{name}.ts", ts)
    subprocess.run(
        [
            *(str(BIN / "pyside6-lupdate"), "-silent", *flags, "-no-obsolete"),
            *("-locations", "none", *_sources(), "-ts", str(ts)),
        ],
        check=True,
        timeout=60,
    )
    unfinished = []
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        if translation is None or translation.get("type") is not None:  # "unfinished"
            unfinished.append(message.findtext("source"))
    assert unfinished == [], f"run `make i18n` and translate these in i18n/{name}.ts"
    # lupdate drops obsolete messages (-no-obsolete): the file must not change.
    assert ts.read_text() == (REPO / "i18n" / f"{name}.ts").read_text(), "run `make i18n`"

    qm = tmp_path / f"{name}.qm"
    subprocess.run(
        [str(BIN / "pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True, timeout=60
    )
    packaged = REPO / "resources" / "i18n" / f"{name}.qm"
    assert qm.read_bytes() == packaged.read_bytes(), "run `make i18n`"


def test_every_reason_code_has_a_translation(qapp: object) -> None:
    assert set(reason_texts()) == REASON_CODES
    try:
        assert install_translations("de") == "de"
        german = reason_texts()
    finally:
        install_translations("en")
    english = reason_texts()
    for code in REASON_CODES:
        assert german[code][0] != english[code][0], code
        assert bool(german[code][1]) == bool(english[code][1]), code
        if english[code][1]:
            assert german[code][1] != english[code][1], code


def test_english_reason_texts_match_the_engine() -> None:
    """The GUI's English source texts are the engine's own (no drift between the two)."""
    english = reason_texts()
    for code in REASON_CODES:
        result = _result_for(code)
        if result is not None:
            assert english[code] == (result[0], result[1]), code


def _result_for(code: str) -> tuple[str, str] | None:
    from app.core.reach import reachability

    rules = reachability._RULES  # the table is the engine's contract; read it as-is
    _grade, reason, hint = rules[code]
    return reason, hint


def test_error_codes_are_translated(qapp: object) -> None:
    try:
        install_translations("de")
        german = error_texts()
    finally:
        install_translations("en")
    english = error_texts()
    assert "peer-unreachable" in english
    for code, text in english.items():
        assert german[code] != text, code
