"""Where ``peerup join`` reads its code: the command line, stdin (-), a file, or a prompt.

A code on the command line is visible to other local users (the process list); the other
sources keep it off. Each test gives a code whose words are wrong, so the error names the word
it read, and nothing reaches the network.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.daemons import REPO
from tests.unit.cli.conftest import Run


def _not_a_word(word: str) -> str:
    return f"word 1 ('{word}') is not a code word"


def test_the_code_as_an_argument(env: Path, run: Run) -> None:
    result = run("join", "7-argword-b-c", "--non-interactive")
    assert result.code == 1
    assert _not_a_word("argword") in result.err


def test_the_code_from_stdin_with_a_dash(
    env: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "stdin"
    source.write_text("7-stdinword-b-c\ny\n")
    with source.open() as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        result = run("join", "-")
    assert result.code == 1
    assert _not_a_word("stdinword") in result.err


def test_the_code_from_a_file(env: Path, run: Run, tmp_path: Path) -> None:
    code_file = tmp_path / "code.txt"
    code_file.write_text("\n  7-fileword-b-c  \n")
    result = run("join", "--code-file", str(code_file))
    assert result.code == 1
    assert _not_a_word("fileword") in result.err


def test_code_file_errors_are_plain(env: Path, run: Run, tmp_path: Path) -> None:
    missing = run("join", "--code-file", str(tmp_path / "nothing"))
    assert missing.code == 1
    assert f"no code file {tmp_path / 'nothing'}" in missing.err
    big = tmp_path / "big"
    big.write_text("x" * 5000)
    too_big = run("join", "--code-file", str(big))
    assert too_big.code == 1
    assert "too large" in too_big.err
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert run("join", "--code-file", str(empty)).code == 2
    both = run("join", "7-a-b-c", "--code-file", str(big))
    assert both.code == 2
    assert "not both" in both.err
    for result in (missing, too_big, both):
        assert "Traceback" not in result.err


def test_no_code_and_no_terminal_is_a_usage_error(
    env: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "stdin").write_text("")
    with (tmp_path / "stdin").open() as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        result = run("join")
    assert result.code == 2
    assert "--code-file" in result.err


def test_help_says_how_to_keep_the_code_off_the_command_line(run: Run) -> None:
    result = run("join", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert "other users of this computer" in text
    assert "--code-file" in text
    assert "- to read it from standard input" in text


def test_the_code_typed_at_the_prompt_of_a_terminal(env: Path) -> None:
    """A real terminal (a pty): join without a code asks for it."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "join"],
        stdin=follower, stdout=follower, stderr=follower, cwd=REPO, env=dict(os.environ),
        close_fds=True,
    )  # fmt: skip
    os.close(follower)
    seen = b""

    def read_until(marker: bytes, timeout: float = 30) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen:
            left = deadline - time.monotonic()
            assert left > 0, seen
            ready, _, _ = select.select([leader], [], [], left)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk

    try:
        read_until(b"Invite code (or link):")
        os.write(leader, b"7-promptword-b-c\n")
        read_until(b"not a code word")
        assert proc.wait(timeout=30) == 1
        assert _not_a_word("promptword").encode() in seen
        assert b"Traceback" not in seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
