"""app.core.files.require_private: one check for every file peer-up trusts, on real files.

Secrets (config, identity key) may not be readable by others; files that grant access
(authorized_keys, the relay pairing state) may not be writable by others; neither may belong to
another user than root or us. The other owner is a real uid (``nobody``): chown needs root.
"""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

import pytest

from app.core.config import load_config
from app.core.config.template import init_config_dir
from app.core.errors import ConfigError, IdentityError, UnsafeFileError
from app.core.files import GRANTING, SECRET, require_private
from app.core.ids.identity import create_identity_file, load_identity
from app.util import fsio

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
as_root = pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() != 0, reason="giving a file to another user needs root"
)


def _nobody() -> int:
    return pwd.getpwnam("nobody").pw_uid


def _file(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "f"
    path.write_text("x\n")
    path.chmod(mode)
    return path


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o400, 0o644, 0o640, 0o604, 0o755])
def test_granting_files_may_be_read_by_others_but_not_written(tmp_path: Path, mode: int) -> None:
    require_private(_file(tmp_path, mode), "authorized_keys", UnsafeFileError, mask=GRANTING)


@posix_only
@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666, 0o622, 0o660, 0o777])
def test_granting_files_writable_by_others_are_refused_with_the_fix(
    tmp_path: Path, mode: int
) -> None:
    path = _file(tmp_path, mode)
    with pytest.raises(UnsafeFileError) as info:
        require_private(path, "authorized_keys", UnsafeFileError, mask=GRANTING)
    assert info.value.message == (
        f"authorized_keys {path} has insecure permissions {mode:04o} (expected 0600)"
    )
    assert info.value.hint == f"fix with: chmod 600 {path}"
    assert info.value.code == "unsafe-file"


@posix_only
@pytest.mark.parametrize(("mode", "refused"), [(0o600, False), (0o644, True), (0o602, True)])
def test_secrets_may_not_even_be_read_by_others(tmp_path: Path, mode: int, refused: bool) -> None:
    path = _file(tmp_path, mode)
    if refused:
        with pytest.raises(ConfigError, match="insecure permissions"):
            require_private(path, "config file", ConfigError, mask=SECRET)
    else:
        require_private(path, "config file", ConfigError, mask=SECRET)


@as_root
@pytest.mark.parametrize("mask", [SECRET, GRANTING])
def test_a_file_of_another_user_is_refused_whatever_its_mode(tmp_path: Path, mask: int) -> None:
    path = _file(tmp_path, 0o600)
    os.chown(path, _nobody(), -1)
    assert fsio.exposure(path, mask).foreign_uid == _nobody()
    with pytest.raises(UnsafeFileError) as info:
        require_private(path, "authorized_keys", UnsafeFileError, mask=mask)
    assert info.value.message == (
        f"authorized_keys {path} is owned by another user (uid {_nobody()}), who could change it"
    )
    assert info.value.hint == f"fix with: chown {fsio.own_user()} {path} && chmod 600 {path}"
    # Root's files are trusted (we are root here, so "ours" too).
    os.chown(path, 0, -1)
    require_private(path, "authorized_keys", UnsafeFileError, mask=mask)


@as_root
def test_a_symlink_is_judged_by_the_file_it_points_to(tmp_path: Path) -> None:
    target = _file(tmp_path, 0o600)
    os.chown(target, _nobody(), -1)
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(UnsafeFileError, match="owned by another user"):
        require_private(link, "authorized_keys", UnsafeFileError, mask=GRANTING)


def test_a_missing_file_cannot_be_inspected(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileError, match="cannot read authorized_keys"):
        require_private(tmp_path / "nope", "authorized_keys", UnsafeFileError, mask=GRANTING)


@as_root
def test_config_and_key_of_another_user_are_refused(tmp_path: Path) -> None:
    config = init_config_dir(tmp_path)
    os.chown(config, _nobody(), -1)
    with pytest.raises(ConfigError, match="owned by another user") as info:
        load_config(config)
    assert "chown" in str(info.value.hint)
    key = tmp_path / "other.key"
    create_identity_file(key)
    os.chown(key, _nobody(), -1)
    with pytest.raises(IdentityError, match="owned by another user"):
        load_identity(key)
