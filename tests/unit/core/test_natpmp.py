"""NAT-PMP codec (RFC 6886): requests, answers checked field by field, epochs, gateways."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import LocalProtocolError, NatPmpError
from app.core.reach import natpmp

ports = st.integers(1, 65535)
epochs = st.integers(0, 2**32 - 1)
lifetimes = st.integers(1, 2**32 - 1)
public_ips = st.ip_addresses(v=4).filter(
    lambda ip: not (ip.is_unspecified or ip.is_multicast or str(ip) == "255.255.255.255")
)


def test_requests_match_the_rfc_layout() -> None:
    assert natpmp.encode_external_address_request() == b"\x00\x00"
    assert natpmp.encode_mapping_request(4001, external_port=4001, lifetime=7200) == bytes.fromhex(
        "0002 0000 0fa1 0fa1 00001c20"
    )
    assert natpmp.encode_delete_request(4001) == bytes.fromhex("0002 0000 0fa1 0000 00000000")
    assert natpmp.encode_mapping_request(53, external_port=0, lifetime=1, protocol="UDP")[1] == 1


@pytest.mark.parametrize(
    ("port", "external", "lifetime"),
    [(0, 1, 1), (65536, 1, 1), (1, -1, 1), (1, 1, 0), (1, 1, 2**32)],
)
def test_request_values_out_of_range_are_our_bug(port: int, external: int, lifetime: int) -> None:
    with pytest.raises(LocalProtocolError):
        natpmp.encode_mapping_request(port, external_port=external, lifetime=lifetime)


def test_unknown_protocol_is_our_bug() -> None:
    with pytest.raises(LocalProtocolError):
        natpmp.encode_delete_request(1, protocol="SCTP")


@given(epoch=epochs, ip=public_ips)
def test_external_address_round_trip(epoch: int, ip: object) -> None:
    data = natpmp.encode_external_address_response(epoch, str(ip))
    assert natpmp.decode_external_address_response(data) == natpmp.ExternalAddress(epoch, str(ip))


@given(
    epoch=epochs,
    internal=ports,
    external=ports,
    lifetime=lifetimes,
    proto=st.sampled_from(["TCP", "UDP"]),
)
def test_mapping_round_trip(
    epoch: int, internal: int, external: int, lifetime: int, proto: str
) -> None:
    data = natpmp.encode_mapping_response(epoch, internal, external, lifetime, proto)
    got = natpmp.decode_mapping_response(data, internal_port=internal, protocol=proto)
    assert got == natpmp.PortMapping(epoch, proto, internal, external, lifetime)


def test_deletion_answer() -> None:
    data = natpmp.encode_mapping_response(9, 4001, 0, 0)
    assert natpmp.decode_mapping_response(data, internal_port=4001, delete=True).lifetime == 0
    with pytest.raises(NatPmpError) as err:
        natpmp.decode_mapping_response(
            natpmp.encode_mapping_response(9, 4001, 4001, 60), internal_port=4001, delete=True
        )
    assert err.value.reason == "bad-lifetime"


@pytest.mark.parametrize(
    ("result", "reason"),
    [(1, "unsupported-version"), (2, "not-authorized"), (3, "network-failure"),
     (4, "out-of-resources"), (5, "unsupported-opcode"), (77, "unknown-result")],
)  # fmt: skip
def test_result_codes_become_plain_errors(result: int, reason: str) -> None:
    for opcode, decode in (
        (0, natpmp.decode_external_address_response),
        (2, lambda d: natpmp.decode_mapping_response(d, internal_port=1)),
    ):
        with pytest.raises(NatPmpError) as err:
            decode(natpmp.encode_error_response(opcode, result, 5))
        assert err.value.reason == reason
        assert err.value.code == "nat-pmp-error"
        assert "gateway" in err.value.message


def test_not_authorized_has_a_hint() -> None:
    with pytest.raises(NatPmpError) as err:
        natpmp.decode_external_address_response(natpmp.encode_error_response(0, 2, 5))
    assert err.value.hint is not None
    assert "router" in err.value.hint


@pytest.mark.parametrize("op", [0, 128])
def test_unsupported_version_with_erratum_opcodes(op: int) -> None:
    data = struct.pack("!BBHI", 0, op, 1, 0)
    with pytest.raises(NatPmpError) as err:
        natpmp.decode_mapping_response(data, internal_port=1)
    assert err.value.reason == "unsupported-version"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "short-response"),
        (b"\x00\x80\x00", "short-response"),
        (struct.pack("!BBHI", 0, 128, 0, 1), "short-response"),  # success without the address
        (struct.pack("!BBHI4s", 2, 128, 0, 1, b"\x01\x02\x03\x04"), "unsupported-version"),  # PCP
        (struct.pack("!BBHI4s", 1, 128, 0, 1, b"\x01\x02\x03\x04"), "bad-version"),
        (struct.pack("!BBHI4s", 0, 130, 0, 1, b"\x01\x02\x03\x04"), "wrong-opcode"),
        (struct.pack("!BBHI4s", 0, 0, 0, 1, b"\x01\x02\x03\x04"), "wrong-opcode"),  # a request
        (natpmp.encode_external_address_response(1, "0.0.0.0"), "no-external-address"),
        (natpmp.encode_external_address_response(1, "224.0.0.1"), "no-external-address"),
    ],
)
def test_bad_address_answers(data: bytes, reason: str) -> None:
    with pytest.raises(NatPmpError) as err:
        natpmp.decode_external_address_response(data)
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (natpmp.encode_mapping_response(1, 4001, 4001, 60)[:15], "short-response"),
        (natpmp.encode_mapping_response(1, 4002, 4001, 60), "port-mismatch"),
        (natpmp.encode_mapping_response(1, 4001, 0, 60), "bad-mapping"),
        (natpmp.encode_mapping_response(1, 4001, 4001, 0), "bad-mapping"),
        (natpmp.encode_mapping_response(1, 4001, 4001, 60, "UDP"), "wrong-opcode"),
    ],
)
def test_bad_mapping_answers(data: bytes, reason: str) -> None:
    with pytest.raises(NatPmpError) as err:
        natpmp.decode_mapping_response(data, internal_port=4001)
    assert err.value.reason == reason


def test_trailing_padding_is_ignored() -> None:
    data = natpmp.encode_mapping_response(1, 4001, 4002, 60) + bytes(4)
    assert natpmp.decode_mapping_response(data, internal_port=4001).external_port == 4002


@given(data=st.binary(max_size=40), port=ports, delete=st.booleans())
def test_any_bytes_give_a_value_or_a_nat_pmp_error(data: bytes, port: int, delete: bool) -> None:
    try:
        got = natpmp.decode_mapping_response(data, internal_port=port, delete=delete)
    except NatPmpError as exc:
        reason = exc.reason
        assert reason
    else:
        assert got.internal_port == port
        assert (got.lifetime == 0) == delete
    try:
        addr = natpmp.decode_external_address_response(data)
    except NatPmpError:
        pass
    else:
        assert addr.ip != "0.0.0.0"


@given(epoch=epochs, elapsed=st.floats(0, 1e6), drift=st.floats(0.875, 2))
def test_a_steady_epoch_is_not_lost(epoch: int, elapsed: float, drift: float) -> None:
    now_epoch = epoch + int(elapsed * drift)
    assert not natpmp.epoch_lost(epoch, 100.0, now_epoch, 100.0 + elapsed)


def test_a_restarted_epoch_is_lost() -> None:
    assert natpmp.epoch_lost(5000, 0.0, 3, 60.0)
    assert natpmp.epoch_lost(100, 0.0, 100, 100.0)  # no time passed on the gateway in 100 s
    assert not natpmp.epoch_lost(100, 0.0, 98, 0.0)  # within 2 s


def test_retry_schedule_is_the_rfcs_cut_short() -> None:
    assert natpmp.retry_delays(4) == (0.25, 0.5, 1.0, 2.0)
    assert natpmp.retry_delays(64) == (0.25, 0.5, 1, 2, 4, 8, 16, 32)
    assert natpmp.retry_delays(0.1) == ()


PROC_NET_ROUTE = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
"""


