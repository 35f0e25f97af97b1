"""Fuzz every decoder in app.core that reads bytes from the network or from a file.

Each input's first byte picks a target; the rest is the payload (decoded as UTF-8 with
replacement for the text parsers). A target may reject input only with a PeerupError (or the
error its decoder documents); any other exception, or a failed property, is a bug and stops the
run with the offending input printed.

The handshakes (invite, verify) run for real between both of their sides, through every
message: the payload says which message is altered and how (an edit script, or a replacement),
and the run must then fail on the receiving side, never pair or show equal SAS.

Run with atheris when it is installed (coverage-guided)::

    .venv/bin/python fuzz/fuzz_core_parsers.py [atheris/libFuzzer args]

Without atheris, or with ``--runs``, it runs the same harness over random and mutated inputs,
each target getting an equal share. ``make test`` runs :data:`DEFAULT_RUNS` of them (seed 7,
tests/unit/core/test_fuzz_target.py); ``make fuzz`` runs 500000 (``FUZZ_RUNS=…``,
``FUZZ_SEED=…`` to change)::

    .venv/bin/python fuzz/fuzz_core_parsers.py --runs 500000 [--seed 1]
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
from app.core.codes import codetext, invitecode, joincode, lancode, maddrbin, paircode, relaytext
from app.core.config import yamldoc
from app.core.errors import PeerupError
from app.core.ids import identity, names, netaddr, peerid
from app.core.pairing import invite as invite_hs
from app.core.pairing import relaypair, verify
from app.core.peers import addrbook, authkeys
from app.core.reach import dialback, gradewire, lan, natpmp, reachability, stun
from app.core.status import Grade, NatMapping, Reachability
from app.core.wire import refusal, varint

# The budget of `make test` (tests/unit/core/test_fuzz_target.py): about 15 s on one core.
DEFAULT_RUNS = 20_000
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


def _verify_frames(data: bytes) -> None:
    """The verify protocol's frame parsers, and a session fed raw bytes in any state."""
    with contextlib.suppress(PeerupError):
        frame, rest = verify.parse_frame(data)
        assert frame is not None or rest == data
        if frame is not None:
            assert len(frame.raw) + len(rest) == len(data)
            for parse in (
                verify.parse_hello,
                verify.parse_accept,
                verify.parse_result,
                verify.parse_abort,
            ):
                with contextlib.suppress(PeerupError):
                    parse(frame.payload)
    own, other = peerid.PeerId.parse(_PEER).raw, peerid.PeerId.parse(_PEER2).raw
    session = verify.VerifySession(verify.Role.RESPONDER, own_id=own, peer_id=other, now=0.0)
    events = session.receive_data(data, now=1.0)
    assert all(isinstance(e, verify.SendData | verify.Aborted) for e in events), events


def _refusal(data: bytes) -> None:
    result = refusal.decode_refusal(data)
    assert result is None or data.startswith(refusal.REFUSAL_MAGIC)


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
    # The first message's invite ID, which the inviter reads before any attempt is counted.
    invite_id = invite_hs.peek_invite_id(data)
    assert invite_id is None or len(invite_id) <= 32
    code = invitecode.decode_invite_body(b"\x03" + data)
    assert invitecode.decode_invite_body(code.to_body()) == code
    assert invitecode.parse_invite_code(code.link()) == code


def _binary_multiaddr(data: bytes) -> None:
    text = maddrbin.decode_multiaddr(data)
    assert maddrbin.decode_multiaddr(maddrbin.encode_multiaddr(text)) == text


_INVITE_ID = bytes(range(8))
_PASSWORD = b"p" * 10


def _edit(message: bytes, script: bytes) -> bytes:
    """``message`` changed as ``script`` says: ``0xFF`` + replacement, or 4-byte edits.

    Each edit is ``op, position (2 bytes), value``: op % 4 is 0 XOR the byte at the position
    with the value, 1 insert the value there, 2 delete the byte there, 3 cut the message there.
    """
    if script[:1] == b"\xff":
        return script[1:]
    buf = bytearray(message)
    for i in range(0, len(script) - 3, 4):
        op, value = script[i] % 4, script[i + 3]
        pos = int.from_bytes(script[i + 1 : i + 3], "big") % (len(buf) + 1)
        if op == 0 and pos < len(buf):
            buf[pos] ^= value
        elif op == 1:
            buf.insert(pos, value)
        elif op == 2 and pos < len(buf):
            del buf[pos]
        elif op == 3:
            del buf[pos:]
    return bytes(buf)


