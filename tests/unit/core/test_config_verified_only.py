"""verified_only: per service, with security.verified_only as the default for every service."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import default_config_text, parse_config
from app.core.errors import ConfigError

PATH = Path("/tmp/peerup-test/config.yaml")

SERVICES = """services:
  ssh: {local_address: 'localhost:22'}
  web: {local_address: 'localhost:80', verified_only: false}
  db: {local_address: 'localhost:5432', verified_only: true}
"""


def _config(security_verified_only: str | None) -> dict[str, bool]:
    text = default_config_text().replace("services: {}\n", SERVICES)
    if security_verified_only is not None:
        text = text.replace(
            "  verified_only: false\n", f"  verified_only: {security_verified_only}\n", 1
        )
    config = parse_config(text, path=PATH)
    return {s.name: s.verified_only for s in config.services}


def test_default_is_per_service() -> None:
    assert _config(None) == {"ssh": False, "web": False, "db": True}


def test_security_verified_only_applies_to_every_service_unless_it_says_otherwise() -> None:
    assert _config("true") == {"ssh": True, "web": False, "db": True}


def test_bad_value_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"security\.verified_only"):
        _config("'sometimes'")
