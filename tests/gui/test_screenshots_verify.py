"""The verification dialog as people see it, rendered offscreen in English and German: the emoji
page, the results (verified, and the mismatch warning) and the Go peer-up's fingerprint page.

Always checks that the pages render (not blank, no name cut off); with
``PEERUP_SCREENSHOTS=<dir>`` (``make screenshots``) it also writes ``verify-sas.png``,
``verify-verified.png``, ``verify-mismatch.png`` and ``verify-fingerprint.png`` there, and
their German twins (``-de``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtGui import QFontMetrics, QPixmap
from pytestqt.qtbot import QtBot

from app.api.models import Snapshot
from app.core.ids.peerid import PeerId
from app.core.pairing.sas import Sas, reference_fingerprint
from app.core.status import FingerprintInfo, PeerInfo, SasInfo, VerifySessionInfo, VerifyState
from app.gui.bridge import Bridge
from app.gui.dialogs.verify import Outcome, Page, VerifyDialog
from tests.gui.shots import shoot
from tests.helpers.factories import snapshot

pytestmark = pytest.mark.gui

ME = str(PeerId.from_ed25519_public_key(bytes(range(32))))
HOME = str(PeerId.from_ed25519_public_key(bytes(range(32, 64))))
SAS = Sas(indices=(5, 151, 101, 136), number=482_913)  # fox, wrench, sun behind cloud, eggplant


def _state() -> Snapshot:
    return snapshot(PeerInfo(HOME, "home", True, False, True), peer_id=ME, authorized_peers=1)


def _session(state: VerifyState, session_id: str = "v1", **kw: object) -> VerifySessionInfo:
    fp = reference_fingerprint(PeerId.parse(ME).raw, PeerId.parse(HOME).raw)
    return VerifySessionInfo(
        id=session_id,
        peer_id=HOME,
        peer_name="home",
        role="initiator",
        state=state,
        fingerprint=FingerprintInfo(fp.emoji, fp.names, fp.numeric, fp.prefix),
        expires_at=time.time() + 9 * 60 + 41.5,
        sas=SasInfo(SAS.emoji, SAS.names, SAS.digits),
        suite="x25519-mlkem768-sha256",
        **kw,  # type: ignore[arg-type]
    )


def _dialog(qtbot: QtBot, tmp_path: Path) -> VerifyDialog:
    bridge = Bridge(tmp_path / "config.yaml", None)
    bridge._state = _state()  # no engine here: the state a watch stream would have delivered
    dialog = VerifyDialog(bridge, HOME)
    qtbot.addWidget(dialog)
    return dialog


def _shot(qtbot: QtBot, dialog: VerifyDialog, name: str, lang: str) -> QPixmap:
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.adjustSize()
    return shoot(dialog, name, lang)


def _names_fit(dialog: VerifyDialog, page: Page) -> None:
    panel = dialog.sas if page is Page.SAS else dialog.fingerprint
    for cell in panel.cells:
        metrics = QFontMetrics(cell.caption.font())
        for word in cell.caption.text().split():
            assert metrics.horizontalAdvance(word) <= cell.caption.width(), word


def test_emoji_page_renders(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    dialog = _dialog(qtbot, tmp_path)
    dialog._render(_session(VerifyState.ASKING))
    assert dialog.pages.currentIndex() == Page.SAS
    assert dialog.windowTitle() == {"en": "Verify home", "de": "home verifizieren"}[lang]
    expected = {
        "en": ("Fox", "Wrench/Spanner", "Sun behind small cloud", "Eggplant/Aubergine"),
        "de": ("Fuchs", "Schraubenschlüssel", "Sonne hinter kleiner Wolke", "Aubergine"),
    }[lang]
    assert dialog.sas.shown_names == expected
    assert dialog.countdown.text().endswith("9:41")
    _shot(qtbot, dialog, "verify-sas", lang)
    _names_fit(dialog, Page.SAS)
    # The run ends (the other side cancels): closing the dialog then has nothing to cancel.
    dialog._render(_session(VerifyState.FAILED, error_reason="peer-aborted"))
    assert dialog.outcome is Outcome.FAILED


def test_result_pages_render(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    dialog = _dialog(qtbot, tmp_path)
    dialog._render(_session(VerifyState.VERIFIED, local_match=True, peer_match=True))
    assert dialog.outcome is Outcome.VERIFIED
    assert not dialog.remove_button.isVisible()
    _shot(qtbot, dialog, "verify-verified", lang)

    dialog._render(_session(VerifyState.REJECTED, "v2", local_match=True, peer_match=False))
    assert dialog.outcome is Outcome.MISMATCH
    assert dialog.remove_button.isVisible()
    _shot(qtbot, dialog, "verify-mismatch", lang)


def test_fingerprint_page_renders(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    dialog = _dialog(qtbot, tmp_path)
    dialog.show_fingerprint(unsupported=True)
    assert dialog.pages.currentIndex() == Page.FINGERPRINT
    fp = reference_fingerprint(PeerId.parse(ME).raw, PeerId.parse(HOME).raw)
    assert dialog.fingerprint.emoji == fp.emoji
    _shot(qtbot, dialog, "verify-fingerprint", lang)
    _names_fit(dialog, Page.FINGERPRINT)