def _invite_run(data: bytes) -> None:
    """A real invite handshake, joiner and inviter, with one of its 5 messages altered.

    ``data[0]``: bit 0 the joiner offers the hybrid suite (else classic only), bits 1-3 which
    message is altered (M1-M5; 0 or 6-7: none), bit 4 the joiner has the wrong password;
    ``data[1:]``: the edit script (:func:`_edit`). An unaltered run with the right password
    pairs both sides with the same SAS; any other run never completes on the inviter's side,
    and the joiner completes only when M5 (after its last step) was the altered one.
    """
    if not data:
        return
    suites = invite_hs.DEFAULT_SUITES if data[0] & 1 else (invite_hs.SUITE_CLASSIC,)
    altered_step = (data[0] >> 1) & 7
    wrong_password = bool(data[0] & 16)
    own, other = peerid.PeerId.parse(_PEER), peerid.PeerId.parse(_PEER2)
    joiner = invite_hs.JoinerHandshake(
        password=b"q" * 10 if wrong_password else _PASSWORD, invite_id=_INVITE_ID, own=other,
        inviter=own, name="laptop", now=0.0, suites=suites,
    )  # fmt: skip
    inviter = invite_hs.InviterHandshake(
        password=_PASSWORD, invite_id=_INVITE_ID, own=own, joiner=other, name="home",
        services=["ssh"], now=0.0,
    )  # fmt: skip
    altered = False
    message: bytes | None = joiner.start()[2:]
    step = 1
    with contextlib.suppress(invite_hs.PairingError):
        while message is not None:
            if step == altered_step:
                edited = _edit(message, data[1:])
                altered, message = edited != message, edited
            receiver = inviter if step % 2 else joiner
            reply = receiver.receive(message, 1.0)
            message = reply[2:] if reply is not None else None
            step += 1
    if not altered and not wrong_password:
        assert inviter.outcome is not None, data
        assert joiner.outcome is not None, data
        assert inviter.outcome.sas == joiner.outcome.sas
        assert inviter.outcome.suite == joiner.outcome.suite == suites[0]
        assert (inviter.outcome.name, joiner.outcome.name) == ("laptop", "home")
        return
    assert inviter.outcome is None, (data, "the inviter paired on an altered run")
    if wrong_password or altered_step < 5:
        assert joiner.outcome is None, (data, "the joiner paired on an altered run")


def _verify_run(data: bytes) -> None:
    """A real verify run, initiator and responder, with one of its frames altered.

    ``data[0] % 8`` is which frame (in the order sent: HELLO, ACCEPT, COMMIT, KEY, REVEAL, then
    the two RESULTs; 7: none) is altered by the edit script ``data[1:]`` (:func:`_edit`). Both
    humans answer "match". Unaltered, both sides show the same SAS and complete verified;
    altered before the SAS, the two sides never show the same SAS.
    """
    if not data:
        return
    altered_index = data[0] % 8
    own, other = peerid.PeerId.parse(_PEER).raw, peerid.PeerId.parse(_PEER2).raw
    initiator = verify.VerifySession(verify.Role.INITIATOR, own_id=own, peer_id=other, now=0.0)
    responder = verify.VerifySession(verify.Role.RESPONDER, own_id=other, peer_id=own, now=0.0)
    sides = {initiator: responder, responder: initiator}
    queue = [(responder, e.data) for e in initiator.start() if isinstance(e, verify.SendData)]
    altered = False
    index = 0
    completed: dict[verify.VerifySession, verify.Completed] = {}
    while queue and index < 16:
        receiver, frame = queue.pop(0)
        if index == altered_index:
            edited = _edit(frame, data[1:])
            altered, frame = edited != frame, edited
        index += 1
        events = receiver.receive_data(frame, now=1.0)
        if any(isinstance(e, verify.SasReady) for e in events):
            events += receiver.confirm(True, now=1.0)
        for event in events:
            assert isinstance(event, verify.VerifyEvent), event
            if isinstance(event, verify.SendData):
                queue.append((sides[receiver], event.data))
            elif isinstance(event, verify.Completed):
                completed[receiver] = event
    if not altered:
        assert initiator.sas is not None, data
        assert initiator.sas == responder.sas
        assert all(c.verified for c in completed.values()), completed
        assert len(completed) == 2, completed
    elif altered_index < 5 and initiator.sas is not None and responder.sas is not None:
        assert initiator.sas != responder.sas, (data, "equal SAS on an altered run")


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


