"""Listen addresses and the QUIC switch."""

from __future__ import annotations

from app.engine.listening import listen_addresses


def test_listen_addresses_follow_the_quic_switch() -> None:
    tcp = ["/ip4/127.0.0.1/tcp/0", "/ip6/::1/tcp/4001"]
    assert listen_addresses(tcp, quic=False) == tcp
    assert listen_addresses([*tcp, "/ip4/127.0.0.1/udp/0/quic-v1"], quic=False) == tcp
    assert listen_addresses(tcp, quic=True) == [
        *tcp,
        "/ip4/127.0.0.1/udp/0/quic-v1",
        "/ip6/::1/udp/0/quic-v1",
    ]
