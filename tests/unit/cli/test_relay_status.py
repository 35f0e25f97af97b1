"""``peerup relay …``, ``status`` (reachability, relays) and ``traceroute``.

File-based commands run against a temp config dir; the daemon-backed ones against the real API
server with a FakeNode, in a subprocess listening where the CLI looks for the daemon.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.api.transport import endpoint_for_config
from app.core.config import ConfigEditor, load_config
from app.launcher import _relay_serve_args
from tests.helpers.fakes import BROKEN_RELAY, DOWN, LAPTOP, RELAY, RELAY_ADDR, reachability
from tests.unit.api.test_client import ServerProcess
from tests.unit.cli.conftest import Run

RELAY_ID = "12D3KooWPFGkL3yuqH6W4YmhpfNdrkk4hT1RpGYXi3JbS7dCLMy6"
OTHER_ID = "12D3KooWHa1ZL7eFxtBNhzaLLwsUP9PTwomRTZCQkUQq2Yfue86Z"


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text


# ---- relay add / list / remove -------------------------------------------------------------------


def test_relay_add_list_remove_keep_comments(initialized: Path, run: Run) -> None:
    text = initialized.read_text(encoding="utf-8")
    initialized.write_text(text + "# my own comment\n", encoding="utf-8")
    result = run("relay", "add", "203.0.113.7", "--peer-id", RELAY_ID)
    assert result.code == 0, result.err
    assert f"Added relay /ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID}" in result.out
    assert "restart" not in result.out  # no daemon runs
    assert run("relay", "add", f"/ip6/2001:db8::1/tcp/1/p2p/{OTHER_ID}").code == 0
    assert load_config(initialized).relay_addresses == (
        f"/ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID}",
        f"/ip6/2001:db8::1/tcp/1/p2p/{OTHER_ID}",
    )
    assert "# my own comment" in initialized.read_text(encoding="utf-8")
    assert "# Relays used when a peer cannot be reached directly" in initialized.read_text()

    again = run("relay", "add", "203.0.113.7:7777", "--peer-id", RELAY_ID)
    assert again.code == 1
    assert "configured already" in again.err

    listed = run("relay", "list")
    assert listed.code == 0
    assert "Relays (2):" in listed.out
    assert f"/ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID}" in listed.out
    assert "daemon: not running" in listed.out
    data = json.loads(run("relay", "list", "--json").out)
    assert data["daemon"] is False
    assert [r["peer_id"] for r in data["relays"]] == [RELAY_ID, OTHER_ID]
    assert data["relays"][0]["reserved"] is None

    removed = run("relay", "remove", RELAY_ID)
    assert removed.code == 0, removed.err
    assert f"Removed relay /ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID}" in removed.out
    assert run("relay", "remove", f"/ip6/2001:db8::1/tcp/1/p2p/{OTHER_ID}").code == 0
    assert load_config(initialized).relay_addresses == ()
    assert "# my own comment" in initialized.read_text(encoding="utf-8")
    assert "(none; add one with: peerup relay add" in run("relay", "list").out

    missing = run("relay", "remove", RELAY_ID)
    assert missing.code == 1
    assert f"no relay {RELAY_ID}" in missing.err
    assert "Hint: `peerup relay list` shows the configured relays" in missing.err
    _no_traceback(missing.err)


def test_relay_add_errors_are_plain(initialized: Path, run: Run) -> None:
    result = run("relay", "add", "203.0.113.7")
    assert result.code == 1
    assert "peer ID is needed" in result.err
    assert "Hint:" in result.err
    result = run("relay", "add", "relay.example.com", "--peer-id", RELAY_ID)
    assert result.code == 1
    assert "/dns4/" in result.err
    result = run("relay", "add", "203.0.113.7", "--peer-id", "nope")
    assert result.code == 1
    _no_traceback(result.err)
    assert run("relay", "add").code == 2


def test_relay_add_without_config_explains(env: Path, run: Run) -> None:
    result = run("relay", "add", "203.0.113.7", "--peer-id", RELAY_ID)
    assert result.code == 1
    assert "peerup init" in result.err


# ---- relay setup / info / serve ------------------------------------------------------------------


def test_relay_setup_creates_a_relay_config(env: Path, tmp_path: Path, run: Run) -> None:
    directory = tmp_path / "relay"
    result = run("relay", "setup", "--dir", str(directory), "--network", "crew")
    assert result.code == 0, result.err
    config_path = directory / "config.yaml"
    config = load_config(config_path)
    assert config.relay_service.enabled
    assert config.network == "crew"
    assert any("/tcp/7777" in a for a in config.listen_addresses)
    peer_id = run("whoami", "--config", str(config_path)).out.strip()
    assert f"peerup relay serve --config {config_path}" in result.out
    assert f"/ip4/<public IP>/tcp/7777/p2p/{peer_id}" in result.out
    assert f"peerup relay add <public IP>:7777 --peer-id {peer_id}" in result.out
    assert "# peer-up node configuration" in config_path.read_text(encoding="utf-8")

    again = run("relay", "setup", "--dir", str(directory))
    assert again.code == 1
    assert "already exists" in again.err
    assert f"peerup relay serve --config {config_path}" in again.err
    _no_traceback(again.err)

    other = run("relay", "setup", "--dir", str(tmp_path / "r2"), "--port", "4001")
    assert other.code == 0
    assert any(
        "/tcp/4001" in a for a in load_config(tmp_path / "r2" / "config.yaml").listen_addresses
    )
    assert run("relay", "setup", "--dir", str(tmp_path / "r3"), "--port", "0").code == 2


def test_relay_info_from_the_config(env: Path, tmp_path: Path, run: Run) -> None:
    directory = tmp_path / "relay"
    assert run("relay", "setup", "--dir", str(directory)).code == 0
    config_path = directory / "config.yaml"
    peer_id = run("whoami", "--config", str(config_path)).out.strip()
    result = run("relay", "info", "--config", str(config_path))
    assert result.code == 0, result.err
    assert f"Relay peer ID: {peer_id}" in result.out
    assert f"  /ip4/0.0.0.0/tcp/7777/p2p/{peer_id}" in result.out
    assert "█" in result.out
    assert "0.0.0.0 and :: stand for every interface" in result.out
    assert f"start it with: peerup relay serve --config {config_path}" in result.out
    assert f"peerup relay add <public IP>:7777 --peer-id {peer_id}" in result.out

    quiet = run("relay", "info", "--no-qr", "--config", str(config_path))
    assert "█" not in quiet.out
    data = json.loads(run("relay", "info", "--json", "--config", str(config_path)).out)
    assert data["peer_id"] == peer_id
    assert data["source"] == "config"
    assert data["running"] is False
    assert data["relay_service"] is True
    assert data["addresses"][0] == f"/ip4/0.0.0.0/tcp/7777/p2p/{peer_id}"


def test_relay_info_notes_port_zero(env: Path, run: Run) -> None:
    assert run("init", "--no-qr", "--port", "0").code == 0
    data = json.loads(run("relay", "info", "--json").out)
    assert data["relay_service"] is False
    assert any("Port 0" in note for note in data["notes"])


def test_relay_serve_help_comes_from_the_cli(run: Run) -> None:
    result = run("relay", "serve", "--help")
    assert result.code == 0
    assert "Run this node as a relay" in result.out
    assert "serve" in run("relay", "--help").out


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["relay", "serve"], []),
        (["relay", "serve", "--config", "r.yaml"], ["--config", "r.yaml"]),
        (["relay", "serve", "--help"], None),
        (["relay", "list"], None),
        (["relay"], None),
        (["daemon"], None),
        ([], None),
    ],
)
def test_launcher_dispatches_relay_serve(command: list[str], expected: list[str] | None) -> None:
    assert _relay_serve_args(command) == expected


def test_status_probe_needs_the_daemon(initialized: Path, run: Run) -> None:
    result = run("status", "--probe")
    assert result.code == 3
    assert "--probe" in result.err
    assert "peerup daemon" in result.err
    _no_traceback(result.err)


# ---- with a (fake) daemon ------------------------------------------------------------------------


@pytest.fixture
def fake_daemon(initialized: Path) -> Iterator[Path]:
    """A FakeNode behind the real API server, where the CLI looks for this config's daemon."""
    with tempfile.TemporaryDirectory(prefix="pu-", dir="/tmp") as tmp:
        server = ServerProcess(Path(tmp), endpoint_for_config(initialized))
        try:
            yield initialized
        finally:
            server.close()