def _dialback(data: bytes) -> None:
    # What a relay reads from a node asking for a dial-back, and the node from the relay.
    with contextlib.suppress(PeerupError):
        request = dialback.decode_request(data)
        assert len(request.addrs) <= dialback.MAX_ADDRESSES
        assert dialback.decode_request(dialback.encode_request(request.addrs)) == request
        for addr in request.addrs:
            target = dialback.tcp_target(addr)
            assert target is None or 0 < target[1] < 65536, target
    with contextlib.suppress(PeerupError):
        reply = dialback.decode_response(data)
        assert dialback.decode_response(dialback.encode_response(reply.reachable)) == reply


def _grade(data: bytes) -> None:
    # A peer's reachability announcement: every field validated before it is stored.
    value = gradewire.decode_grade(data)
    assert isinstance(value.grade, Grade)
    assert isinstance(value.nat_mapping, NatMapping)
    assert len(value.lan_addresses) <= lan.MAX_LAN_ADDRESSES
    assert gradewire.decode_grade(gradewire.encode_grade(value)) == value


def _uvarint(data: bytes) -> None:
    # Varints inside binary codes and multiaddrs.
    pos = 0
    while pos < len(data):
        value, end = varint.read_uvarint(data, pos, error=lambda p: PeerupError(str(p)))
        assert end > pos
        assert varint.encode_uvarint(value) == data[pos:end]
        pos = end


def _join_text(data: bytes) -> None:
    # What a person pastes into join, relay add or the tray: any code, link or address text.
    text = _text(data)
    with contextlib.suppress(PeerupError):
        joincode.parse_join_code(text)
    with contextlib.suppress(PeerupError):
        address = relaytext.relay_address_from_text(text)
        assert "/p2p/" in address, address
    with contextlib.suppress(PeerupError):
        _host, port = reachability.parse_stun_server(text)
        assert 0 < port < 65536
    with contextlib.suppress(ValueError):  # parse_duration's documented error
        assert yamldoc.parse_duration(text) >= 0


def _stun_message(data: bytes) -> None:
    message = stun.decode_message(data)
    assert len(message.transaction_id) == 12


def _address_book(data: bytes) -> None:
    # The state file of remembered peer addresses: another program may have written it.
    book = addrbook.AddressBook.from_json(data)
    again = addrbook.AddressBook.from_json(book.to_json())
    assert sorted(again.peers()) == sorted(book.peers())


PARSERS: tuple[Callable[[bytes], None], ...] = (
    # files
    _parse_config,
    _parse_authorized_keys,
    _identity_bytes,
    _address_book,
    # network: messages peers, relays, gateways and STUN servers send
    _stun_response,
    _stun_message,
    _nat_pmp,
    _dialback,
    _grade,
    _refusal,
    _relay_pair_wire,
    _lan_address,
    _verify_frames,
    _verify_run,
    _invite_run,
    _invite_body,
    # codes and addresses people paste
    _code_text,
    _join_text,
    _pairing_code,
    _lan_code,
    _binary_multiaddr,
    _uvarint,
    _peer_id_text,
    _peer_id_bytes,
    _host_port,
    _multiaddr,
    _names,
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
        password=_PASSWORD, invite_id=_INVITE_ID, own=peerid.PeerId.parse(_PEER2),
        inviter=peerid.PeerId.parse(_PEER), name="laptop", now=0.0,
        suites=(invite_hs.SUITE_CLASSIC,),
    )  # fmt: skip
    return joiner.start()


