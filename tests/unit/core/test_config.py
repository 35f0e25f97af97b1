"""Tests for app.core.config: schema validation, errors with key and line, template, editor."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.config import (
    Config,
    ConfigEditor,
    ForwardConfig,
    ServiceConfig,
    changed_keys,
    config_to_dict,
    default_config_text,
    init_config_dir,
    load_config,
    parse_config,
    parse_duration,
)
from app.core.errors import (
    AlreadyExistsError,
    ConfigError,
    InvalidAddressError,
    InvalidNameError,
    InvalidPeerIdError,
    NotFoundError,
)
from app.core.ids.identity import load_identity

PA = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
PB = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA"
CFG = Path("/home/u/.config/peerup/config.yaml")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")

FULL = f"""\
# my node
version: 1
identity:
  key_file: identity.key   # next to the config
network:
  listen_addresses:
    - /ip4/0.0.0.0/tcp/4001
    - /ip6/::/tcp/4001
  enable_quic: false
relay:
  addresses:
    - /ip4/203.0.113.7/tcp/7777/p2p/{PB}
  reservation_interval: 1h30m
discovery:
  network: my-crew
  bootstrap_peers: []
security:
  authorized_keys_file: /etc/peerup/authorized_keys
  enable_connection_gating: true
  probation_timeout: 20s
protocols:
  ping_pong: {{enabled: false, id: /pingpong/1.0.0}}
services:
  ssh:
    enabled: true
    local_address: localhost:22
    allowed_peers: [{PA}]
  web:
    enabled: false
    local_address: "[::1]:8080"
    protocol: http
names:
  home: {PA}
  laptop: {PB}
peer_addresses:
  home: ["/ip4/192.168.1.5/tcp/4001"]
  {PB}: ["/dns4/laptop.example/tcp/4001"]
forwards:
  - peer: home
    service: ssh
    listen: 127.0.0.1:2222
  - {{peer: {PB}, service: web, listen: "8080"}}