def test_status_shows_grade_relays_and_peer_paths(fake_daemon: Path, run: Run) -> None:
    result = run("status")
    assert result.code == 0, result.err
    grade = reachability()
    assert f"Reachability: [D] {grade.reason}" in result.out
    assert f"  hint: {grade.hint}" in result.out
    assert f"relay {RELAY[:16]}... reserved until " in result.out
    assert f"relay {BROKEN_RELAY[:16]}... not reserved: connection refused" in result.out
    assert "/p2p-circuit/p2p/" in result.out
    assert "Relaying:  off" in result.out
    home = next(line for line in result.out.splitlines() if "home" in line and "[B]" in line)
    assert "connected DIRECT" in home
    down = next(line for line in result.out.splitlines() if DOWN in line)
    assert "offline (expected: RELAYED)" in down
    assert "probing" not in result.err


def test_status_probe_measures_first(fake_daemon: Path, run: Run) -> None:
    result = run("status", "--probe")
    assert result.code == 0, result.err
    assert "probing…" in result.err
    assert "Reachability: [C] UDP is blocked" in result.out
    assert "  hint: Allow outbound UDP on your network." in result.out
    data = json.loads(run("status", "--probe", "--json").out)
    assert data["status"]["reachability"]["grade"] == "C"
    assert data["status"]["relays"][0]["peer_id"] == RELAY
    assert {p["expected_path"] for p in data["peers"]} == {None, "RELAYED"}