def _handshake_seeds() -> list[tuple[Callable[[bytes], None], bytes]]:
    """Full runs: unaltered, wrong password, and one byte flipped in each message."""
    seeds: list[tuple[Callable[[bytes], None], bytes]] = []
    for hybrid in (0, 1):
        seeds += [(_invite_run, bytes([hybrid])), (_invite_run, bytes([hybrid | 16]))]
        for step in range(1, 6):
            flags = bytes([step << 1 | hybrid])
            seeds.append((_invite_run, flags + b"\x00\x00\x05\x01"))  # XOR byte 5 with 1
            seeds.append((_invite_run, flags + b"\x03\x00\x04\x00"))  # cut after 4 bytes
    seeds.append((_invite_run, bytes([1 << 1]) + b"\xff" + _seed_hello()[2:]))  # another M1
    seeds.append((_verify_run, b"\x07"))
    for index in range(7):
        seeds.append((_verify_run, bytes([index]) + b"\x00\x00\x04\x01"))
        seeds.append((_verify_run, bytes([index]) + b"\x01\x00\x00\x07"))  # insert at the front
    return seeds


def _seeds() -> list[tuple[int, bytes]]:
    """Valid inputs for each target, so that mutations explore near-valid territory."""
    ident = identity.Identity.generate(lambda n: bytes(range(n)))
    good_config = (
        config.default_config_text(listen_port=4001)
        .replace("services: {}", "services:\n  ssh: {local_address: 'localhost:22'}")
        .replace("names: {}", f"names:\n  home: {_PEER}")
        .replace("peer_addresses: {}", "peer_addresses:\n  home: ['/ip4/192.168.1.5/tcp/4001']")
        .replace("forwards: []", "forwards:\n  - {peer: home, service: ssh, listen: '2222'}")
        + "relay_service:\n  enabled: true\n  session_data_limit: 2MB\n"
        + "  auto: {max_circuits: 3, session_duration: 5m}\n"
    )
    minimal = "identity: {key_file: k}\nnetwork: {listen_addresses: [/ip4/0.0.0.0/tcp/0]}\n"
    relay = f"/ip4/203.0.113.5/tcp/7777/p2p/{_PEER}"
    seeds: list[tuple[Callable[[bytes], None], bytes]] = [
        (_parse_config, good_config.encode()),
        (_parse_config, minimal.encode()),
        (
            _parse_authorized_keys,
            f"# c\n{_PEER}  verified=sha256:0011aabb  # laptop\n\n{_PEER2} group=1\n".encode(),
        ),
        (_peer_id_text, _PEER.encode()),
        (_peer_id_text, b"QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"),
        (_peer_id_bytes, peerid.PeerId.parse(_PEER).raw),
        (_identity_bytes, ident.to_private_key_bytes()),
        (_host_port, b"[::1]:2222"),
        (_host_port, b"localhost:22"),
        (_multiaddr, f"/ip4/1.2.3.4/tcp/7777/p2p/{_PEER}/p2p-circuit/p2p/{_PEER2}".encode()),
        (_multiaddr, b"/ip6/::1/udp/4001/quic-v1"),
        (_names, b"web-ui"),
        (
            _stun_response,
            stun.encode_binding_success(_STUN_TID, "203.0.113.5", 40000, legacy_mapped=True),
        ),
        (_stun_response, stun.encode_binding_success(_STUN_TID, "2001:db8::5", 1, software="fuzz")),
        (_stun_response, stun.encode_binding_request(_STUN_TID)),
        (_stun_message, stun.encode_binding_success(_STUN_TID, "198.51.100.1", 3478)),
        (_code_text, codetext.encode_text(b"\x03" + bytes(range(60))).encode()),
        (_code_text, codetext.to_link(codetext.encode_text(b"\x04" + bytes(30))).encode()),
        (_verify_frames, _verify_hello()),
        (
            _refusal,
            refusal.encode_refusal("not-verified", "service 'ssh' admits verified peers only"),
        ),
        (_invite_body, _seed_invite_code().to_body()[1:]),
        (_invite_body, _seed_hello()[2:]),
        (
            _binary_multiaddr,
            maddrbin.encode_multiaddr(f"/dns4/relay.example.com/tcp/443/p2p/{_PEER}"),
        ),
        (_binary_multiaddr, maddrbin.encode_multiaddr("/ip6/2001:db8::1/udp/4001/quic-v1")),
        (_lan_code, b"7-guitarist-revenge-aardvark"),
        (_pairing_code, _pairing_seed()[1:]),
        (_relay_pair_wire, _notify_seed()),
        (_relay_pair_wire, relaypair.encode_pair_request(bytes(16), "laptop")),
        (_nat_pmp, natpmp.encode_mapping_response(7, 4001, 4001, 3600)),
        (_nat_pmp, natpmp.encode_mapping_response(7, 4001, 0, 0)),
        (_nat_pmp, natpmp.encode_external_address_response(7, "203.0.113.5")),
        (_nat_pmp, natpmp.encode_error_response(natpmp.OP_MAP_TCP, 2, 7)),
        (
            _nat_pmp,
            b"Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
            b"eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
        ),
        (_lan_address, b"/ip4/192.168.1.5/tcp/4001"),
        (_lan_address, b"/ip6/fd00::1/tcp/4001"),
        (_address_book, _address_book_seed()),
        (
            _dialback,
            dialback.encode_request(["/ip4/203.0.113.5/tcp/4001", "/ip6/2001:db8::5/tcp/1"]),
        ),
        (_dialback, dialback.encode_response(["/ip4/203.0.113.5/tcp/4001"])),
        (_grade, gradewire.encode_grade(_grade_seed())),
        (
            _uvarint,
            varint.encode_uvarint(300) + varint.encode_uvarint(0) + varint.encode_uvarint(1 << 40),
        ),
        (_join_text, _seed_invite_code().text().encode()),
        (_join_text, f"ready: peer {_PEER}\nlistening on {relay}\n".encode()),
        (_join_text, b"[2001:db8::7]:3478"),
        (_join_text, b"1h30m"),
        *_handshake_seeds(),
    ]
    return [(PARSERS.index(target), data) for target, data in seeds]


