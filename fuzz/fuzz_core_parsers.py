"""Fuzz every parser in app.core with untrusted bytes.

Each input's first byte picks a parser; the rest is the payload (decoded as UTF-8 with
replacement for the text parsers). A parser may reject input only with a PeerupError; any other
exception is a bug and stops the run with the offending input printed.

Run with atheris when it is installed (coverage-guided)::

    .venv/bin/python fuzz/fuzz_core_parsers.py [atheris/libFuzzer args]

Without atheris it runs the same harness over random and mutated inputs::

    .venv/bin/python fuzz/fuzz_core_parsers.py --runs 20000 [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core import config
from app.core.codes import codetext, invitecode, lancode, maddrbin, paircode
from app.core.errors import PeerupError
from app.core.ids import identity, names, netaddr, peerid
from app.core.pairing import invite as invite_hs
from app.core.pairing import relaypair, verify
from app.core.peers import addrbook, authkeys
from app.core.reach import lan, natpmp, stun
from app.core.wire import refusal

_CONFIG_PATH = Path("/fuzz/config.yaml")
_PEER = "12D3KooWLCavCP1Pma9NGJQnGDQhgwSjgQgupWprZJH4w1P3HCVL"
_PEER2 = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYUXCUVwbj7QbA"


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _parse_config(data: bytes) -> None:
    config.parse_config(_text(data), path=_CONFIG_PATH)


def _parse_authorized_keys(data: bytes) -> None:
    entries, errors = authkeys.parse_authorized_keys(_text(data))
    for entry in entries:
        # A parsed entry must survive formatting and re-parsing unchanged.
        line = authkeys.format_entry(entry.peer_id, entry.attributes, entry.comment)
        again, again_errors = authkeys.parse_authorized_keys(line)
        assert not again_errors, (line, again_errors)
        assert again[0].peer_id == entry.peer_id
        assert dict(again[0].attributes) == dict(entry.attributes), line
    assert all(isinstance(e.line, int) for e in errors)


def _peer_id_text(data: bytes) -> None:
    pid = peerid.PeerId.parse(_text(data))
    assert peerid.PeerId.parse(str(pid)) == pid


def _peer_id_bytes(data: bytes) -> None:
    pid = peerid.PeerId.from_bytes(data)
    assert peerid.PeerId.parse(str(pid)).raw == data


def _identity_bytes(data: bytes) -> None:
    ident = identity.Identity.from_private_key_bytes(data)
    assert ident.to_private_key_bytes() == data


def _host_port(data: bytes) -> None:
    host, port = netaddr.parse_host_port(_text(data))
    assert 0 <= port <= 65535
    assert netaddr.parse_host_port(netaddr.format_host_port(host, port)) == (host, port)


def _multiaddr(data: bytes) -> None:
    netaddr.check_multiaddr_syntax(_text(data))


def _names(data: bytes) -> None:
    text = _text(data)
    for check in (
        names.validate_service_name,
        names.validate_namespace,
        names.validate_peer_name,
    ):
        with contextlib.suppress(PeerupError):
            check(text)
    cleaned = names.sanitize_peer_name(text)
    assert len(cleaned) <= 64


_STUN_TID = bytes(range(12))


def _stun_response(data: bytes) -> None:
    # Every datagram a STUN client receives is untrusted. Try a fixed transaction ID and the
    # one in the input's own header, so that random inputs also reach the attribute parsing.
    for tid in (_STUN_TID, data[8:20] if len(data) >= 20 else _STUN_TID):
        with contextlib.suppress(PeerupError):
            ip, port = stun.parse_binding_response(data, tid)
            assert 0 <= port <= 65535, port
            assert ip, data
    with contextlib.suppress(PeerupError):
        stun.parse_binding_request(data)


def _code_text(data: bytes) -> None:
    kind, body = codetext.decode_text(_text(data))
    assert codetext.decode_text(codetext.encode_text(body)) == (kind, body)


def _verify_session(data: bytes) -> None:
    """The verify protocol's state machine as responder (first byte even) or initiator."""
    if not data:
        return
    own, other = peerid.PeerId.parse(_PEER).raw, peerid.PeerId.parse(_PEER2).raw
    role = verify.Role.RESPONDER if data[0] % 2 == 0 else verify.Role.INITIATOR
    session = verify.VerifySession(role, own_id=own, peer_id=other, now=0.0)
    if role is verify.Role.INITIATOR:
        session.start()
    events = session.receive_data(data[1:], now=1.0)
    assert all(isinstance(e, verify.SendData | verify.Aborted | verify.SasReady) for e in events)


