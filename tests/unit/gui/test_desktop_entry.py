"""The ``peerup://`` link handler: the desktop entry is written under ``$XDG_DATA_HOME`` when
missing or outdated, points at this installation, and ``xdg-mime`` makes it the scheme's default;
nothing there can fail the tray's start."""

from __future__ import annotations

import configparser
import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QObject, QProcess
from pytestqt.qtbot import QtBot

from app.gui.desktop_entry import (
    ENTRY_NAME,
    applications_dir,
    entry_text,
    install_entry,
    register_link_handler,
)


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser["Desktop Entry"]


def test_applications_dir_follows_xdg_data_home(tmp_path: Path) -> None:
    assert applications_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "applications"
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": "relative/is/ignored"}
    assert applications_dir(home) == tmp_path / ".local" / "share" / "applications"
    assert applications_dir({"HOME": str(tmp_path)}) == applications_dir(home)


def test_written_when_missing_or_outdated_and_left_alone_when_current(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    path = install_entry(executable="/opt/peer-up/bin/peerup-tray", env=env)
    assert path == tmp_path / "data" / "applications" / ENTRY_NAME
    entry = _entry(path)
    assert entry["Exec"] == "/opt/peer-up/bin/peerup-tray %u"
    assert entry["MimeType"] == "x-scheme-handler/peerup;"
    assert entry["Type"] == "Application"
    assert Path(entry["Icon"]).is_file()
    assert path.stat().st_mode & 0o777 == 0o644
    assert install_entry(executable="/opt/peer-up/bin/peerup-tray", env=env) is None

    path.write_text(path.read_text().replace("Name=peer-up", "Name=old"))
    assert install_entry(executable="/opt/peer-up/bin/peerup-tray", env=env) == path
    assert _entry(path)["Name"] == "peer-up"
    # Another installation (a moved virtual environment) takes the entry over.
    assert install_entry(executable="/home/me/venv/bin/peerup-tray", env=env) == path
    assert _entry(path)["Exec"] == "/home/me/venv/bin/peerup-tray %u"


def test_a_path_with_spaces_and_percent_is_quoted() -> None:
    text = entry_text('/home/me/my apps/50% "x"/peerup-tray', "icon")
    [line] = [x for x in text.splitlines() if x.startswith("Exec=")]
    assert line == r'Exec="/home/me/my apps/50%% \\"x\\"/peerup-tray" %u'


def test_register_installs_and_sets_the_default_handler(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("xdg-mime") is None:
        pytest.skip("xdg-mime is not installed (make test installs xdg-utils)")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    for desktop in ("XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION"):
        monkeypatch.delenv(desktop, raising=False)
    owner = QObject()
    register_link_handler(owner)
    assert (tmp_path / "data" / "applications" / ENTRY_NAME).is_file()
    mimeapps = tmp_path / "config" / "mimeapps.list"
    qtbot.waitUntil(mimeapps.exists, timeout=10_000)
    qtbot.waitUntil(
        lambda: f"x-scheme-handler/peerup={ENTRY_NAME}" in mimeapps.read_text(), timeout=10_000
    )
    qtbot.waitUntil(lambda: not owner.findChildren(QProcess), timeout=10_000)  # ended, deleted


def test_an_unwritable_folder_does_not_fail_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocked))
    register_link_handler(QObject())
    assert "cannot install the peerup:// link handler" in caplog.text
    assert not os.path.isdir(blocked)
