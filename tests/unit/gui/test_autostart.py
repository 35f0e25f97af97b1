"""Start at login: the XDG autostart entry, written and removed in a temporary XDG_CONFIG_HOME."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from app.gui import autostart


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def _entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


def test_enable_writes_the_entry_and_disable_removes_it(config_home: Path) -> None:
    path = config_home / "autostart" / "peerup-tray.desktop"
    assert autostart.autostart_file() == path
    assert not autostart.is_enabled()
    assert autostart.enable(["peerup-tray"]) == path
    assert autostart.is_enabled()
    entry = _entry(path)
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "peerup-tray"
    assert entry["Name"] == "peer-up"
    assert entry["X-GNOME-Autostart-enabled"] == "true"
    assert Path(entry["Icon"]).is_file()
    assert path.stat().st_mode & 0o777 == 0o644
    autostart.enable(["peerup-tray"])  # again: still one entry, the same
    assert [p.name for p in path.parent.iterdir()] == ["peerup-tray.desktop"]
    autostart.disable()
    assert not path.exists()
    assert not autostart.is_enabled()
    autostart.disable()  # nothing left to remove: no error


def test_the_default_folder_and_a_relative_xdg_config_home(tmp_path: Path) -> None:
    default = Path.home() / ".config" / "autostart" / "peerup-tray.desktop"
    assert autostart.autostart_file({}) == default
    assert autostart.autostart_file({"XDG_CONFIG_HOME": "relative/dir"}) == default
    assert autostart.autostart_file({"XDG_CONFIG_HOME": str(tmp_path)}) == (
        tmp_path / "autostart" / "peerup-tray.desktop"
    )


def test_a_hidden_or_switched_off_entry_is_not_enabled(config_home: Path) -> None:
    path = autostart.enable(["peerup-tray"])
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "Hidden=true\n", encoding="utf-8")
    assert not autostart.is_enabled()
    path.write_text(
        text.replace("X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false"),
        encoding="utf-8",
    )
    assert not autostart.is_enabled()
    path.write_bytes(b"\xff\xfe not text")
    assert not autostart.is_enabled()


def test_exec_quotes_arguments_as_the_spec_asks() -> None:
    assert autostart.exec_line(["peerup-tray"]) == "peerup-tray"
    line = autostart.exec_line(["/opt/peer up/bin/peerup-tray", "--config", "/home/a/50%/c.yaml"])
    assert line == '"/opt/peer up/bin/peerup-tray" --config /home/a/50%%/c.yaml'
    # A backslash is escaped inside the quotes, and again as a string value.
    assert autostart.exec_line(['a"b\\c']) == '"a\\\\"b\\\\\\\\c"'
    # After undoing the value escapes, a shell-like split gives the arguments back.
    for command in (["x", "--config", "/tmp/my dir/config.yaml"], ["/p/peerup-tray"]):
        value = autostart.exec_line(command).replace("\\\\", "\\").replace("%%", "%")
        assert shlex.split(value) == command


def test_the_tray_command_names_a_config_that_is_not_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERUP_CONFIG", str(tmp_path / "default" / "config.yaml"))
    assert autostart.tray_command(tmp_path / "default" / "config.yaml")[1:] == []
    assert autostart.tray_command(None)[1:] == []
    other = tmp_path / "other" / "config.yaml"
    assert autostart.tray_command(other)[1:] == ["--config", str(other)]
    assert Path(autostart.tray_command()[0]).name == "peerup-tray"


def test_an_unwritable_folder_raises_oserror(config_home: Path) -> None:
    config_home.mkdir()
    (config_home / "autostart").write_text("a file, not a folder")
    with pytest.raises(OSError):
        autostart.enable(["peerup-tray"])