def _refusal(data: bytes) -> None:
    result = refusal.decode_refusal(data)
    assert result is None or data.startswith(refusal.REFUSAL_MAGIC)


def _verify_seed(role_byte: int) -> bytes:
    own, other = peerid.PeerId.parse(_PEER).raw, peerid.PeerId.parse(_PEER2).raw
    initiator = verify.VerifySession(verify.Role.INITIATOR, own_id=own, peer_id=other, now=0.0)
    hello = b"".join(e.data for e in initiator.start() if isinstance(e, verify.SendData))
    if role_byte == 0:
        return b"\x00" + hello
    responder = verify.VerifySession(verify.Role.RESPONDER, own_id=other, peer_id=own, now=0.0)
    accept = responder.receive_data(hello, now=0.0)
    return b"\x01" + b"".join(e.data for e in accept if isinstance(e, verify.SendData))


def _pairing_code(data: bytes) -> None:
    # Binary bodies of both pairing kinds (the text layer is covered by _code_text).
    for kind in (codetext.CodeKind.PAIRING, codetext.CodeKind.REFERENCE_PAIRING):
        with contextlib.suppress(PeerupError):
            code = paircode.decode_pairing_body(kind, bytes([kind]) + data)
            assert len(code.token) == paircode.TOKEN_SIZE
            assert all(a.endswith(f"/p2p/{code.relay_peer_id}") for a in code.relay_addresses)
            if kind is codetext.CodeKind.PAIRING:
                again = paircode.parse_pairing_code(
                    paircode.encode_pairing(
                        code.token, code.relay_addresses, code.namespace, code.expires_at or 0
                    )
                )
                assert again == code, (again, code)


def _relay_pair_wire(data: bytes) -> None:
    # Everything a relay or a member reads from the network on the pairing protocols.
    for parse in (relaypair.decode_pair_request, relaypair.decode_pair_reply):
        with contextlib.suppress(PeerupError):
            parse(data)
    with contextlib.suppress(PeerupError):
        intro = relaypair.decode_notify(data)
        assert relaypair.decode_notify(relaypair.encode_notify(intro)) == intro
    with contextlib.suppress(PeerupError):
        relaypair.TokenStore.from_json(data)
    with contextlib.suppress(PeerupError):
        relaypair.MembershipBook.from_json(data)


def _invite_body(data: bytes) -> None:
    code = invitecode.decode_invite_body(b"\x03" + data)
    assert invitecode.decode_invite_body(code.to_body()) == code
    assert invitecode.parse_invite_code(code.link()) == code


def _binary_multiaddr(data: bytes) -> None:
    text = maddrbin.decode_multiaddr(data)
    assert maddrbin.decode_multiaddr(maddrbin.encode_multiaddr(text)) == text


_INVITE_ID = bytes(range(8))


def _invite_handshake(data: bytes) -> None:
    # Every handshake message is untrusted: the inviter's view of M1 (and then M3), the joiner's
    # view of M2 (and then M4). Only PairingError may come out; nothing may be accepted.
    own, other = peerid.PeerId.parse(_PEER), peerid.PeerId.parse(_PEER2)
    frames = invite_hs.FrameBuffer()
    with contextlib.suppress(PeerupError):
        frames.feed(data)
    inviter = invite_hs.InviterHandshake(
        password=b"p" * 10, invite_id=_INVITE_ID, own=own, joiner=other, name="home",
        services=["ssh"], now=0.0,
    )  # fmt: skip
    with contextlib.suppress(PeerupError):
        inviter.receive(data, 0.0)
        inviter.receive(data, 0.0)
    assert inviter.outcome is None
    joiner = invite_hs.JoinerHandshake(
        password=b"p" * 10, invite_id=_INVITE_ID, own=other, inviter=own, name="laptop", now=0.0,
        suites=(invite_hs.SUITE_CLASSIC,),
    )  # fmt: skip
    joiner.start()
    with contextlib.suppress(PeerupError):
        joiner.receive(data, 0.0)
        joiner.receive(data, 0.0)
    assert joiner.outcome is None


def _nat_pmp(data: bytes) -> None:
    # Every datagram from the gateway, and the OS's route tables, are untrusted.
    port = int.from_bytes(data[8:10], "big") or 1 if len(data) >= 10 else 4001
    for delete in (False, True):
        with contextlib.suppress(PeerupError):
            got = natpmp.decode_mapping_response(data, internal_port=port, delete=delete)
            assert got.internal_port == port
            assert (got.lifetime == 0) == delete, got
            again = natpmp.encode_mapping_response(
                got.epoch, got.internal_port, got.external_port, got.lifetime
            )
            assert natpmp.decode_mapping_response(again, internal_port=port, delete=delete) == got
    with contextlib.suppress(PeerupError):
        addr = natpmp.decode_external_address_response(data)
        again = natpmp.encode_external_address_response(addr.epoch, addr.ip)
        assert natpmp.decode_external_address_response(again) == addr
    text = _text(data)
    for parse in (
        natpmp.parse_proc_net_route,
        natpmp.parse_route_get_default,
        natpmp.parse_route_print,
    ):
        gateway = parse(text)
        assert gateway is None or gateway.count(".") == 3, gateway


