"""Every reason a verification run can end with (``error_reason``) has a sentence in plain words,
and the API's verify error codes have theirs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.gui.texts import error_texts, verify_failure_text, verify_failure_texts

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parents[3]
# Where runs end: VerificationError("reason", …), _fail("reason", …), cancel("reason", …),
# _abort("reason", …) and the abort's "peer-aborted".
SOURCES = ("app/core/pairing/verify.py", "app/engine/verify.py")
REASON = re.compile(r'(?:VerificationError|_fail|cancel|_abort)\(\s*"([a-z-]+)"')


def test_every_reason_a_run_ends_with_has_a_text(qapp: object) -> None:
    found = {"peer-aborted", "unsupported"}
    for source in SOURCES:
        found |= set(REASON.findall((REPO / source).read_text()))
    assert {"tampered", "expired", "closed", "crossed", "replaced"} <= found
    assert found <= set(verify_failure_texts())


def test_unknown_reason_falls_back_to_the_message(qapp: object) -> None:
    assert verify_failure_text("brand-new", "the English message") == "the English message"
    assert verify_failure_text(None, None) == ""
    assert verify_failure_text("expired", "x").startswith("The verification expired")


def test_verify_error_codes_have_texts(qapp: object) -> None:
    texts = error_texts()
    for code in ("verification-failed", "verify-unsupported", "not-verified", "peer-unreachable"):
        assert texts[code]
