"""The pairing dialogs as people see them, rendered offscreen from realistic states, in English and
German: the invite wizard's QR page (a short code on the LAN, after one wrong attempt), the join
dialog's progress, and a relay pairing join's members.

Always checks that they render (not blank, no text cut off); with ``PEERUP_SCREENSHOTS=<dir>``
(``make screenshots``) it writes ``invite-qr.png``, ``join-progress.png`` and
``join-members.png``, and their German twins ``…-de.png``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.api.models import JoinedPeer, PairingJoinReply
from app.core.codes.invitecode import InviteCode
from app.core.codes.lancode import LanCode
from app.core.codes.paircode import encode_pairing
from app.core.ids.peerid import PeerId
from app.core.pairing.invite import InviteProgress
from app.core.status import JoinProgress, JoinStep
from app.gui.bridge import Bridge
from app.gui.dialogs.invite import InviteDialog
from app.gui.dialogs.join import JoinDialog
from tests.gui.shots import assert_nothing_cut_off, shoot
from tests.gui.test_screenshots import RELAY

pytestmark = pytest.mark.gui

HOME = "12D3KooWLapt0pZ8mT9BqVdR3fKc4XyE6hNw2PsJ7uGa5bLx1Qn"
INVITER = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA"
GROUP_RELAY = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"


def invite_code() -> InviteCode:
    """A code as a device with one relay and a LAN address makes it."""
    return InviteCode.create(
        PeerId.parse(INVITER),
        addresses=[f"/ip4/203.0.113.9/tcp/4001/p2p/{RELAY}", "/ip4/192.168.1.20/tcp/4001"],
        expires_at=int(time.time()) + 600,
    )


def grab(qtbot: QtBot, dialog: QWidget, name: str, lang: str) -> None:
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.adjustSize()
    qtbot.wait(10)  # the layout settles on the next turn of the event loop
    shoot(dialog, name, lang)
    assert_nothing_cut_off(dialog)


def test_invite_qr_page(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    dialog = InviteDialog(Bridge(tmp_path / "config.yaml", None))
    qtbot.addWidget(dialog)
    dialog.lan.setChecked(True)
    code = invite_code()
    short = LanCode(7, ("guidance", "aftermath", "crumpled"))
    dialog.show_progress(
        InviteProgress(
            kind="code",
            code=code.text(),
            link=code.link(),
            short_code=short.text(),
            expires_at=code.expires_at,
        )
    )
    dialog.show_progress(InviteProgress(kind="attempt", peer_id=HOME))
    dialog.show_progress(InviteProgress(kind="attempt-failed", failures=1, attempts_left=2))
    assert dialog.qr.text() == code.link()
    assert dialog.short_code.text() == "7-guidance-aftermath-crumpled"
    expires = {"en": "Expires in", "de": "Läuft ab in"}[lang]
    assert re.fullmatch(rf"{expires} (10:00|9:5\d)", dialog.countdown.text())
    assert "2" in dialog.banner.text()
    grab(qtbot, dialog, "invite-qr", lang)


def test_join_progress(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    code = invite_code()
    dialog = JoinDialog(Bridge(tmp_path / "config.yaml", None), code.link())
    qtbot.addWidget(dialog)
    assert dialog.join_button.isEnabled()
    dialog.show_steps(pairing=False)
    for step in (JoinStep.CONNECTING, JoinStep.EXCHANGING_KEYS):
        dialog.show_step(JoinProgress("join-1", "invite", INVITER, step))
    assert dialog.steps[JoinStep.CONNECTING].text().startswith("✓")
    assert dialog.steps[JoinStep.EXCHANGING_KEYS].text().startswith("▶")
    assert dialog.steps[JoinStep.CONFIRMING].text().startswith("○")
    grab(qtbot, dialog, "join-progress", lang)


def test_join_members(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    text = encode_pairing(bytes(16), [f"/ip4/203.0.113.50/tcp/7777/p2p/{GROUP_RELAY}"], None, 9)
    dialog = JoinDialog(Bridge(tmp_path / "config.yaml", None), text)
    qtbot.addWidget(dialog)
    assert "relay" in dialog.kind.text().lower()
    dialog.show_steps(pairing=True)
    dialog.show_group(
        PairingJoinReply(
            group_id="a1b2c3d4",
            relay=GROUP_RELAY,
            group_size=4,
            members=(
                JoinedPeer("12D3KooW" + "Desktop" * 6 + "xx", "desktop"),
                JoinedPeer("12D3KooW" + "Nasbox0" * 6 + "yy", "nas"),
            ),
            proofs_verified=True,
            relay_added=True,
        )
    )
    assert dialog.members.topLevelItemCount() == 2
    unverified = {"en": "[UNVERIFIED]", "de": "[UNVERIFIZIERT]"}[lang]
    assert dialog.members.topLevelItem(0).text(2) == unverified
    grab(qtbot, dialog, "join-members", lang)