def _lan_code(data: bytes) -> None:
    code = lancode.parse_lan_code(_text(data))
    assert lancode.parse_lan_code(code.text()) == code


def _lan_address(data: bytes) -> None:
    # A peer's LAN addresses arrive in its reachability message: untrusted.
    ip, port = lan.parse_lan_address(_text(data))
    assert lan.parse_lan_address(lan.lan_address(str(ip), port)) == (ip, port)


def _address_book(data: bytes) -> None:
    # The state file of remembered peer addresses: another program may have written it.
    book = addrbook.AddressBook.from_json(data)
    again = addrbook.AddressBook.from_json(book.to_json())
    assert sorted(again.peers()) == sorted(book.peers())


PARSERS: tuple[Callable[[bytes], None], ...] = (
    _parse_config,
    _parse_authorized_keys,
    _peer_id_text,
    _peer_id_bytes,
    _identity_bytes,
    _host_port,
    _multiaddr,
    _names,
    _stun_response,
    _code_text,
    _verify_session,
    _refusal,
    _invite_body,
    _binary_multiaddr,
    _invite_handshake,
    _lan_code,
    _pairing_code,
    _relay_pair_wire,
    _nat_pmp,
    _lan_address,
    _address_book,
)


def harness(data: bytes) -> None:
    """Feed one input to the parser its first byte selects; raise on any non-PeerupError."""
    if not data:
        return
    target = PARSERS[data[0] % len(PARSERS)]
    with contextlib.suppress(PeerupError):
        target(data[1:])


def _seed_invite_code() -> invitecode.InviteCode:
    return invitecode.InviteCode(
        invite_id=_INVITE_ID,
        password=bytes(10),
        expires_at=1_800_000_000,
        inviter=peerid.PeerId.parse(_PEER),
        namespace="crew",
        addresses=(f"/ip4/203.0.113.5/tcp/7777/p2p/{_PEER2}", "/ip4/192.168.1.5/tcp/4001"),
    )


def _seed_hello() -> bytes:
    joiner = invite_hs.JoinerHandshake(
        password=b"p" * 10, invite_id=_INVITE_ID, own=peerid.PeerId.parse(_PEER2),
        inviter=peerid.PeerId.parse(_PEER), name="laptop", now=0.0,
        suites=(invite_hs.SUITE_CLASSIC,),
    )  # fmt: skip
    return joiner.start()