def test_traceroute_through_the_daemon(fake_daemon: Path, run: Run) -> None:
    result = run("traceroute", LAPTOP)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("[UNVERIFIED] Peer ")
    assert lines[1] == f"traceroute to {LAPTOP} ({LAPTOP[:16]}...)"
    assert lines[2].startswith(f" 1  {RELAY[:16]}... (relay-server/0.1.0)  /ip4/203.0.113.7/")
    assert lines[2].endswith("12.2ms")
    assert lines[3].startswith(f" 2  {LAPTOP[:16]}...  ")
    assert lines[4] == "--- path: [RELAYED] ---"
    assert "starting local node" not in result.err

    data = json.loads(run("traceroute", LAPTOP, "--json").out)
    assert data["path"] == "RELAYED"
    assert (data["target"], data["peer_id"]) == (LAPTOP, LAPTOP)  # no name: the ID as typed
    assert [h["hop"] for h in data["hops"]] == [1, 2]

    down = run("traceroute", DOWN)
    assert down.code == 4
    assert "Cannot reach" in down.err
    _no_traceback(down.err)
    assert run("traceroute", "ghost").code == 1


def test_relay_commands_show_the_daemon_view(fake_daemon: Path, run: Run) -> None:
    # The daemon writes config.yaml (a FakeNode does not): the file holds what it uses.
    editor = ConfigEditor.open(fake_daemon)
    editor.add_relay(RELAY_ADDR)
    editor.save()
    text = fake_daemon.read_text(encoding="utf-8")
    added = run("relay", "add", f"/ip4/198.51.100.20/tcp/7777/p2p/{OTHER_ID}")
    assert added.code == 0, added.err
    assert "reserves a slot on it now" in added.out
    assert fake_daemon.read_text(encoding="utf-8") == text  # the daemon's job, not the CLI's
    again = run("relay", "add", RELAY_ADDR)
    assert again.code == 1
    assert "configured already" in again.err
    removed = run("relay", "remove", OTHER_ID)
    assert removed.code == 0, removed.err
    assert f"Removed relay /ip4/198.51.100.20/tcp/7777/p2p/{OTHER_ID}" in removed.out
    assert "no longer uses it" in removed.out
    assert run("relay", "remove", OTHER_ID).code == 1
    listed = run("relay", "list")
    assert listed.code == 0, listed.err
    relay_line = next(line for line in listed.out.splitlines() if RELAY in line)
    assert "reserved until" in relay_line
    broken_line = next(line for line in listed.out.splitlines() if BROKEN_RELAY in line)
    assert "not reserved: connection refused" in broken_line
    assert "removed from the config" in broken_line
    data = json.loads(run("relay", "list", "--json").out)
    assert data["daemon"] is True
    assert [(r["peer_id"], r["in_config"], r["reserved"]) for r in data["relays"]] == [
        (RELAY, True, True),
        (BROKEN_RELAY, False, False),
    ]

    info = json.loads(run("relay", "info", "--json").out)
    assert info["source"] == "daemon"
    assert info["addresses"] == [f"/ip4/127.0.0.1/tcp/4001/p2p/{info['peer_id']}"]
    assert any("does not relay for others" in note for note in info["notes"])
