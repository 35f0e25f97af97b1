"""Starting ``peerup-tray`` where there is no display, and the crash dialog."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui.main import CrashDialogs
from tests.gui.desktop import REPO, tray_command, wait_for

pytestmark = pytest.mark.gui


def test_without_a_display_it_says_so_and_runs_the_daemon(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
        and not k.startswith("PEERUP_")
    }
    env.update(PEERUP_RUNTIME_DIR=str(runtime), PYTHONUNBUFFERED="1")
    config_path = tmp_path / "config" / "config.yaml"
    log_path = tmp_path / "tray.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            tray_command(config_path), env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for("the daemon's ready line", lambda: "ready" in log_path.read_text() or None, 60)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    lines = log_path.read_text().splitlines()
    assert lines[0] == "peerup-tray: no display found; running the daemon instead"
    assert any(line.startswith("created a default config at") for line in lines)
    assert config_path.exists()
    assert code == 0


def test_an_uncaught_exception_is_logged_and_shown_with_details(
    qapp: QApplication, caplog: pytest.LogCaptureFixture
) -> None:
    hook = CrashDialogs()
    try:
        raise ValueError("the tray broke")
    except ValueError as exc:
        hook(type(exc), exc, exc.__traceback__)
    [box] = [w for w in qapp.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert "the tray broke" in box.text()
    assert "Traceback" in box.detailedText()
    assert 'raise ValueError("the tray broke")' in box.detailedText()
    assert "uncaught exception" in caplog.text
    box.close()
    assert sys.excepthook is not hook  # only peerup-tray's run() installs it
