"""Where peer-up keeps its files: config directory, runtime directory, API socket.

Locations come from platformdirs so that every OS gets its native place; environment variables
override them for tests and for running several nodes on one machine.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path

import platformdirs

__all__ = [
    "api_cookie_path",
    "api_socket_path",
    "default_config_dir",
    "default_config_path",
    "ensure_private_dir",
    "runtime_dir",
]

APP_NAME = "peerup"

# sockaddr_un.sun_path is 108 bytes on Linux and 104 on macOS; stay well below both.
_MAX_SOCKET_PATH = 100


def default_config_dir() -> Path:
    """Return the directory holding config.yaml, the identity key and authorized_keys.

    ``PEERUP_CONFIG_DIR`` overrides the platform default (``~/.config/peerup`` on Linux).
    """
    env = os.environ.get("PEERUP_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME))


def default_config_path() -> Path:
    """Return the config file used when none is given.

    ``PEERUP_CONFIG`` (a file path) overrides ``default_config_dir() / "config.yaml"``.
    """
    env = os.environ.get("PEERUP_CONFIG")
    if env:
        return Path(env).expanduser()
    return default_config_dir() / "config.yaml"


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) if needed, with mode 0700 on the leaf.

    An existing directory gets its mode narrowed to 0700 if we own it.

    Raises:
        OSError: The directory cannot be created.
    """
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if sys.platform != "win32":
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != 0o700:
            path.chmod(0o700)


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def _fallback_runtime_dir() -> Path:
    if sys.platform == "win32":
        return Path(tempfile.gettempdir()) / APP_NAME
    # Not gettempdir(): macOS's $TMPDIR is long enough to overflow a socket path.
    return Path("/tmp") / f"{APP_NAME}-{os.getuid()}"


def _claim_private_dir(candidate: Path) -> Path:
    if sys.platform == "win32":
        candidate.mkdir(parents=True, exist_ok=True)
        return candidate
    try:
        candidate.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except FileNotFoundError:
        candidate.mkdir(mode=0o700, parents=True, exist_ok=True)
    # lstat: a symlink planted in /tmp by another user must not redirect us.
    st = candidate.lstat()
    if not stat.S_ISDIR(st.st_mode):
        raise PermissionError(
            f"runtime directory {candidate} is not a directory; remove it and try again"
        )
    if st.st_uid != os.getuid():
        raise PermissionError(
            f"runtime directory {candidate} belongs to another user (uid {st.st_uid}); "
            f"remove it or set XDG_RUNTIME_DIR to a private directory"
        )
    if stat.S_IMODE(st.st_mode) & 0o077:
        candidate.chmod(0o700)
    return candidate


def runtime_dir() -> Path:
    """Return a private directory for the API socket and cookie, creating it if needed.

    ``PEERUP_RUNTIME_DIR`` overrides the location. Otherwise uses the platform runtime directory
    (``$XDG_RUNTIME_DIR/peerup`` on Linux) when its parent exists and is writable, else
    ``/tmp/peerup-<uid>``. The directory has mode 0700.

    Raises:
        PermissionError: The directory exists but belongs to another user (someone could be
            trying to intercept our socket), or it is not a directory.
    """
    env = os.environ.get("PEERUP_RUNTIME_DIR")
    if env:
        return _claim_private_dir(Path(env).expanduser())
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if sys.platform.startswith("linux") and not xdg:
        # platformdirs would warn and pick /tmp/runtime-<uid>; our own fallback is just as good
        # and says nothing on every start of a headless daemon (root under systemd, containers).
        return _claim_private_dir(_fallback_runtime_dir())
    candidate = Path(platformdirs.user_runtime_dir(APP_NAME))
    if not _writable_dir(candidate.parent):
        candidate = _fallback_runtime_dir()
    return _claim_private_dir(candidate)


def api_socket_path(config_path: Path) -> Path:
    """Return the local API socket of the daemon that runs with ``config_path``.

    The default config gets ``peerup.sock``; any other config gets a name derived from its
    resolved path, so two daemons with different configs on one machine never collide.
    """
    base = runtime_dir()
    resolved = Path(config_path).expanduser().resolve()
    if resolved == default_config_path().expanduser().resolve():
        name = f"{APP_NAME}.sock"
    else:
        digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()
        name = f"{APP_NAME}-{digest[:12]}.sock"
    sock = base / name
    if len(str(sock)) > _MAX_SOCKET_PATH:
        # A deep runtime dir (e.g. macOS's long $TMPDIR) would overflow sun_path.
        sock = _claim_private_dir(_fallback_runtime_dir()) / name
    return sock


def api_cookie_path(socket_path: Path) -> Path:
    """Return the cookie file that goes with ``socket_path`` (same name, ``.cookie`` suffix)."""
    return Path(socket_path).with_suffix(".cookie")
