"""Tests for app.util.paths and app.util.fsio on real temporary files."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.util import fsio, paths

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- fsio ---------------------------------------------------------------------------------


@posix_only
def test_atomic_write_bytes_creates_file_with_mode(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    fsio.atomic_write_bytes(target, b"hello")
    assert target.read_bytes() == b"hello"
    assert _mode(target) == 0o600


@posix_only
def test_atomic_write_honours_mode_despite_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        target = tmp_path / "pub.txt"
        fsio.atomic_write_text(target, "x", mode=0o644)
    finally:
        os.umask(old)
    assert _mode(target) == 0o644


@posix_only
def test_atomic_write_replaces_and_narrows_mode(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")
    target.chmod(0o666)
    fsio.atomic_write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert _mode(target) == 0o600


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    for i in range(3):
        fsio.atomic_write_text(target, str(i))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_atomic_write_failure_keeps_old_content(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("keep me")
    with pytest.raises(OSError):
        # The destination is a directory: os.replace fails after the temp file was written.
        fsio.atomic_write_text(tmp_path, "boom")
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_atomic_write_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        fsio.atomic_write_bytes(tmp_path / "nope" / "f", b"")


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=2048))
def test_atomic_write_round_trip(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    target = tmp_path_factory.mktemp("rt") / "f"
    fsio.atomic_write_bytes(target, data)
    assert target.read_bytes() == data


@posix_only
@pytest.mark.parametrize(
    ("mode", "expected"),
    [(0o600, None), (0o400, None), (0o700, None), (0o640, 0o040), (0o644, 0o044), (0o602, 0o002)],
)
def test_insecure_mode(tmp_path: Path, mode: int, expected: int | None) -> None:
    target = tmp_path / "k"
    target.write_bytes(b"")
    target.chmod(mode)
    assert fsio.insecure_mode(target) == expected


def test_insecure_mode_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        fsio.insecure_mode(tmp_path / "missing")


# --- paths --------------------------------------------------------------------------------


def test_config_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEERUP_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("PEERUP_CONFIG", raising=False)
    assert paths.default_config_dir() == tmp_path / "cfg"
    assert paths.default_config_path() == tmp_path / "cfg" / "config.yaml"


def test_config_path_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEERUP_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("PEERUP_CONFIG", str(tmp_path / "other.yaml"))
    assert paths.default_config_path() == tmp_path / "other.yaml"


def test_config_dir_default_is_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEERUP_CONFIG_DIR", raising=False)
    import platformdirs

    assert paths.default_config_dir() == Path(platformdirs.user_config_dir("peerup"))


@posix_only
def test_ensure_private_dir(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    paths.ensure_private_dir(target)
    assert target.is_dir()
    assert _mode(target) == 0o700
    target.chmod(0o755)
    paths.ensure_private_dir(target)
    assert _mode(target) == 0o700


@pytest.fixture
def runtime_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point every runtime location at a private temp dir."""
    xdg = tmp_path / "xdg"
    xdg.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(xdg))
    monkeypatch.delenv("PEERUP_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("PEERUP_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("PEERUP_CONFIG", raising=False)
    return xdg


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_RUNTIME_DIR is Linux-only")
def test_runtime_dir_created_private(runtime_env: Path) -> None:
    rd = paths.runtime_dir()
    assert rd == runtime_env / "peerup"
    assert _mode(rd) == 0o700
    rd.chmod(0o755)
    assert paths.runtime_dir() == rd
    assert _mode(rd) == 0o700  # fixed because it is ours


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_RUNTIME_DIR is Linux-only")
def test_runtime_dir_rejects_symlink(runtime_env: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (runtime_env / "peerup").symlink_to(elsewhere)
    with pytest.raises(PermissionError, match="not a directory"):
        paths.runtime_dir()


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_RUNTIME_DIR is Linux-only")
def test_runtime_dir_rejects_foreign_owner(
    runtime_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.runtime_dir()
    monkeypatch.setattr(os, "getuid", lambda: 12345678)
    with pytest.raises(PermissionError, match="another user"):
        paths.runtime_dir()


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_RUNTIME_DIR is Linux-only")
def test_runtime_dir_falls_back_when_xdg_unusable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PEERUP_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "does-not-exist"))
    # Redirect the /tmp fallback into the test's temp dir.
    monkeypatch.setattr(paths, "_fallback_runtime_dir", lambda: tmp_path / "fallback")
    assert paths.runtime_dir() == tmp_path / "fallback"
    assert _mode(tmp_path / "fallback") == 0o700


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_RUNTIME_DIR is Linux-only")
def test_api_socket_paths(runtime_env: Path, tmp_path: Path) -> None:
    default = paths.api_socket_path(paths.default_config_path())
    assert default == runtime_env / "peerup" / "peerup.sock"
    a = paths.api_socket_path(tmp_path / "a" / "config.yaml")
    b = paths.api_socket_path(tmp_path / "b" / "config.yaml")
    assert a != b
    assert a.parent == b.parent == runtime_env / "peerup"
    assert a.name.startswith("peerup-")
    assert a.suffix == ".sock"
    assert len(str(a)) <= 100
    # Same file through a relative path and through a symlinked dir: same socket.
    (tmp_path / "a").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert paths.api_socket_path(tmp_path / "link" / "config.yaml") == a


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_RUNTIME_DIR is Linux-only")
def test_api_socket_path_stays_short(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, runtime_env: Path
) -> None:
    deep = tmp_path / ("d" * 90)
    deep.mkdir(mode=0o700)
    monkeypatch.setenv("PEERUP_RUNTIME_DIR", str(deep))
    monkeypatch.setattr(paths, "_fallback_runtime_dir", lambda: tmp_path / "fb")
    sock = paths.api_socket_path(tmp_path / "x.yaml")
    assert sock.parent == tmp_path / "fb"
    assert sock.name.startswith("peerup-")


def test_api_cookie_path() -> None:
    assert paths.api_cookie_path(Path("/run/peerup/peerup.sock")) == Path(
        "/run/peerup/peerup.cookie"
    )
    assert paths.api_cookie_path(Path("/r/peerup-abc.sock")).name == "peerup-abc.cookie"
