"""The fuzz target itself runs in the suite (a short, seeded run), so it cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_fuzz_target_short_run() -> None:
    out = subprocess.run(
        [sys.executable, "fuzz/fuzz_core_parsers.py", "--runs", "3000", "--seed", "7"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "no crash" in out.stdout
