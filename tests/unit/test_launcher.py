"""Which command lines run the daemon, and which go to the CLI."""

from __future__ import annotations

import pytest

from app.launcher import _runs_daemon, _split_global_options


@pytest.mark.parametrize(
    ("argv", "daemon"),
    [
        (["daemon"], True),
        (["daemon", "start"], True),
        (["daemon", "--config", "x.yaml"], True),
        (["daemon", "--ephemeral", "--api-socket", "/tmp/s"], True),
        (["daemon", "start", "--config", "x.yaml"], True),
        (["daemon", "status"], False),
        (["daemon", "--config", "x.yaml", "status"], False),
        (["daemon", "stop", "--config", "x.yaml"], False),
        (["daemon", "--help"], False),
        (["status"], False),
        ([], False),
    ],
)
def test_runs_daemon(argv: list[str], daemon: bool) -> None:
    assert _runs_daemon(argv) is daemon


def test_global_options_are_split_off() -> None:
    assert _split_global_options(["--config", "c.yaml", "daemon"]) == (
        ["--config", "c.yaml"],
        ["daemon"],
    )
    assert _split_global_options(["--config=c.yaml", "status"]) == (["--config=c.yaml"], ["status"])
