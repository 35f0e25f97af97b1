"""The English translation file is complete and compiled: every plural (%n) in app/gui has its
English forms in i18n/peerup_en.ts, and the packaged .qm is what that file compiles to."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def test_english_plurals_are_complete_and_compiled(tmp_path: Path) -> None:
    ts = tmp_path / "peerup_en.ts"
    shutil.copy(REPO / "i18n" / "peerup_en.ts", ts)
    sources = sorted(str(p) for p in (REPO / "app" / "gui").glob("*.py"))
    subprocess.run(
        [
            *(str(BIN / "pyside6-lupdate"), "-silent", "-pluralonly", "-no-obsolete"),
            *("-locations", "none", *sources, "-ts", str(ts)),
        ],
        check=True,
        timeout=60,
    )
    unfinished = []
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        if translation is None or translation.get("type") is not None:  # "unfinished"
            unfinished.append(message.findtext("source"))
    assert unfinished == [], "run `make i18n` and fill in the English plural forms"
    assert ts.read_text() == (REPO / "i18n" / "peerup_en.ts").read_text(), "run `make i18n`"

    qm = tmp_path / "peerup_en.qm"
    subprocess.run(
        [str(BIN / "pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True, timeout=60
    )
    packaged = REPO / "app" / "gui" / "resources" / "i18n" / "peerup_en.qm"
    assert qm.read_bytes() == packaged.read_bytes(), "run `make i18n`"