"""


def _err(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, path=CFG)
    return info.value


# --- parsing --------------------------------------------------------------------------------


def test_full_config() -> None:
    c = parse_config(FULL, path=CFG)
    assert c.path == CFG
    assert c.version == 1
    assert c.key_file == CFG.parent / "identity.key"
    assert c.listen_addresses == ("/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001")
    assert c.enable_quic is False
    assert c.relay_addresses == (f"/ip4/203.0.113.7/tcp/7777/p2p/{PB}",)
    assert c.reservation_interval == 5400.0
    assert c.network == "my-crew"
    assert c.authorized_keys_file == Path("/etc/peerup/authorized_keys")
    assert c.probation_timeout == 20.0
    assert c.ping_enabled is False
    assert c.services == (
        ServiceConfig("ssh", "localhost:22", True, (PA,), ""),
        ServiceConfig("web", "[::1]:8080", False, (), "http"),
    )
    assert c.names == (("home", PA), ("laptop", PB))
    assert c.peer_addresses == (
        ("home", ("/ip4/192.168.1.5/tcp/4001",)),
        (PB, ("/dns4/laptop.example/tcp/4001",)),
    )
    assert c.forwards == (
        ForwardConfig("home", "ssh", "127.0.0.1:2222"),
        ForwardConfig(PB, "web", "8080"),
    )
    assert c.name_for(PB) == "laptop"
    assert c.name_for("nobody") is None
    assert c.peer_id_for("home") == PA
    assert c.peer_id_for("x") is None


def test_minimal_config_gets_defaults() -> None:
    c = parse_config(
        "identity: {key_file: k.key}\nnetwork: {listen_addresses: [/ip4/0.0.0.0/tcp/0]}\n",
        path=CFG,
    )
    assert c == Config(
        path=CFG,
        version=1,
        key_file=CFG.parent / "k.key",
        listen_addresses=("/ip4/0.0.0.0/tcp/0",),
        authorized_keys_file=CFG.parent / "authorized_keys",
    )
    assert c.reservation_interval == 120.0
    assert c.ping_protocol == "/pingpong/1.0.0"
    assert c.enable_connection_gating is True
    assert c.probation_timeout == 15.0


def test_go_reference_keys_are_accepted() -> None:
    text = FULL.replace("  enable_quic: false\n", "  force_private_reachability: true\n")
    text = text.replace("  network: my-crew\n", "  network: my-crew\n  rendezvous: x\n")
    text += "telemetry:\n  metrics: {enabled: false}\n"
    assert parse_config(text, path=CFG).network == "my-crew"


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("version: 1", "version: 2", "version", "newer than this peerup supports"),
        ("version: 1", "version: one", "version", "whole number"),
        ("enable_quic: false", "enable_quik: false", "network.enable_quik", "enable_quic"),
        ("enable_quic: false", "enable_quic: maybe", "network.enable_quic", "true or false"),
        ("localhost:22", "localhost:99999", "services.ssh.local_address", "0-65535"),
        ("localhost:22", "localhost:0", "services.ssh.local_address", "real port"),
        ("  ssh:", "  SSH:", "services.SSH", "invalid service name"),
        (f"  home: {PA}", "  home: 12D3KooWnope", "names.home", "peer ID"),
        ("allowed_peers: [", "allowed_peers: [0OIl, ", "services.ssh.allowed_peers", "base58"),
        (
            "    - /ip4/0.0.0.0/tcp/4001",
            "    - /ip4/0.0.0.300/tcp/4001",
            "network.listen_addresses",
            "IPv4",
        ),
        (
            "reservation_interval: 1h30m",
            "reservation_interval: soon",
            "relay.reservation_interval",
            "duration",
        ),
        (
            "probation_timeout: 20s",
            "probation_timeout: 0",
            "security.probation_timeout",
            "more than 0",
        ),
        ("network: my-crew", "network: My_Crew", "discovery.network", "invalid network"),
        ("service: ssh", "service: s s", "forwards[0].service", "invalid service name"),
        ("listen: 127.0.0.1:2222", "listen: nowhere", "forwards[0].listen", "host:port"),
        ("  - peer: home", "  - peer: castle", "forwards[0].peer", "neither a name"),
        ("id: /pingpong/1.0.0", "id: pingpong", "protocols.ping_pong.id", "protocol ID"),
        ("  ping_pong: {", "  ping_pongg: {", "protocols.ping_pongg", "ping_pong"),
        (
            "peer_addresses:\n  home:",
            "peer_addresses:\n  castle:",
            "peer_addresses.castle",
            "neither a name",
        ),
    ],
)
def test_errors_name_key_and_line(old: str, new: str, key: str, words: str) -> None:
    assert old in FULL
    text = FULL.replace(old, new, 1)
    # The error points at the (last) line of the replacement.
    line = text[: text.index(new) + len(new)].count("\n") + 1
    err = _err(text)
    assert err.key == key
    assert err.line == line
    assert err.path == str(CFG)
    assert words in str(err)
    assert str(err).startswith(f"{CFG}:{line} ({key}): ")


def test_unknown_key_did_you_mean() -> None:
    err = _err(FULL.replace("    allowed_peers:", "    allowed_peer:"))
    assert err.key == "services.ssh.allowed_peer"
    assert err.hint == "did you mean 'allowed_peers'?"
    err = _err(FULL + "zzz: 1\n")
    assert err.key == "zzz"
    assert err.hint is not None
    assert "known keys" in err.hint


def test_duplicate_forward_listen() -> None:
    err = _err(FULL.replace('listen: "8080"', "listen: 127.0.0.1:2222"))
    assert err.key == "forwards[1].listen"
    assert "already used" in err.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("a: [", "invalid YAML"),
        ("a: b: c", "invalid YAML"),
        ("- 1\n", "mapping"),
        ("just text", "mapping"),
        ("network: {listen_addresses: [/ip4/0.0.0.0/tcp/0]}\n", "'identity' section is missing"),
        ("identity: {key_file: k}\n", "'network' section is missing"),
        ("identity: {key_file: k}\nnetwork: {listen_addresses: []}\n", "at least one"),
        ("identity: []\nnetwork: {}\n", "expected a mapping"),
        ("identity: {key_file: 3}\nnetwork: {}\n", "expected text"),
        ("identity: {}\nnetwork: {}\n", "'key_file' is required"),
        ("{a: 1, a: 2}", "invalid YAML"),
        ("[" * 5000, "invalid YAML"),
    ],
)
def test_bad_documents(text: str, words: str) -> None:
    err = _err(text)
    assert words in err.message
    assert err.line is None or err.line >= 1


def test_yaml_syntax_error_has_line() -> None:
    err = _err(FULL.replace("  ssh:\n", "  ssh:\n  - [\n", 1))
    assert err.line is not None
    assert err.line > 20


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2m", 120), ("30s", 30), ("1h", 3600), ("1h30m", 5400), ("500ms", 0.5), ("1.5h", 5400)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2", "m", "2x", "1h 30m", "-1s", "1hh"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_random_text_gives_config_error_only(text: str) -> None:
    try:
        parse_config(text, path=CFG)
    except ConfigError as exc:
        message = exc.message
    else:
        message = "valid"
    assert message


_TOKENS = ["\n", ":", " ", "- ", "#", "[", "]", "{", "}", "'", '"', "&a ", "*a", "!!int ", "<<: "]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutations_of_valid_config_never_crash(data: st.DataObject) -> None:
    text = FULL
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["insert", "delete", "token", "dropline"]))
        if op == "insert":
            text = text[:pos] + data.draw(st.text(max_size=3)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + data.draw(st.integers(1, 10)) :]
        elif op == "token":
            text = text[:pos] + data.draw(st.sampled_from(_TOKENS)) + text[pos:]
        else:
            lines = text.split("\n")
            del lines[data.draw(st.integers(0, len(lines) - 1))]
            text = "\n".join(lines)
    try:
        c = parse_config(text, path=CFG)
    except ConfigError as exc:
        message = exc.message
    else:
        message = json.dumps(config_to_dict(c))
        assert c.listen_addresses
    assert message


# --- template and init ----------------------------------------------------------------------


@pytest.mark.parametrize(("port", "network"), [(0, None), (4001, "my-crew"), (65535, "a")])
def test_template_parses(port: int, network: str | None) -> None:
    text = default_config_text(listen_port=port, network=network)
    c = parse_config(text, path=CFG)
    assert c.listen_addresses == (f"/ip4/0.0.0.0/tcp/{port}", f"/ip6/::/tcp/{port}")
    assert c.network == network
    assert c.enable_quic is False
    assert "# " in text


def test_template_rejects_bad_arguments() -> None:
    with pytest.raises(InvalidAddressError):
        default_config_text(listen_port=70000)
    with pytest.raises(InvalidNameError):
        default_config_text(network="Bad Name")


@posix_only
def test_init_config_dir(tmp_path: Path) -> None:
    d = tmp_path / "a" / "peerup"
    path = init_config_dir(d, listen_port=4001, network="crew")
    assert path == d / "config.yaml"
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    for name in ("config.yaml", "identity.key", "authorized_keys"):
        assert stat.S_IMODE((d / name).stat().st_mode) == 0o600, name
    c = load_config(path)
    assert c.key_file == d / "identity.key"
    assert c.network == "crew"
    load_identity(c.key_file)
    assert (d / "authorized_keys").read_text().startswith("#")
    with pytest.raises(AlreadyExistsError):
        init_config_dir(d)


def test_init_keeps_existing_key_and_authorized_keys(tmp_path: Path) -> None:
    first = init_config_dir(tmp_path)
    key = (tmp_path / "identity.key").read_bytes()
    (tmp_path / "authorized_keys").write_text(f"{PA}  # keep\n")
    first.unlink()
    init_config_dir(tmp_path)
    assert (tmp_path / "identity.key").read_bytes() == key
    assert (tmp_path / "authorized_keys").read_text() == f"{PA}  # keep\n"


# --- load_config ----------------------------------------------------------------------------


def test_load_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert info.value.hint is not None
    assert "peerup init" in info.value.hint


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602])
def test_load_refuses_insecure_mode(tmp_path: Path, mode: int) -> None:
    path = init_config_dir(tmp_path)
    path.chmod(mode)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"insecure permissions {mode:04o} (expected 0600)" in info.value.message
    assert info.value.hint == f"fix with: chmod 600 {path}"


def test_load_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"version: 1\n\xff\xfe\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 2


# --- editor ---------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_editor_round_trip_keeps_comments(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    editor = ConfigEditor.open(path)
    editor.add_service("db", "127.0.0.1:5432", allowed_peers=[PB], enabled=False)
    editor.set_service_enabled("web", True)
    editor.set_name("phone", PB)
    editor.add_peer_addresses("phone", ["/ip4/10.0.0.2/tcp/4001", "/ip4/10.0.0.2/tcp/4001"])
    editor.add_forward("phone", "db", "5432")
    c = editor.save()
    text = path.read_text()
    assert "# my node" in text
    assert "# next to the config" in text
    assert c == load_config(path)
    assert ServiceConfig("db", "127.0.0.1:5432", False, (PB,), "") in c.services
    assert next(s for s in c.services if s.name == "web").enabled is True
    assert c.peer_id_for("phone") == PB
    assert dict(c.peer_addresses)["phone"] == ("/ip4/10.0.0.2/tcp/4001",)
    assert ForwardConfig("phone", "db", "5432") in c.forwards
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 or sys.platform == "win32"


def test_editor_no_change_is_identity(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    ConfigEditor.open(path).save()
    assert path.read_text() == FULL


def test_editor_template_add_then_remove_restores_text(tmp_path: Path) -> None:
    path = init_config_dir(tmp_path)
    original = path.read_text()
    editor = ConfigEditor.open(path)
    editor.add_service("ssh", "localhost:22")
    editor.set_name("home", PA)
    editor.add_forward("home", "ssh", "127.0.0.1:2222")
    editor.save()
    edited = path.read_text()
    assert "  ssh:\n    enabled: true\n    local_address: localhost:22\n" in edited
    editor = ConfigEditor.open(path)
    editor.remove_forward("127.0.0.1:2222")
    editor.remove_name("home")
    editor.remove_service("ssh")
    editor.save()
    assert path.read_text() == original


def test_editor_remove_keeps_following_comments(tmp_path: Path) -> None:
    text = FULL.replace("  web:\n", "  # the web UI\n  web:\n").replace(
        "names:\n", "# nicknames\nnames:\n"
    )
    path = _write(tmp_path, text)
    editor = ConfigEditor.open(path)
    editor.remove_service("web")
    editor.save()
    out = path.read_text()
    assert "# nicknames\nnames:" in out
    assert "local_address: localhost:22" in out
    editor = ConfigEditor.open(path)
    editor.remove_service("ssh")
    editor.remove_forward("8080")
    editor.remove_forward("2222")
    editor.save()
    out = path.read_text()
    assert "# nicknames" in out
    assert "# my node" in out
    assert parse_config(out, path=path).services == ()


def test_editor_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    editor = ConfigEditor.open(path)
    with pytest.raises(AlreadyExistsError):
        editor.add_service("ssh", "localhost:22")
    with pytest.raises(InvalidNameError):
        editor.add_service("Bad", "localhost:22")
    with pytest.raises(InvalidAddressError):
        editor.add_service("x", "localhost:99999")
    with pytest.raises(InvalidPeerIdError):
        editor.add_service("x", "localhost:1", allowed_peers=["nope"])
    with pytest.raises(NotFoundError):
        editor.remove_service("nope")
    with pytest.raises(NotFoundError):
        editor.set_service_enabled("nope", True)
    with pytest.raises(NotFoundError):
        editor.remove_name("nope")
    with pytest.raises(NotFoundError):
        editor.remove_forward("1.2.3.4:5")
    with pytest.raises(AlreadyExistsError):
        editor.add_forward("home", "ssh", "2222")
    with pytest.raises(InvalidNameError):
        editor.set_name(PA, PB)
    with pytest.raises(InvalidAddressError):
        editor.add_peer_addresses("home", ["ip4/1.2.3.4"])


def test_editor_never_writes_an_invalid_config(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    editor = ConfigEditor.open(path)
    editor.remove_name("home")  # still used by peer_addresses and forwards
    with pytest.raises(ConfigError) as info:
        editor.save()
    assert info.value.key is not None
    assert path.read_text() == FULL


def test_editor_refuses_invalid_file(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL.replace("version: 1", "version: 9"))
    with pytest.raises(ConfigError):
        ConfigEditor.open(path)


def test_editor_creates_missing_sections(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "# tiny\nidentity: {key_file: k}\nnetwork: {listen_addresses: [/ip4/0.0.0.0/tcp/0]}\n",
    )
    editor = ConfigEditor.open(path)
    editor.add_service("ssh", "localhost:22")
    editor.set_name("home", PA)
    editor.add_peer_addresses(PA, ["/ip4/1.2.3.4/tcp/1"])
    editor.add_forward(PA, "ssh", "0")
    c = editor.save()
    assert [s.name for s in c.services] == ["ssh"]
    assert c.forwards == (ForwardConfig(PA, "ssh", "0"),)
    assert path.read_text().startswith("# tiny\n")


def test_config_to_dict_is_json(tmp_path: Path) -> None:
    c = parse_config(FULL, path=CFG)
    d = config_to_dict(c)
    again = json.loads(json.dumps(d))
    assert again["identity"]["key_file"] == str(CFG.parent / "identity.key")
    assert again["services"]["ssh"]["allowed_peers"] == [PA]
    assert again["names"] == {"home": PA, "laptop": PB}
    assert again["forwards"][0] == {
        "peer": "home",
        "service": "ssh",
        "listen": "127.0.0.1:2222",
        "enabled": True,
    }
    assert again["relay"]["reservation_interval"] == 5400.0


@posix_only
def test_umask_does_not_matter(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = init_config_dir(tmp_path / "d")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_changed_keys_name_sections_and_their_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(FULL, encoding="utf-8")
    path.chmod(0o600)
    old = load_config(path)
    assert changed_keys(old, old) == ()
    new = parse_config(
        FULL.replace("enable_quic: false", "enable_quic: true").replace(
            f"    - /ip4/203.0.113.7/tcp/7777/p2p/{PB}\n", ""
        ),
        path=path,
    )
    assert changed_keys(old, new) == ("network.enable_quic", "relay.addresses")
    editor = ConfigEditor.open(path)
    editor.add_service("db", "localhost:5432")
    editor.set_name("work", PB)
    assert changed_keys(old, editor.save()) == ("services", "names")


def test_a_service_entry_as_front_ends_show_it() -> None:
    entry = ServiceConfig("ssh", "localhost:22", enabled=False, allowed_peers=(PA,))
    info = entry.info()
    assert (info.name, info.protocol_id, info.local_address) == (
        "ssh",
        "/peerup/ssh/1.0.0",
        "localhost:22",
    )
    assert (info.enabled, info.allowed_peers, info.streams_total) == (False, (PA,), 0)
