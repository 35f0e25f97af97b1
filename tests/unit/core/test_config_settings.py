"""The preferences in config.yaml: identity.name, and editing the settings with comments kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.core.config import (
    SETTINGS_KEYS,
    ConfigEditor,
    changed_keys,
    config_to_dict,
    default_config_text,
    init_config_dir,
    load_config,
    parse_config,
)
from app.core.errors import ConfigError, InvalidNameError, InvalidNetworkError
from app.core.ids.names import FALLBACK_DEVICE_NAME, default_device_name, validate_namespace
from app.core.status import Settings, SettingsUpdate

PATH = Path("/tmp/peerup-test/config.yaml")
PEER_ID = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"


def _with_name(value: str) -> str:
    return default_config_text().replace("  name: null", f"  name: {value}")


def test_the_device_name_defaults_to_the_host_name() -> None:
    config = parse_config(default_config_text(), path=PATH)
    assert config.identity_name is None
    assert config.device_name == default_device_name()
    assert config_to_dict(config)["identity"]["name"] is None
    assert config.settings() == Settings(
        device_name=default_device_name(),
        network=None,
        mdns=False,
        port_mapping=False,
        hole_punching=True,
    )


def test_identity_name_is_announced() -> None:
    config = parse_config(_with_name("study-pc"), path=PATH)
    assert (config.identity_name, config.device_name) == ("study-pc", "study-pc")
    assert config.settings().device_name == "study-pc"


@pytest.mark.parametrize(
    ("value", "words"),
    [("my box", "invalid peer name"), (PEER_ID, "is a peer ID"), ("[1, 2]", "expected text")],
)
def test_a_bad_identity_name_names_key_and_line(value: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with_name(value), path=PATH)
    assert err.value.key == "identity.name"
    assert err.value.line == default_config_text().splitlines().index("  name: null") + 1
    assert words in err.value.message


@pytest.mark.parametrize(
    ("hostname", "name"),
    [
        ("laptop.example.org", "laptop"),
        ("Jane's PC", "JanesPC"),
        ("", FALLBACK_DEVICE_NAME),
        ("...", FALLBACK_DEVICE_NAME),
        (PEER_ID, FALLBACK_DEVICE_NAME),
        ("x" * 80, "x" * 64),
    ],
)
def test_default_device_name_from_a_host_name(hostname: str, name: str) -> None:
    assert default_device_name(hostname) == name


def test_a_bad_network_name_has_its_own_code() -> None:
    with pytest.raises(InvalidNetworkError) as err:
        validate_namespace("My Crew")
    assert err.value.code == "invalid-network"
    assert isinstance(err.value, InvalidNameError)  # callers catching naming errors still do


def _config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    os.chmod(path, 0o600)
    return path


def test_editing_every_setting_keeps_comments_and_names_the_keys(tmp_path: Path) -> None:
    path = init_config_dir(tmp_path / "cfg", listen_port=4001)
    before = load_config(path)
    editor = ConfigEditor.open(path)
    editor.update_settings(
        SettingsUpdate(
            device_name=" study-pc ",
            network="crew",
            mdns=True,
            port_mapping=True,
            hole_punching=False,
        )
    )
    after = editor.save()
    assert after.settings() == Settings("study-pc", "crew", True, True, False)
    assert set(changed_keys(before, after)) == SETTINGS_KEYS
    text = path.read_text()
    # The template's comments survive, and each key sits in its section.
    assert (
        "  # The name this device announces to the devices it pairs with; null: the host name.\n"
        "  name: study-pc\n"
    ) in text
    assert "  enable_quic: false\n  port_mapping: true\n  hole_punching: false\n\nrelay:" in text
    assert "  network: crew\n" in text
    assert "  mdns: true\n" in text
    assert "# Private network name (isolates the DHT)" in text

    editor = ConfigEditor.open(path)
    editor.update_settings(SettingsUpdate(device_name="", clear_network=True))
    back = editor.save()
    assert (back.identity_name, back.network) == (None, None)
    assert changed_keys(after, back) == ("identity.name", "discovery.network")
    assert "  name: null\n" in path.read_text()


def test_new_keys_go_before_the_blank_line_and_comments_that_end_a_section(
    tmp_path: Path,
) -> None:
    path = _config_file(
        tmp_path,
        "version: 1\n"
        "identity: {key_file: identity.key}\n"
        "network:\n"
        "  listen_addresses: ['/ip4/127.0.0.1/tcp/0']  # loopback only\n"
        "  # the end of network\n"
        "\n"
        "discovery:\n"
        "  network: null   # global\n",
    )
    editor = ConfigEditor.open(path)
    editor.update_settings(
        SettingsUpdate(
            device_name="box", network="crew", mdns=False, port_mapping=True, hole_punching=True
        )
    )
    editor.save()
    assert path.read_text() == (
        "version: 1\n"
        "identity: {key_file: identity.key, name: box}\n"
        "network:\n"
        "  listen_addresses: ['/ip4/127.0.0.1/tcp/0']  # loopback only\n"
        "  port_mapping: true\n"
        "  hole_punching: true\n"
        "  # the end of network\n"
        "\n"
        "discovery:\n"
        "  network: crew   # global\n"
        "  mdns: false\n"
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"device_name": "my box"}, InvalidNameError),
        ({"device_name": PEER_ID}, InvalidNameError),
        ({"network": "Crew"}, InvalidNetworkError),
        ({"network": "crew", "clear_network": True}, InvalidNetworkError),
    ],
)
def test_bad_settings_write_nothing(
    tmp_path: Path, changes: dict[str, object], error: type[Exception]
) -> None:
    path = init_config_dir(tmp_path / "cfg")
    text = path.read_text()
    editor = ConfigEditor.open(path)
    with pytest.raises(error):
        editor.update_settings(SettingsUpdate(mdns=True, **changes))  # type: ignore[arg-type]
    assert path.read_text() == text
