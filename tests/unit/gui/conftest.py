"""Qt without a display for the GUI's unit tests (pytest-qt's application object only)."""

from __future__ import annotations

import os

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"


@pytest.fixture(scope="session", autouse=True)
def _qt_workarounds() -> None:
    """What ``peerup-tray`` applies at start-up (a long test session emits many signals)."""
    pytest.importorskip("PySide6")
    from app.gui import qtcompat

    qtcompat.install()
