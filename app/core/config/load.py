"""Loading config.yaml from disk: the file checks (present, private, small, UTF-8), then parsing."""

from __future__ import annotations

from pathlib import Path

from app.core.config.parse import parse_config
from app.core.config.schema import Config
from app.core.config.yamldoc import MAX_CONFIG_SIZE
from app.core.errors import ConfigError
from app.core.files import read_limited, require_private, utf8_error_line


def read_config_text(path: Path) -> str:
    """Return the text of the config file at ``path``.

    Raises:
        ConfigError: Missing (hint: ``peerup init``), readable or writable by group/others,
            too large, unreadable, or not UTF-8.
    """
    if not path.exists():
        raise ConfigError(f"config file {path} not found", hint="create one with: peerup init")
    require_private(path, "config file", ConfigError)
    try:
        data = read_limited(path, MAX_CONFIG_SIZE, "config file", ConfigError)
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} not found", hint="create one with: peerup init"
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "not valid UTF-8 text", path=str(path), line=utf8_error_line(data, exc)
        ) from None


def load_config(path: Path) -> Config:
    """Read and validate a config file.

    Raises:
        ConfigError: Missing (hint: ``peerup init``), readable or writable by group/others,
            unreadable, or invalid.
    """
    path = Path(path)
    return parse_config(read_config_text(path), path=path)
