"""End to end: ``peerup verify`` between two real daemons, typed in two terminals.

Confirmed on both sides (both marked, badges everywhere, survives a daemon restart), rejected by
one side (both told), ``--reset``, and the static-fingerprint fallback when the peer is offline.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.daemons import REPO, DaemonProcess, start_daemon
from tests.helpers.nodes import NodeDir, free_port, make_node_dir
from tests.helpers.services import start_service

pytestmark = pytest.mark.e2e


@dataclass
class Two:
    alice: DaemonProcess
    bob: DaemonProcess
    bob_dir: NodeDir


@pytest.fixture
def two(tmp_path: Path) -> Iterator[Two]:
    pa, pb = free_port(), free_port()
    alice_dir = make_node_dir(tmp_path, "alice", listen=f"/ip4/127.0.0.1/tcp/{pa}")
    bob_dir = make_node_dir(tmp_path, "bob", listen=f"/ip4/127.0.0.1/tcp/{pb}")
    for me, other, port, name in (
        (alice_dir, bob_dir, pb, "bob"),
        (bob_dir, alice_dir, pa, "alice"),
    ):
        text = me.config_path.read_text()
        text += f"names:\n  {name}: {other.peer_id}\n"
        text += f"peer_addresses:\n  {name}: ['/ip4/127.0.0.1/tcp/{port}']\n"
        me.config_path.write_text(text)
        me.authorize(other)
    daemons = [start_daemon(alice_dir), start_daemon(bob_dir)]
    try:
        yield Two(daemons[0], daemons[1], bob_dir)
    finally:
        for d in daemons:
            d.stop()


def _start_cli(d: DaemonProcess, *args: str, stdin: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--config", str(d.node.config_path), *args],
        env=d.env,
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    proc.stdin = None  # communicate() must not touch it again
    return proc


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"verify did not finish:\n{out}\n{err}") from None
    return proc.returncode, out, err


def _digits(out: str) -> str:
    match = re.search(r"^\s+(\d{3} \d{3})$", out, re.MULTILINE)
    assert match, out
    return match.group(1)


def _verify_both(two: Two, alice_says: str, bob_says: str) -> tuple[tuple[int, str, str], ...]:
    # Bob types first and waits; then alice starts. Both confirm at their prompt.
    bob = _start_cli(two.bob, "verify", "--answer", "alice", stdin=bob_says)
    alice = _start_cli(two.alice, "verify", "bob", stdin=alice_says)
    return _finish(alice), _finish(bob)


def _auth_verified(d: DaemonProcess) -> list[bool]:
    out = d.cli("auth", "list", "--json")
    assert out.returncode == 0, out.stderr
    return [e["verified"] for e in json.loads(out.stdout)]


def test_verify_confirm_reject_reset_restart_fallback(two: Two) -> None:
    assert "[UNVERIFIED]" in two.alice.cli("daemon", "peers").stdout

    (code_a, out_a, err_a), (code_b, out_b, err_b) = _verify_both(two, "y\n", "y\n")
    assert code_a == 0, out_a + err_a
    assert code_b == 0, out_b + err_b
    assert _digits(out_a) == _digits(out_b)  # the same SAS on both terminals
    assert "Does bob show the same?" in out_a
    assert "Go peer-up fingerprint" in out_a
    assert "[VERIFIED] bob" in out_a
    assert "[VERIFIED] alice" in out_b
    assert _auth_verified(two.alice) == [True]
    assert _auth_verified(two.bob) == [True]
    assert "[VERIFIED]" in two.alice.cli("auth", "list").stdout
    peers = two.alice.cli("daemon", "peers")
    assert "[VERIFIED]" in peers.stdout
    assert "[UNVERIFIED]" not in peers.stdout

    # The state lives in authorized_keys: a restarted daemon still knows it.
    two.bob.stop()
    two.bob = start_daemon(two.bob_dir)
    assert _auth_verified(two.bob) == [True]
    assert "[VERIFIED]" in two.bob.cli("daemon", "peers").stdout

    # Reset, then a run that bob rejects: both sides learn it, nobody is marked.
    reset = two.alice.cli("verify", "--reset", "bob")
    assert reset.returncode == 0, reset.stderr
    assert _auth_verified(two.alice) == [False]
    two.bob.cli("verify", "--reset", "alice")
    (code_a, out_a, err_a), (code_b, out_b, err_b) = _verify_both(two, "y\n", "n\n")
    assert code_a == 1
    assert code_b == 1
    assert "bob said the emoji differ" in out_a
    assert "You said the emoji differ" in out_b
    assert _auth_verified(two.alice) == [False]
    assert _auth_verified(two.bob) == [False]

    # Bob goes offline: alice falls back to the static fingerprint, with the warning.
    two.bob.stop()
    fallback = two.alice.cli("verify", "bob", stdin="y\n", timeout=90)
    assert fallback.returncode == 0, fallback.stdout + fallback.stderr
    assert "only detects a mix-up" in fallback.stderr
    assert "bob cannot be reached (" in fallback.stderr  # and says why
    assert re.search(r"\d{3}-\d{3}", fallback.stdout)
    assert "marked verified" in fallback.stdout
    assert _auth_verified(two.alice) == [True]


def test_both_type_verify_at_once(two: Two) -> None:
    """Neither waits: both start; one run survives and both terminals compare the same SAS."""
    bob = _start_cli(two.bob, "verify", "alice", stdin="y\ny\n")
    alice = _start_cli(two.alice, "verify", "bob", stdin="y\ny\n")
    (code_a, out_a, err_a), (code_b, out_b, err_b) = _finish(alice), _finish(bob)
    assert code_a == 0, out_a + err_a
    assert code_b == 0, out_b + err_b
    assert re.findall(r"^\s+(\d{3} \d{3})$", out_a, re.MULTILINE)[-1] == _digits_last(out_b)
    assert _auth_verified(two.alice) == [True]
    assert _auth_verified(two.bob) == [True]


def _digits_last(out: str) -> str:
    found = re.findall(r"^\s+(\d{3} \d{3})$", out, re.MULTILINE)
    assert found, out
    return str(found[-1])


def _echo_once(port: int, payload: bytes) -> bytes:
    """The echo of ``payload``; a refusal (close or reset, depending on timing) gives b""."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        data = b""
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            while chunk := s.recv(65536):
                data += chunk
        except ConnectionResetError:
            return b""
        return data