def _verify_hello() -> bytes:
    own, other = peerid.PeerId.parse(_PEER).raw, peerid.PeerId.parse(_PEER2).raw
    initiator = verify.VerifySession(verify.Role.INITIATOR, own_id=own, peer_id=other, now=0.0)
    return b"".join(e.data for e in initiator.start() if isinstance(e, verify.SendData))


def _grade_seed() -> Reachability:
    return Reachability(
        grade=Grade.B, reason_code="public-address-unconfirmed", reason="r", hint="h",
        nat_mapping=NatMapping.ENDPOINT_INDEPENDENT, udp_blocked=False, cgnat=False,
        public_addresses=("203.0.113.5", "198.51.100.1:4001"), probed_at=1.7e9,
        lan_addresses=("/ip4/192.168.1.5/tcp/4001",),
    )  # fmt: skip


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
    by_target: dict[int, list[bytes]] = {}
    for which, base in _seeds():
        by_target.setdefault(which, []).append(base)
    for i in range(runs):
        # Every target gets its share, however many seeds it has (or how slow it is).
        which = rng.randrange(len(PARSERS))
        if rng.random() < 0.25 or which not in by_target:
            payload = rng.randbytes(rng.randint(0, 200))
        else:
            payload = _mutate(rng, rng.choice(by_target[which]))
        data = bytes([which]) + payload
        try:
            harness(data)
        except Exception:
            traceback.print_exc()
            print(f"run {i}: crash on input {data!r}", file=sys.stderr)
            return 1
    print(f"ok: {runs} inputs, no crash")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: the random runner with ``--runs`` or without atheris; else atheris."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        import atheris  # type: ignore[import-not-found]
    except ImportError:
        atheris = None
    if atheris is None or any(a.startswith("--runs") for a in argv):
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
        parser.add_argument("--seed", type=int, default=0)
        args = parser.parse_args(argv)
        return run_random(args.runs, args.seed)
    atheris.Setup([sys.argv[0], *argv], harness)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
