"""Notifications through the tray: shown from state changes, switched off per kind (persisted),
coalesced with a fake clock."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings

from app.api.models import Snapshot
from app.core.status import Grade, PeerInfo
from app.gui.bridge import Bridge
from app.gui.i18n import install_translations
from app.gui.notifications import Notifications, kind_label, notice_text
from app.gui.notify import Kind, Notice
from tests.helpers.factories import reachability, snapshot

NAS = "12D3KooWNas"


@pytest.fixture(autouse=True)
def _english(qapp: object) -> None:
    assert install_translations("en") == "en"


def _state(grade: Grade = Grade.B, *peers: PeerInfo) -> Snapshot:
    reach = reachability(grade, "symmetric-nat", reason="")
    return snapshot(*peers, authorized_peers=len(peers), reachability=reach)


def test_shown_switched_off_and_coalesced(tmp_path: Path) -> None:
    now = [100.0]
    shown: list[tuple[str, str]] = []
    settings = QSettings(str(tmp_path / "tray.ini"), QSettings.Format.IniFormat)
    bridge = Bridge(tmp_path / "config.yaml", None)
    notes = Notifications(
        bridge, lambda t, x: shown.append((t, x)), clock=lambda: now[0], settings=settings
    )

    bridge.state_changed.emit(_state())
    assert shown == []  # the first state is not news
    bridge.state_changed.emit(_state(Grade.B, PeerInfo(NAS, "nas", True, False, False)))
    assert shown == [("nas joined", "nas can now reach this device.")]

    shown.clear()
    peer = PeerInfo(NAS, "nas", True, False, False)
    for i, grade in enumerate((Grade.D, Grade.B, Grade.D)):
        now[0] = 101.0 + i
        bridge.state_changed.emit(_state(grade, peer))
    assert shown == [("Reachability D", "This device's reachability grade is now D.")]
    now[0] = 200.0
    notes._flush()  # what the armed single-shot timer runs
    assert shown[1] == (
        "Reachability D",
        "This device's reachability grade is now D.\n(changed 2 times)",
    )

    shown.clear()
    notes.set_enabled(Kind.GRADE_CHANGED, False)
    assert not Notifications(bridge, print, settings=settings).enabled(Kind.GRADE_CHANGED)
    bridge.state_changed.emit(_state(Grade.F, peer))
    assert shown == []
    bridge.state_changed.emit(None)  # disconnected: nothing; reconnecting: nothing either
    bridge.state_changed.emit(msgspec.structs.replace(_state(Grade.A), peers=(peer,)))
    assert shown == []


def test_every_kind_has_a_label_and_a_text(qapp: object) -> None:
    for kind in Kind:
        assert kind_label(kind)
        title, text = notice_text(Notice(kind, NAS, "nas", "peer-unreachable"))
        assert title
        assert text
    _, text = notice_text(Notice(Kind.FORWARD_FAILED, "f1", "ssh @ nas", "peer-unreachable"))
    assert text == "The peer cannot be reached right now."