def test_verified_only_service_and_key_change_warning(two: Two) -> None:
    echo, echo_port = start_service("echo")
    try:
        added = two.alice.cli("service", "add", "echo", f"127.0.0.1:{echo_port}", "--verified-only")
        assert added.returncode == 0, added.stderr
        assert "verified peers only" in added.stdout
        opened = two.bob.cli("daemon", "connect", "--peer", "alice", "--service", "echo", "--json")
        assert opened.returncode == 0, opened.stderr
        forward = json.loads(opened.stdout)
        port = int(forward["listen_address"].rsplit(":", 1)[1])
        assert _echo_once(port, b"hello") == b""  # refused: bob is not verified by alice
        listing = two.bob.cli("daemon", "forwards")
        assert "[UNVERIFIED]" in listing.stdout
        forwards = json.loads(two.bob.cli("daemon", "forwards", "--json").stdout)
        assert "admits verified peers only" in (forwards[0]["last_error"] or "")
        assert forwards[0]["last_error_code"] == "not-verified"

        (code_a, out_a, err_a), (code_b, out_b, err_b) = _verify_both(two, "y\n", "y\n")
        assert code_a == 0, out_a + err_a
        assert code_b == 0, out_b + err_b
        assert _echo_once(port, b"hello") == b"hello"  # admitted once verified
        assert "[VERIFIED]" in two.bob.cli("daemon", "forwards").stdout
    finally:
        echo.kill()
        echo.wait(5)

    # A key change for a known name: loud warning in the command's output, unverified.
    impostor = make_node_dir(two.bob_dir.path.parent, "impostor")
    added = two.alice.cli("auth", "add", impostor.peer_id, "--comment", "bob")
    assert added.returncode == 0, added.stderr
    assert "WARNING: the key of 'bob' changed" in added.stderr
    assert "which you had verified" in added.stderr
    assert "[UNVERIFIED]" in added.stdout
    status = two.alice.cli("status")
    assert "WARNING: the key of 'bob' changed" in status.stderr
    assert "the key of 'bob' changed" in two.alice.log_tail(200)


def test_verify_without_a_daemon_uses_an_ephemeral_node(two: Two) -> None:
    two.alice.stop()
    (code_a, out_a, err_a), (code_b, out_b, err_b) = _verify_both(two, "y\n", "y\n")
    assert code_a == 0, out_a + err_a
    assert code_b == 0, out_b + err_b
    assert "starting local node" in err_a
    assert _digits(out_a) == _digits(out_b)
    auth = json.loads(two.alice.cli("auth", "list", "--json").stdout)
    assert [e["verified"] for e in auth] == [True]  # read from the file: no daemon needed
