"""``peerup config set`` and ``config unset`` without a daemon: they edit config.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import load_config
from app.core.ids.names import default_device_name
from tests.unit.cli.conftest import Run


def test_set_and_unset_every_preference(initialized: Path, run: Run) -> None:
    comment = "# Private network name (isolates the DHT)"
    assert comment in initialized.read_text()
    steps = [
        (("set", "name", "study-pc"), "name: study-pc"),
        (("set", "network", "crew"), "network: crew"),
        (("set", "mdns", "on"), "mdns: on"),
        (("set", "port-mapping", "yes"), "port-mapping: on"),
        (("set", "hole-punching", "off"), "hole-punching: off"),
    ]
    for args, out in steps:
        result = run("config", *args)
        assert (result.code, result.out.strip()) == (0, out), result.err
    config = load_config(initialized)
    assert config.settings().device_name == "study-pc"
    assert (config.network, config.mdns, config.port_mapping, config.hole_punching) == (
        "crew",
        True,
        True,
        False,
    )
    assert run("config", "unset", "network").out.strip() == ("network: the global peer-up network")
    assert run("config", "unset", "name").out.strip() == f"name: {default_device_name()}"
    config = load_config(initialized)
    assert (config.identity_name, config.network) == (None, None)
    assert comment in initialized.read_text()


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("set", "name", "my box"), 1, "invalid peer name"),
        (("set", "network", "Crew"), 1, "invalid network name"),
        (("set", "mdns", "maybe"), 2, "use on or off"),
        (("set", "colour", "red"), 2, "Invalid value for"),
        (("unset", "mdns"), 2, "Invalid value for"),
    ],
)
def test_bad_values_change_nothing(
    initialized: Path, run: Run, args: tuple[str, ...], code: int, words: str
) -> None:
    text = initialized.read_text()
    result = run("config", *args)
    assert result.code == code
    assert words in result.err
    assert initialized.read_text() == text
