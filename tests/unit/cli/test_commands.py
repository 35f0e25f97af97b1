"""The ``peerup`` commands that need no daemon, run in-process against a temp config dir."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import pytest

from app.core.config import ConfigEditor, load_config
from app.core.ids.identity import load_identity
from app.core.ids.peerid import PeerId
from app.core.peers.trust import verified_value
from app.util.paths import runtime_dir
from tests.unit.cli.conftest import Run

PEER_A = "12D3KooWPFGkL3yuqH6W4YmhpfNdrkk4hT1RpGYXi3JbS7dCLMy6"
PEER_B = "12D3KooWHa1ZL7eFxtBNhzaLLwsUP9PTwomRTZCQkUQq2Yfue86Z"


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text


# ---- init, whoami, version ----------------------------------------------------------------------


def test_init_prints_peer_id_config_and_qr(env: Path, run: Run) -> None:
    result = run("init", "--network", "my-crew", "--port", "4001")
    assert result.code == 0, result.err
    assert (env / "config.yaml").exists()
    assert "Peer ID:  12D3KooW" in result.out
    assert str(env / "config.yaml") in result.out
    assert "Network:  my-crew" in result.out
    assert "Next steps:" in result.out
    assert "█" in result.out  # the QR code


def test_init_picks_a_port_once_and_keeps_it(env: Path, run: Run) -> None:
    """Peers remember where they reached us: the port must survive restarts (issue 11)."""
    result = run("init", "--no-qr")
    assert result.code == 0, result.err
    listen = load_config(env / "config.yaml").listen_addresses
    ports = {addr.rsplit("/", 1)[1] for addr in listen}
    assert len(ports) == 1, listen
    port = int(ports.pop())
    assert 20000 <= port <= 32767
    assert f"Port:     {port} (kept" in result.out
    assert "peerup invite" in result.out  # the next step is pairing


def test_init_port_zero_keeps_the_old_behaviour(env: Path, run: Run) -> None:
    assert run("init", "--no-qr", "--port", "0").code == 0
    assert load_config(env / "config.yaml").listen_addresses[0].endswith("/tcp/0")


def test_init_no_qr_and_whoami_agree(env: Path, run: Run) -> None:
    init = run("init", "--no-qr")
    assert "█" not in init.out
    who = run("whoami")
    assert who.code == 0
    peer_id = who.out.strip()
    assert peer_id.startswith("12D3KooW")
    assert f"Peer ID:  {peer_id}" in init.out


def test_init_twice_fails_with_plain_error(initialized: Path, run: Run) -> None:
    result = run("init", "--no-qr")
    assert result.code == 1
    assert "already exists" in result.err
    _no_traceback(result.err)


def test_init_into_other_dir_suggests_config_flag(env: Path, tmp_path: Path, run: Run) -> None:
    other = tmp_path / "other"
    result = run("init", "--dir", str(other), "--no-qr")
    assert result.code == 0
    assert f"--config {other / 'config.yaml'}" in result.out


def test_version_and_flag(run: Run) -> None:
    expected = f"peerup 0.1.0 (python {platform.python_version()})"
    assert run("version").out.strip() == expected
    result = run("--version")
    assert result.code == 0
    assert result.out.strip() == expected


def test_whoami_without_config_explains(env: Path, run: Run) -> None:
    result = run("whoami")
    assert result.code == 1
    assert "no config file" in result.err
    assert "peerup init" in result.err


# ---- config -------------------------------------------------------------------------------------


def test_config_validate_ok(initialized: Path, run: Run) -> None:
    result = run("config", "validate")
    assert result.code == 0
    assert result.out.strip() == f"OK: {initialized} is valid"


def test_config_validate_bad_value(initialized: Path, run: Run) -> None:
    text = initialized.read_text(encoding="utf-8")
    initialized.write_text(
        text.replace("services: {}", "services:\n  web:\n    local_address: [1, 2]"),
        encoding="utf-8",
    )
    line = next(
        i
        for i, raw in enumerate(initialized.read_text().splitlines(), 1)
        if "local_address: [1, 2]" in raw
    )
    result = run("config", "validate")
    assert result.code == 1
    assert f"FAIL: {initialized}:{line} (services.web.local_address)" in result.out


def test_config_validate_missing_file(env: Path, run: Run) -> None:
    result = run("config", "validate", str(env / "nope.yaml"))
    assert result.code == 1
    assert "FAIL: no such file" in result.out


def test_config_show_json(initialized: Path, run: Run) -> None:
    result = run("config", "show", "--json")
    assert result.code == 0
    data = json.loads(result.out)
    assert data["path"] == str(initialized)
    assert data["identity"]["key_file"].endswith("identity.key")


def test_config_show_text(initialized: Path, run: Run) -> None:
    result = run("config", "show")
    assert result.code == 0
    assert f"path: {initialized}" in result.out
    assert "listen_addresses:" in result.out


def test_config_flag_per_command_and_env(
    env: Path, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "elsewhere"
    assert run("init", "--dir", str(other), "--no-qr").code == 0
    cfg = str(other / "config.yaml")
    assert run("config", "validate", "--config", cfg).out.startswith(f"OK: {cfg}")
    assert run("--config", cfg, "config", "validate").out.startswith(f"OK: {cfg}")
    monkeypatch.setenv("PEERUP_CONFIG", cfg)
    assert run("config", "validate").out.startswith(f"OK: {cfg}")


# ---- auth ---------------------------------------------------------------------------------------


def test_auth_add_list_remove(initialized: Path, run: Run) -> None:
    added = run("auth", "add", PEER_A, "--comment", "laptop")
    assert added.code == 0, added.err
    assert "[UNVERIFIED]" in added.out

    listed = run("auth", "list")
    assert listed.code == 0
    assert f"[UNVERIFIED] {PEER_A}  # laptop" in listed.out

    as_json = json.loads(run("auth", "list", "--json").out)
    assert as_json == [
        {
            "peer_id": PEER_A,
            "comment": "laptop",
            "verified": False,
            "attributes": [],
            "name": None,
            "verified_value": None,
            "warning": None,
            "warning_code": None,
            "expires_at": None,
            "expired": False,
        }
    ]

    dup = run("auth", "add", PEER_A)
    assert dup.code == 1
    assert "already authorized" in dup.err

    removed = run("auth", "remove", "laptop")  # by comment
    assert removed.code == 0, removed.err
    assert json.loads(run("auth", "list", "--json").out) == []


def test_auth_shows_verified_badge(initialized: Path, run: Run) -> None:
    keys = initialized.parent / "authorized_keys"
    own = load_identity(load_config(initialized).key_file).peer_id
    value = verified_value(own, PeerId.parse(PEER_A))
    keys.write_text(keys.read_text() + f"{PEER_A}  verified={value}  # home\n", encoding="utf-8")
    out = run("auth", "list").out
    assert f"[VERIFIED] {PEER_A}  # home" in out
    assert f"[verified={value}]" in out
    # A value that does not match this pair of keys (a copied line) is not verified.
    keys.write_text(keys.read_text().replace(value, "sha256:9724b150"), encoding="utf-8")
    out = run("auth", "list").out
    assert f"[UNVERIFIED] {PEER_A}  # home" in out


def test_auth_add_bad_peer_id(initialized: Path, run: Run) -> None:
    result = run("auth", "add", "12D3KooWnotAPeerIdAtAllButLongEnoughToLookLikeOne1234")
    assert result.code == 1
    assert result.err.startswith("Error: ")
    assert "peer ID" in result.err
    assert result.out == ""
    _no_traceback(result.err)


def test_auth_add_by_name_uses_name_as_comment(initialized: Path, run: Run) -> None:
    editor = ConfigEditor.open(initialized)
    editor.set_name("home", PEER_B)
    editor.save()
    assert run("auth", "add", "home").code == 0
    entries = json.loads(run("auth", "list", "--json").out)
    assert entries[0]["peer_id"] == PEER_B
    assert entries[0]["comment"] == "home"
    assert entries[0]["name"] == "home"


def test_auth_remove_unknown(initialized: Path, run: Run) -> None:
    result = run("auth", "remove", "nobody")
    assert result.code == 1
    assert "unknown peer 'nobody'" in result.err
    assert "Hint:" in result.err


def test_auth_validate(initialized: Path, tmp_path: Path, run: Run) -> None:
    assert run("auth", "validate").code == 0
    bad = tmp_path / "keys"
    bad.write_text(f"# header\n{PEER_A}  # ok\nnot-a-peer-id\n", encoding="utf-8")
    result = run("auth", "validate", str(bad))
    assert result.code == 1
    assert "line 3: " in result.out
    assert "FAIL" in result.out


def test_a_file_others_may_change_is_listed_with_a_warning_and_not_edited(
    initialized: Path, run: Run
) -> None:
    keys = initialized.parent / "authorized_keys"
    keys.write_text(keys.read_text() + f"{PEER_A}  # planted\n", encoding="utf-8")
    keys.chmod(0o666)
    listed = run("auth", "list")
    assert listed.code == 0
    assert f"[UNVERIFIED] {PEER_A}  # planted" in listed.out  # what it says, to look at
    assert (
        f"Warning: authorized_keys {keys} has insecure permissions 0666 (expected 0600): "
        "a daemon refuses to use it." in listed.err
    )
    assert f"Hint: fix with: chmod 600 {keys}" in listed.err
    status = run("status")
    assert "insecure permissions 0666" in status.err
    added = run("auth", "add", PEER_B)
    assert added.code == 1
    assert f"Hint: fix with: chmod 600 {keys}" in added.err
    _no_traceback(added.err)
    assert PEER_B not in keys.read_text()
    validated = run("auth", "validate")
    assert validated.code == 1
    assert "insecure permissions 0666" in validated.out
    assert "FAIL" in validated.out
    keys.chmod(0o600)
    assert run("auth", "validate").code == 0
    assert run("auth", "list").err == ""


def test_an_expired_line_is_listed_as_such_and_renewed_by_auth_add(
    initialized: Path, run: Run
) -> None:
    keys = initialized.parent / "authorized_keys"
    keys.write_text(
        keys.read_text() + f"{PEER_A}  expires=2020-01-01T00:00:00Z  # old friend\n"
        f"{PEER_B}  expires=2999-01-01T00:00:00Z  # until later\n",
        encoding="utf-8",
    )
    listed = run("auth", "list")
    assert f"[UNVERIFIED] {PEER_A}  # old friend  [EXPIRED: not authorized]" in listed.out
    assert f"[UNVERIFIED] {PEER_B}  # until later\n" in listed.out
    entries = {e["peer_id"]: e for e in json.loads(run("auth", "list", "--json").out)}
    assert (entries[PEER_A]["expired"], entries[PEER_A]["expires_at"]) == (True, 1577836800.0)
    assert entries[PEER_B]["expired"] is False
    assert run("auth", "add", PEER_A).code == 0
    assert f"{PEER_A}  # old friend" in keys.read_text()  # the expiry is gone, the line kept
    assert run("auth", "add", PEER_B).code == 1  # not expired: already authorized


def test_auth_with_file_option(env: Path, tmp_path: Path, run: Run) -> None:
    keys = tmp_path / "keys"
    assert run("auth", "add", PEER_A, "--file", str(keys)).code == 0
    assert PEER_A in keys.read_text()


# ---- services -----------------------------------------------------------------------------------


def test_service_lifecycle_keeps_comments(initialized: Path, run: Run) -> None:
    initialized.write_text(
        "# my precious comment\n" + initialized.read_text(encoding="utf-8"), encoding="utf-8"
    )
    added = run("service", "add", "ssh", "localhost:22", "--allow", PEER_A)
    assert added.code == 0, added.err
    assert "No daemon is running" in added.out

    data = json.loads(run("service", "list", "--json").out)
    assert data[0]["name"] == "ssh"
    assert data[0]["local_address"] == "localhost:22"
    assert data[0]["allowed_peers"] == [PEER_A]
    assert data[0]["enabled"] is True
    assert data[0]["exposed"] is None

    assert run("service", "disable", "ssh").code == 0
    assert json.loads(run("service", "list", "--json").out)[0]["enabled"] is False
    text = run("service", "list").out
    assert "ssh" in text
    assert "disabled" in text

    assert run("service", "enable", "ssh").code == 0
    assert json.loads(run("service", "list", "--json").out)[0]["enabled"] is True

    assert run("service", "remove", "ssh").code == 0
    assert json.loads(run("service", "list", "--json").out) == []
    assert "# my precious comment" in initialized.read_text(encoding="utf-8")


def test_service_add_rejects_bad_input(initialized: Path, run: Run) -> None:
    bad_name = run("service", "add", "Bad_Name", "localhost:22")
    assert bad_name.code == 1
    assert "invalid service name" in bad_name.err
    bad_addr = run("service", "add", "ssh", "localhost")
    assert bad_addr.code == 1
    assert "port is missing" in bad_addr.err
    unknown = run("service", "remove", "nope")
    assert unknown.code == 1
    assert "no service named" in unknown.err


# ---- resolve, status, daemon --------------------------------------------------------------------


def test_resolve(initialized: Path, run: Run) -> None:
    editor = ConfigEditor.open(initialized)
    editor.set_name("home", PEER_A)
    editor.save()
    assert run("resolve", "home").out.strip() == f"home → {PEER_A}"
    data = json.loads(run("resolve", "home", "--json").out)
    assert data == {"name": "home", "peer_id": PEER_A, "source": "names"}
    assert run("resolve", PEER_B).out.strip() == f"{PEER_B} → {PEER_B}"
    unknown = run("resolve", "work")
    assert unknown.code == 1
    assert "unknown peer 'work'" in unknown.err
    assert "Known names: home" in unknown.err


def test_status_without_daemon(initialized: Path, run: Run) -> None:
    run("auth", "add", PEER_A, "--comment", "laptop")
    result = run("status")
    assert result.code == 0
    assert "daemon: not running (start with: peerup daemon)" in result.out
    assert f"[UNVERIFIED] {PEER_A}" in result.out
    data = json.loads(run("status", "--json").out)
    assert data["daemon"] is False
    assert data["authorized_peers"][0]["peer_id"] == PEER_A


@pytest.mark.parametrize(
    "args",
    [
        ("daemon", "status"),
        ("daemon", "stop"),
        ("daemon", "peers", "--json"),
        ("daemon", "forwards"),
        ("daemon", "disconnect", "fwd-1"),
    ],
)
def test_daemon_commands_need_a_daemon(initialized: Path, run: Run, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.code == 3
    assert "not running" in result.err
    assert "Hint:" in result.err
    assert result.out == ""


def test_daemon_without_subcommand_is_usage_error(initialized: Path, run: Run) -> None:
    result = run("daemon")
    assert result.code == 2
    assert "peerup" in result.err


# ---- usage and internal errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("bogus",), ("auth", "add"), ("ping", "x", "--interval", "soon"), ("status", "--nope")],
)
def test_usage_errors_exit_2(initialized: Path, run: Run, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.code == 2
    assert "Usage:" in result.err or "Error:" in result.err
    _no_traceback(result.err)


def test_ping_unknown_peer(initialized: Path, run: Run) -> None:
    result = run("ping", "-c", "1", "nobody")
    assert result.code == 1
    assert "unknown peer 'nobody'" in result.err


def test_proxy_bad_listen_address(initialized: Path, run: Run) -> None:
    result = run("proxy", PEER_A, "ssh", "99999")
    assert result.code == 1
    _no_traceback(result.err)


def test_internal_error_exit_70(
    env: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def boom() -> str:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("app.cli.commands.setup.version_text", boom)
    result = run("version")
    assert result.code == 70
    assert "internal error" in result.err
    _no_traceback(result.err)
    log = runtime_dir() / "peerup-cli-error.log"
    assert "kaboom" in log.read_text()


def test_offline_status_json_shows_remembered_addresses(initialized: Path, run: Run) -> None:
    from app.core.peers.addrbook import FILE_NAME, AddressBook

    peer = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
    book = AddressBook()
    book.remember(peer, ["/ip4/192.168.1.5/tcp/24001"], source="dialed", now=time.time())
    (initialized.parent / FILE_NAME).write_bytes(book.to_json())
    data = json.loads(run("status", "--json").out)
    assert data["daemon"] is False
    [entry] = data["remembered_addresses"][peer]
    assert (entry["address"], entry["source"]) == ("/ip4/192.168.1.5/tcp/24001", "dialed")
    # A damaged state file is not an error for status: nothing is shown.
    (initialized.parent / FILE_NAME).write_bytes(b"{garbage")
    assert json.loads(run("status", "--json").out)["remembered_addresses"] == {}
