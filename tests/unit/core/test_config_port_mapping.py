"""Config key network.port_mapping (UPnP IGD port mapping)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import config_to_dict, default_config_text, parse_config
from app.core.errors import ConfigError

PATH = Path("/tmp/peerup-test/config.yaml")


def _network(extra: str) -> str:
    return default_config_text().replace(
        "  enable_quic: false", "  enable_quic: false\n  port_mapping: " + extra
    )


def test_off_by_default() -> None:
    assert parse_config(default_config_text(), path=PATH).port_mapping is False


def test_on() -> None:
    config = parse_config(_network("true"), path=PATH)
    assert config.port_mapping is True
    assert config_to_dict(config)["network"]["port_mapping"] is True


def test_not_a_boolean_names_key_and_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_network("maybe"), path=PATH)
    assert err.value.key == "network.port_mapping"
    assert err.value.line is not None
