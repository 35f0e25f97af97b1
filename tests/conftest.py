"""Suite-wide isolation: no test reads or writes the real user's peer-up files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_peerup_dirs(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PEERUP_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("PEERUP_RUNTIME_DIR", str(home / "run"))
    monkeypatch.delenv("PEERUP_CONFIG", raising=False)
    monkeypatch.delenv("PEERUP_DEBUG", raising=False)
    Path(home / "run").mkdir(mode=0o700)
