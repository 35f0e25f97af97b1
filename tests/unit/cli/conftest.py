"""Fixtures for CLI tests: a private config dir and runtime dir, and a runner around main()."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every peer-up location into tmp_path; return the config directory."""
    cfg_dir = tmp_path / "cfg"
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    os.chmod(run_dir, 0o700)
    monkeypatch.setenv("PEERUP_CONFIG_DIR", str(cfg_dir))
    monkeypatch.delenv("PEERUP_CONFIG", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run_dir))
    monkeypatch.setenv("PEERUP_RUNTIME_DIR", str(run_dir / "peerup"))
    return cfg_dir


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``peerup <args>`` in-process and return exit code, stdout and stderr."""

    def _run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


@pytest.fixture
def initialized(env: Path, run: Run) -> Path:
    """A config created by ``peerup init``; returns the config file."""
    result = run("init", "--no-qr")
    assert result.code == 0, result.err
    return env / "config.yaml"
