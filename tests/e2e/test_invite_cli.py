"""End to end: `peerup invite` on one real daemon, `peerup join` on another or a fresh device."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.config import load_config
from app.core.peers.authkeys import AuthorizedKeysFile
from tests.helpers.daemons import REPO, DaemonProcess, daemon_env, start_daemon
from tests.helpers.nodes import NodeDir, make_node_dir

pytestmark = pytest.mark.e2e

_SAS = re.compile(r"SAS: (.+?)  \((\d{3} \d{3})\)")


def _start_invite(daemon: DaemonProcess) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [*DaemonProcess.base_command(), "--config", str(daemon.node.config_path), "invite",
         "--name", "home", "--ttl", "60", "--non-interactive"],
        env=daemon.env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    code = proc.stdout.readline().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{1,4})+", code), code
    return proc, code


def _auth(node: NodeDir) -> dict[str, str | None]:
    entries = AuthorizedKeysFile(node.path / "authorized_keys").load()
    return {str(e.peer_id): e.verified for e in entries}


def test_invite_join_between_two_daemons(tmp_path: Path) -> None:
    home = make_node_dir(tmp_path, "home", services={"ssh": "127.0.0.1:22"})
    laptop = make_node_dir(tmp_path, "laptop")
    a = start_daemon(home)
    b = start_daemon(laptop)
    try:
        proc, code = _start_invite(a)
        # The joiner answers "y" to "Do the emoji match?": it marks the inviter verified.
        joined = b.cli("join", f"peerup://join/{code}", "--name", "laptop", stdin="y\n")
        assert joined.returncode == 0, joined.stderr + joined.stdout
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        inviter_sas = _SAS.search(err)
        assert inviter_sas is not None, err
        # Both screens show the same 4 emoji (with names) and digits.
        assert inviter_sas.group(1) in joined.stdout
        assert inviter_sas.group(2) in joined.stdout
        assert "is verified" in joined.stdout
        assert _auth(laptop)[home.peer_id]  # the joiner confirmed: verified on its side
        assert _auth(home)[laptop.peer_id] is None  # the inviter did not: still unverified
        assert dict(load_config(laptop.config_path).names)["home"] == home.peer_id
        assert dict(load_config(home.config_path).names)["laptop"] == laptop.peer_id
        ping = b.cli("ping", "home", "-c", "1")
        assert ping.returncode == 0, ping.stderr
        # The inviting daemon still runs, but the invite ended with its use: the same code is
        # refused by it (tests/e2e's interactive test checks it while the inviter still runs).
        again = b.cli("join", code, "--non-interactive")
        assert again.returncode == 1, again.stderr
        assert "wrong code or expired" in again.stderr
    finally:
        a.stop()
        b.stop()


def test_join_on_a_fresh_device(tmp_path: Path) -> None:
    home = make_node_dir(tmp_path, "home")
    a = start_daemon(home)
    fresh = tmp_path / "fresh"
    runtime = tmp_path / "fresh-run"
    runtime.mkdir(mode=0o700)
    try:
        proc, code = _start_invite(a)
        joined = subprocess.run(
            [sys.executable, "-m", "app", "--config", str(fresh / "config.yaml"), "join", code,
             "--name", "phone", "--non-interactive"],
            env=daemon_env(runtime), cwd=REPO, capture_output=True, text=True, timeout=90,
            check=False,
        )  # fmt: skip
        assert joined.returncode == 0, joined.stderr
        assert (fresh / "config.yaml").exists()
        proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert home.peer_id in (fresh / "authorized_keys").read_text()
        assert "phone" in _auth_comments(home)
    finally:
        a.stop()


def _auth_comments(node: NodeDir) -> str:
    return (node.path / "authorized_keys").read_text()


def test_interactive_invite_shows_qr_and_asks_the_inviter(tmp_path: Path) -> None:
    """Without --non-interactive the inviter sees the code, a QR code and the link, then the SAS
    and the question; answering yes marks the joiner verified on the inviter's side only."""
    home = make_node_dir(tmp_path, "home")
    laptop = make_node_dir(tmp_path, "laptop")
    a = start_daemon(home)
    b = start_daemon(laptop)
    c = start_daemon(make_node_dir(tmp_path, "third"))
    proc = subprocess.Popen(
        [*DaemonProcess.base_command(), "--config", str(home.config_path), "invite",
         "--name", "home", "--ttl", "60"],
        env=a.env, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdin is not None
        shown: list[str] = []
        for _ in range(200):  # the banner, the code, the QR rows, the instructions
            line = proc.stdout.readline()
            assert line, "".join(shown)
            shown.append(line)
            if line.startswith("Waiting for the other device"):
                break
        text = "".join(shown)
        code = re.search(r"peerup join ([A-Z2-7-]+)", text)
        assert code is not None, text
        assert "=== Invite code (expires in" in text
        assert any(c in text for c in "▀▄█")  # the terminal QR code
        assert f"peerup://join/{code.group(1)}" in text
        # The joiner says no; the inviter's human says yes.
        joined = b.cli("join", code.group(1), "--name", "laptop", stdin="n\n")
        assert joined.returncode == 0, joined.stderr + joined.stdout
        # The code is single use: while the inviter still runs (its human has not answered
        # yet), a third device with the same code gets nothing. The invite closed with its
        # use, so no probation admits the stranger: the inviter's gate refuses it right after
        # the secure handshake (a reusable code would have let it join).
        assert proc.poll() is None
        third = c.cli("join", code.group(1), "--name", "third", "--non-interactive")
        assert third.returncode == 1, third.stderr
        assert "could not reach the inviter" in third.stderr
        assert "secure handshake" in third.stderr
        assert proc.poll() is None
        assert c.node.peer_id not in _auth(home)
        out, err = proc.communicate("y\n", timeout=30)
        assert proc.returncode == 0, err + out
        assert "Do the emoji match? [y/N]" in out
        assert 'Peer "laptop" is verified.' in out
        assert _auth(home)[laptop.peer_id]  # verified on the inviter's side
        assert _auth(laptop)[home.peer_id] is None  # the joiner said no: unverified there
        assert "stays [UNVERIFIED]" in joined.stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        a.stop()
        b.stop()
        c.stop()