def test_proc_net_route_takes_the_lowest_metric_default() -> None:
    assert natpmp.parse_proc_net_route(PROC_NET_ROUTE) == "10.0.0.1"
    assert (
        natpmp.parse_proc_net_route(PROC_NET_ROUTE.replace("\t100\t00000000", "\t900\t00000000", 1))
        == "192.168.1.1"
    )


def test_proc_net_route_without_default() -> None:
    lines = PROC_NET_ROUTE.splitlines()
    assert natpmp.parse_proc_net_route("\n".join([lines[0], lines[3]])) is None
    assert natpmp.parse_proc_net_route("") is None
    down = PROC_NET_ROUTE.replace("\t0003\t", "\t0001\t")
    assert natpmp.parse_proc_net_route(down) is None


def test_route_get_default_macos() -> None:
    text = (
        "   route to: default\ndestination: default\n       mask: default\n"
        "    gateway: 192.168.1.254\n  interface: en0\n"
    )
    assert natpmp.parse_route_get_default(text) == "192.168.1.254"
    assert natpmp.parse_route_get_default("route: writing to routing socket: not in table") is None
    assert natpmp.parse_route_get_default("    gateway: fe80::1%en0\n") is None


def test_route_print_windows() -> None:
    text = (
        "IPv4 Route Table\n"
        "Active Routes:\n"
        "Network Destination        Netmask          Gateway       Interface  Metric\n"
        "          0.0.0.0          0.0.0.0      192.168.0.1    192.168.0.23     35\n"
        "          0.0.0.0          0.0.0.0         10.8.0.1        10.8.0.6     20\n"
        "        127.0.0.0        255.0.0.0         On-link         127.0.0.1    331\n"
    )
    assert natpmp.parse_route_print(text) == "10.8.0.1"
    assert natpmp.parse_route_print("nothing") is None


@given(st.text(max_size=400))
def test_gateway_parsers_never_crash(text: str) -> None:
    for parse in (
        natpmp.parse_proc_net_route,
        natpmp.parse_route_get_default,
        natpmp.parse_route_print,
    ):
        got = parse(text)
        assert got is None or got.count(".") == 3
