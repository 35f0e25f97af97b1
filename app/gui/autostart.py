"""Start at login: the XDG autostart entry ``$XDG_CONFIG_HOME/autostart/peerup-tray.desktop``.

Desktops that follow the XDG Autostart specification (GNOME, KDE Plasma, Xfce, LXQt, Cinnamon,
MATE…) start every ``*.desktop`` file in that folder when the user logs in. Turning it on writes
the file from the template ``resources/desktop/peerup-tray-autostart.desktop`` with this tray's
command line (``peerup-tray``, plus ``--config`` when the tray runs for another config than the
default one); turning it off removes the file. No Qt here: :mod:`app.gui.dialogs.preferences`
offers the switch.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

from app.util.fsio import atomic_write_text
from app.util.paths import default_config_path

__all__ = [
    "ENTRY_NAME",
    "autostart_file",
    "disable",
    "enable",
    "entry_text",
    "exec_line",
    "is_enabled",
    "tray_command",
]

ENTRY_NAME = "peerup-tray.desktop"
"""The entry's file name in the autostart folder."""

TEMPLATE = "peerup-tray-autostart.desktop"
"""The template's name in ``resources/desktop``."""

PROGRAM = "peerup-tray"

# Characters that make an Exec argument need double quotes (Desktop Entry spec, "Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def autostart_file(env: Mapping[str, str] | None = None) -> Path:
    """Where the entry goes: ``$XDG_CONFIG_HOME/autostart`` (default ``~/.config/autostart``).

    A relative ``XDG_CONFIG_HOME`` is ignored, as the XDG Base Directory spec asks.
    """
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "autostart" / ENTRY_NAME


def tray_command(config_path: Path | None = None) -> list[str]:
    """The command line that starts this tray at login.

    ``peerup-tray`` when it is on the ``PATH``, else the script next to this Python (a virtual
    environment's ``bin/``); ``--config`` when ``config_path`` is not the default config.
    """
    program = PROGRAM
    if shutil.which(PROGRAM) is None:
        beside = Path(sys.executable).parent / PROGRAM
        if beside.exists():
            program = str(beside.absolute())
    command = [program]
    if config_path is not None:
        config = config_path.expanduser().absolute()
        if config != default_config_path().expanduser().absolute():
            command += ["--config", str(config)]
    return command


def _quote(arg: str) -> str:
    if arg and not (_RESERVED & set(arg)):
        return arg.replace("%", "%%")
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return '"' + escaped.replace("%", "%%") + '"'


def exec_line(command: Sequence[str]) -> str:
    """``command`` as a desktop entry's ``Exec`` value (quoted and escaped as the spec asks)."""
    # The spec quotes arguments, then applies the string escapes of every value on top: each
    # backslash is written twice.
    return " ".join(_quote(arg) for arg in command).replace("\\", "\\\\")


def entry_text(command: Sequence[str]) -> str:
    """The template with ``Exec`` set to ``command`` and the bundled icon's path."""
    folder = resources.files("app.resources")
    template = (folder / "desktop" / TEMPLATE).read_text(encoding="utf-8")
    icon = folder / "icons" / "online-direct.svg"
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + exec_line(command)
        elif line.startswith("Icon=") and icon.is_file():
            line = f"Icon={icon}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def is_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether the tray starts at login: the entry exists and is not hidden or turned off."""
    path = autostart_file(env)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    keys = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and line[:1] != "#")
    return (
        keys.get("Hidden", "false").strip() != "true"
        and keys.get("X-GNOME-Autostart-enabled", "true").strip() != "false"
    )


def enable(command: Sequence[str], env: Mapping[str, str] | None = None) -> Path:
    """Write the entry that runs ``command`` at login; returns its path.

    Raises:
        OSError: The folder cannot be created or the file written.
    """
    path = autostart_file(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, entry_text(command), mode=0o644)
    return path


def disable(env: Mapping[str, str] | None = None) -> None:
    """Remove the entry (nothing to do when there is none).

    Raises:
        OSError: The file exists but cannot be removed.
    """
    autostart_file(env).unlink(missing_ok=True)
