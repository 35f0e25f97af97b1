"""The keepalive's view of our addresses.

The closing itself is proven in tests/lab/test_recovery.py: a LAN address change closes the
connections from the old address at once.
"""

from __future__ import annotations

import ipaddress

from app.engine.keepalive import _parse, assigned_ips


def test_assigned_ips_are_every_interface_address_loopback_included() -> None:
    ips = assigned_ips()
    assert "127.0.0.1" in ips
    assert all(_parse(ip) is not None for ip in ips)


def test_parse_drops_an_ipv6_zone_and_refuses_garbage() -> None:
    assert _parse("fe80::1%eth0") == ipaddress.ip_address("fe80::1")
    assert _parse("192.0.2.7") == ipaddress.ip_address("192.0.2.7")
    assert _parse("not an address") is None
    assert _parse(None) is None