def _seeds() -> list[tuple[int, bytes]]:
    """Valid inputs for each parser, so that mutations explore near-valid territory."""
    ident = identity.Identity.generate(lambda n: bytes(range(n)))
    good_config = (
        config.default_config_text(listen_port=4001)
        .replace("services: {}", "services:\n  ssh: {local_address: 'localhost:22'}")
        .replace("names: {}", f"names:\n  home: {_PEER}")
        .replace("peer_addresses: {}", "peer_addresses:\n  home: ['/ip4/192.168.1.5/tcp/4001']")
        .replace("forwards: []", "forwards:\n  - {peer: home, service: ssh, listen: '2222'}")
    )
    minimal = "identity: {key_file: k}\nnetwork: {listen_addresses: [/ip4/0.0.0.0/tcp/0]}\n"
    seeds = [
        (0, good_config.encode()),
        (0, minimal.encode()),
        (1, f"# c\n{_PEER}  verified=sha256:0011aabb  # laptop\n\n{_PEER2} group=1\n".encode()),
        (2, _PEER.encode()),
        (2, b"QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"),
        (3, peerid.PeerId.parse(_PEER).raw),
        (4, ident.to_private_key_bytes()),
        (5, b"[::1]:2222"),
        (5, b"localhost:22"),
        (6, f"/ip4/1.2.3.4/tcp/7777/p2p/{_PEER}/p2p-circuit/p2p/{_PEER2}".encode()),
        (6, b"/ip6/::1/udp/4001/quic-v1"),
        (7, b"web-ui"),
        (8, stun.encode_binding_success(_STUN_TID, "203.0.113.5", 40000, legacy_mapped=True)),
        (8, stun.encode_binding_success(_STUN_TID, "2001:db8::5", 1, software="fuzz")),
        (8, stun.encode_binding_request(_STUN_TID)),
        (9, codetext.encode_text(b"\x03" + bytes(range(60))).encode()),
        (9, codetext.to_link(codetext.encode_text(b"\x04" + bytes(30))).encode()),
        (10, _verify_seed(0)),
        (10, _verify_seed(1)),
        (11, refusal.encode_refusal("not-verified", "service 'ssh' admits verified peers only")),
        (12, _seed_invite_code().to_body()[1:]),
        (13, maddrbin.encode_multiaddr(f"/dns4/relay.example.com/tcp/443/p2p/{_PEER}")),
        (13, maddrbin.encode_multiaddr("/ip6/2001:db8::1/udp/4001/quic-v1")),
        (14, _seed_hello()[2:]),
        (15, b"7-guitarist-revenge-aardvark"),
        (16, _pairing_seed()[1:]),
        (17, _notify_seed()),
        (17, relaypair.encode_pair_request(bytes(16), "laptop")),
        (18, natpmp.encode_mapping_response(7, 4001, 4001, 3600)),
        (18, natpmp.encode_mapping_response(7, 4001, 0, 0)),
        (18, natpmp.encode_external_address_response(7, "203.0.113.5")),
        (18, natpmp.encode_error_response(natpmp.OP_MAP_TCP, 2, 7)),
        (
            18,
            b"Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
            b"eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
        ),
        (19, b"/ip4/192.168.1.5/tcp/4001"),
        (19, b"/ip6/fd00::1/tcp/4001"),
        (20, _address_book_seed()),
    ]
    return [(i % len(PARSERS), s) for i, s in seeds]


def _address_book_seed() -> bytes:
    book = addrbook.AddressBook()
    book.remember(_PEER, ["/ip4/192.168.1.5/tcp/24001"], source="dialed", now=1.7e9)
    book.remember(_PEER2, ["/ip6/fd00::2/tcp/4001"], source="announced", now=1.7e9)
    return book.to_json()


def _pairing_seed() -> bytes:
    text = paircode.encode_pairing(
        bytes(range(16)),
        [f"/ip4/203.0.113.5/tcp/7777/p2p/{_PEER}", f"/dns4/r.example/udp/1/quic-v1/p2p/{_PEER}"],
        "crew",
        1900000000,
    )
    return codetext.decode_text(text)[1]


def _notify_seed() -> bytes:
    member = relaypair.Member(peerid.PeerId.parse(_PEER2), "bob")
    return relaypair.encode_notify(relaypair.Introduction("0a0b0c0d", 3, ((member, bytes(32)),)))


# Bytes that are structurally meaningful to YAML, authorized_keys and addresses.
_TOKENS = (
    *(b"\n", b":", b"#", b"=", b" ", b"/", b"-", b"'", b'"', b"{", b"[", b"&a", b"*a"),
    *(b"\t", b"\r", b"\x00", b"  - ", b": ", b"!!binary ", b"99999", b"%", b"<<: "),
)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            del buf[min(pos, len(buf) - 1)]
        elif op == 1:
            buf.insert(pos, rng.randrange(256))
        elif op == 2 and buf:
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op == 3:
            buf[pos:pos] = rng.choice(_TOKENS)
        elif op == 4 and buf:
            start = rng.randrange(len(buf))
            end = min(len(buf), start + rng.randint(1, 32))
            buf[pos:pos] = buf[start:end]
        elif op == 5 and buf:
            # Truncate: parsers must cope with cut-off input.
            del buf[pos:]
    return bytes(buf)


def run_random(runs: int, seed: int) -> int:
    """Run the harness over ``runs`` generated inputs; return a process exit code."""
    rng = random.Random(seed)
    seeds = _seeds()
    for i in range(runs):
        choice = rng.random()
        if choice < 0.25:
            payload = rng.randbytes(rng.randint(0, 200))
            data = bytes([rng.randrange(len(PARSERS))]) + payload
        else:
            which, base = rng.choice(seeds)
            data = bytes([which]) + _mutate(rng, base)
        try:
            harness(data)
        except Exception:
            traceback.print_exc()
            print(f"run {i}: crash on input {data!r}", file=sys.stderr)
            return 1
    print(f"ok: {runs} inputs, no crash")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: atheris if importable, otherwise the random runner."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        import atheris  # type: ignore[import-not-found]
    except ImportError:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--runs", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=0)
        args = parser.parse_args(argv)
        return run_random(args.runs, args.seed)
    atheris.Setup([sys.argv[0], *argv], harness)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
