"""The ``peerup://`` link handler: the tray's desktop entry, installed for the user at start.

A ``peerup://join/…`` link opened anywhere on the desktop (a browser, a chat, ``xdg-open``) runs
``peerup-tray <link>``; that second start hands the link to the running tray (see
:mod:`app.gui.main`), which opens the join dialog. For the desktop to know this, the entry
``resources/desktop/peerup-tray.desktop`` (``MimeType=x-scheme-handler/peerup``) goes to
``$XDG_DATA_HOME/applications`` (``~/.local/share/applications``) with ``Exec`` and ``Icon``
pointing at this installation, written again when it is missing or differs, and then made the
scheme's default handler with ``xdg-mime`` where that exists. Nothing here may stop the tray from
starting: every failure is logged and skipped.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QObject, QProcess

from app.util.fsio import atomic_write_bytes

log = logging.getLogger("peerup.gui")

ENTRY_NAME = "peerup-tray.desktop"
SCHEME = "x-scheme-handler/peerup"
PROGRAM = "peerup-tray"
_SAFE = re.compile(r"[A-Za-z0-9/._+=:@,-]+")


def applications_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/applications``; ``~/.local/share/applications`` when it is unset or not
    absolute (the XDG base directory specification ignores relative paths)."""
    env = os.environ if env is None else env
    data_home = env.get("XDG_DATA_HOME", "")
    if not data_home or not os.path.isabs(data_home):
        data_home = str(Path(env.get("HOME") or Path.home()) / ".local" / "share")
    return Path(data_home) / "applications"


def tray_executable() -> str:
    """The ``peerup-tray`` of this installation: the running script, the one beside this Python
    (a virtual environment's ``bin/``), the one on ``PATH``, else the bare name."""
    started_as = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started_as is not None and started_as.name == PROGRAM and started_as.is_file():
        return str(started_as.absolute())
    beside = Path(sys.executable).parent / PROGRAM
    if beside.is_file():
        return str(beside)
    return shutil.which(PROGRAM) or PROGRAM


def _exec_argument(path: str) -> str:
    """``path`` as one argument of a desktop entry's ``Exec`` key (quoted when it needs it)."""
    path = path.replace("%", "%%")  # a lone % starts a field code (%u)
    if _SAFE.fullmatch(path.replace("%", "")):
        return path
    quoted = re.sub(r'(["`$\\])', r"\\\1", path)
    # The value of a string key is itself escaped: each backslash is written twice.
    return '"' + quoted.replace("\\", "\\\\") + '"'


def entry_text(executable: str, icon: str) -> str:
    """The desktop entry for ``executable`` with ``icon`` (a path or an icon theme name)."""
    template = (resources.files("app.resources") / "desktop" / ENTRY_NAME).read_text("utf-8")
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={_exec_argument(executable)} %u"
        elif line.startswith("Icon="):
            line = f"Icon={icon}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _icon() -> str:
    return str(resources.files("app.resources") / "icons" / "online-direct.svg")


def install_entry(
    *, executable: str | None = None, env: Mapping[str, str] | None = None
) -> Path | None:
    """Write the desktop entry when it is missing or differs from this installation's.

    Args:
        executable: The ``peerup-tray`` to run (default: :func:`tray_executable`).
        env: The environment to read ``XDG_DATA_HOME`` and ``HOME`` from (default: this
            process's).

    Returns:
        The entry's path when it was written; None when it was up to date.

    Raises:
        OSError: The folder or the file cannot be written.
    """
    text = entry_text(executable or tray_executable(), _icon()).encode()
    folder = applications_dir(env)
    path = folder / ENTRY_NAME
    try:
        if path.read_bytes() == text:
            return None
    except OSError:
        pass  # missing or unreadable: written below
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, text, mode=0o644)
    return path


def register_link_handler(parent: QObject) -> None:
    """Install the entry if needed and make it the default ``peerup://`` handler; never raises.

    ``xdg-mime`` runs as a :class:`~PySide6.QtCore.QProcess` (the tray does not wait for it);
    its outcome goes to the log.
    """
    try:
        written = install_entry()
    except OSError as exc:
        log.warning("cannot install the peerup:// link handler: %s", exc)
        return
    if written is None:
        return
    log.info("installed the peerup:// link handler %s", written)
    xdg_mime = shutil.which("xdg-mime")
    if xdg_mime is None:
        log.info("xdg-mime is not installed: the desktop finds the handler by its MimeType")
        return
    process = QProcess(parent)

    def finished(code: int, _status: QProcess.ExitStatus) -> None:
        if code != 0:
            log.warning("xdg-mime default %s failed with %d", SCHEME, code)
        process.deleteLater()

    def failed(error: QProcess.ProcessError) -> None:
        log.warning("xdg-mime did not run: %s", error)
        if error is QProcess.ProcessError.FailedToStart:
            process.deleteLater()

    process.finished.connect(finished)
    process.errorOccurred.connect(failed)
    process.start(xdg_mime, ["default", ENTRY_NAME, SCHEME])
