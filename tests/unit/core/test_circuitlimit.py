"""Circuit relay v2 limits: read as the spec says (absent or 0: none), described in plain words."""

from __future__ import annotations

import pytest

from app.core.circuitlimit import CircuitLimit, describe_bytes, describe_seconds


def test_zero_fields_mean_no_limit() -> None:
    assert CircuitLimit.from_wire(0, 0) is None
    assert CircuitLimit.from_wire(120, 0) == CircuitLimit(duration=120, data=None)
    assert CircuitLimit.from_wire(0, 1 << 17) == CircuitLimit(duration=None, data=1 << 17)


@pytest.mark.parametrize(
    ("limit", "tight", "text"),
    [
        # go-libp2p's, js-libp2p's and rust-libp2p's stock limits
        (CircuitLimit(duration=120, data=128 << 10), True, "128 KiB / 2 min per connection"),
        # peer-up's automatic relay
        (CircuitLimit(duration=600, data=128 << 10), True, "128 KiB / 10 min per connection"),
        # peer-up's relay service defaults
        (CircuitLimit(duration=3600, data=1 << 30), False, "1 GiB / 1 h per connection"),
        (CircuitLimit(duration=None, data=2 << 20), True, "2 MiB per connection"),
        (CircuitLimit(duration=300, data=None), True, "5 min per connection"),
        (CircuitLimit(duration=5400, data=None), False, "1 h 30 min per connection"),
    ],
)
def test_tight_and_described(limit: CircuitLimit, tight: bool, text: str) -> None:
    assert limit.tight is tight
    assert limit.describe() == text


def test_units() -> None:
    assert [describe_bytes(n) for n in (512, 1536, 128 << 10, 64 << 20)] == [
        "512 B",
        "1.5 KiB",
        "128 KiB",
        "64 MiB",
    ]
    assert [describe_seconds(s) for s in (45, 90, 120, 3600, 7260)] == [
        "45 s",
        "90 s",
        "2 min",
        "1 h",
        "2 h 1 min",
    ]
