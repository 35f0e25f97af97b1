"""GUI tests: Qt offscreen unless a test starts its own X server; skipped without PySide6."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

pytest.importorskip("PySide6", reason="the gui extra is not installed (make setup installs it)")
pytest.importorskip("qasync", reason="the gui extra is not installed (make setup installs it)")

# Before the first QApplication (pytest-qt's qapp fixture) exists; tests that need a real
# display (Xvfb) start their tray in a subprocess with its own environment.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("NO_AT_BRIDGE", "1")


@pytest.fixture(scope="session", autouse=True)
def _qt_workarounds() -> None:
    """What ``peerup-tray`` applies at start-up (a long test session emits many signals)."""
    from app.gui import qtcompat

    qtcompat.install()


@pytest.fixture
def qasync_loop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh qasync loop on the test's QApplication, closed afterwards."""
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def _english(qapp: object) -> None:
    """The English translation (its plurals), as ``peerup-tray --lang en`` installs it."""
    from app.gui.i18n import install_translations

    assert install_translations("en") == "en"


@pytest.fixture(params=["en", "de"])
def lang(request: pytest.FixtureRequest, qapp: object) -> Iterator[str]:
    """Each language in turn (the screenshot tests); English again afterwards."""
    from app.gui.i18n import install_translations

    assert install_translations(request.param) == request.param
    yield request.param
    install_translations("en")
