"""PYSIDE-IMMORTAL-SINGLETONS (app/gui/qtcompat.py): PySide6-Essentials 6.12.0 on Python 3.11
drops a reference to ``True`` on every ``SignalInstance.emit()`` and one to ``None`` on every void
method call; after ``qtcompat.install()`` (which ``peerup-tray`` runs at start-up and the GUI
tests' conftests run too) no number of them can free either.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("PySide6")

from app.gui import qtcompat
from tests.helpers.daemons import REPO


def test_many_signals_and_calls_cannot_free_true_or_none() -> None:
    """A fresh interpreter emits signals and calls void methods beyond the singletons' counts."""
    code = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QObject, Signal
        from app.gui import qtcompat

        class Sender(QObject):
            fired = Signal(object)

        qtcompat.install()
        sender = Sender()
        got = []
        sender.fired.connect(got.append)
        for i in range(5 * 1200):
            sender.fired.emit(i)
        for _ in range(5 * sys.getrefcount(None) if sys.getrefcount(None) < 1e6 else 50000):
            sender.setObjectName("x")
        assert len(got) == 6000
        print("drops" if qtcompat.drops_references() else "keeps")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr  # not "Fatal Python error: bool_dealloc"
    assert done.stdout.strip() in ("drops", "keeps")


def test_install_keeps_the_singletons_alive_when_references_drop(qapp: object) -> None:
    qtcompat.install()
    if qtcompat.drops_references() and sys.version_info < (3, 12):
        for singleton in (None, True, False):
            assert sys.getrefcount(singleton) > qtcompat.SPARE_REFERENCES // 2
