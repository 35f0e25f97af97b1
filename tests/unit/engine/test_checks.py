"""The checks the tray's dialogs run before saving, on real loopback sockets.

``check_listen``: could a forward listen on an address, and if not which one near it is free;
``check_local_service``: does a local TCP service answer.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
import trio

from app.core.errors import InvalidAddressError
from app.engine.listening import check_listen, same_listen_address
from app.engine.services import check_local_service
from tests.helpers.nodes import free_port


@pytest.fixture
def occupied() -> Iterator[int]:
    """A port on 127.0.0.1 another program listens on (and the one after it, free or not)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.trio
async def test_a_free_address_is_free() -> None:
    port = free_port()
    result = await check_listen(f"127.0.0.1:{port}", [])
    assert (result.listen, result.free, result.suggestion, result.error_code) == (
        f"127.0.0.1:{port}",
        True,
        None,
        None,
    )
    assert (await check_listen(str(port), [])).listen == f"127.0.0.1:{port}"  # a port alone
    assert (await check_listen("127.0.0.1:0", [])).free


@pytest.mark.trio
async def test_an_address_in_use_gets_a_free_one_near_it(occupied: int) -> None:
    result = await check_listen(f"127.0.0.1:{occupied}", [])
    assert not result.free
    assert result.error_code == "address-in-use"
    assert result.error == f"127.0.0.1:{occupied} is already in use by another program"
    assert result.suggestion is not None
    host, port = result.suggestion.rsplit(":", 1)
    assert host == "127.0.0.1"
    assert occupied < int(port) <= occupied + 100
    assert (await check_listen(result.suggestion, [])).free


@pytest.mark.trio
async def test_another_forward_counts_as_used_even_when_stopped() -> None:
    port = free_port()
    taken = [("127.0.0.1", port), ("127.0.0.1", port + 1)]
    result = await check_listen(f"localhost:{port}", taken)
    assert (result.free, result.error_code) == (False, "used-by-forward")
    assert result.error == f"localhost:{port} is used by another forward"
    # The next port is a forward's too: the suggestion skips it.
    assert result.suggestion is not None
    assert int(result.suggestion.rsplit(":", 1)[1]) >= port + 2


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("127.0.0.1", 22), ("127.0.0.1", 22), True),
        (("localhost", 22), ("127.0.0.1", 22), True),
        (("0.0.0.0", 22), ("192.168.1.5", 22), True),
        (("127.0.0.1", 22), ("127.0.0.1", 23), False),
        (("192.168.1.5", 22), ("127.0.0.1", 22), False),
    ],
)
def test_same_listen_address(a: tuple[str, int], b: tuple[str, int], same: bool) -> None:
    assert same_listen_address(a, b) is same
    assert same_listen_address(b, a) is same


@pytest.mark.trio
async def test_an_address_of_another_machine_has_no_suggestion() -> None:
    result = await check_listen("192.0.2.1:2222", [])  # TEST-NET-1: never ours
    assert (result.free, result.error_code, result.suggestion) == (
        False,
        "address-not-available",
        None,
    )


@pytest.mark.trio
@pytest.mark.skipif(os.geteuid() == 0, reason="root may listen on any port")
async def test_a_privileged_port_is_suggested_from_its_unprivileged_twin() -> None:
    result = await check_listen("127.0.0.1:22", [])
    assert (result.free, result.error_code) == (False, "permission-denied")
    assert result.suggestion is not None
    assert int(result.suggestion.rsplit(":", 1)[1]) >= 8022


@pytest.mark.trio
@pytest.mark.parametrize("bad", ["", "nope", "127.0.0.1:65536", "127.0.0.1:-1", "::1:22"])
async def test_bad_input_is_an_invalid_address(bad: str) -> None:
    with pytest.raises(InvalidAddressError):
        await check_listen(bad, [])


@pytest.mark.trio
async def test_a_service_that_answers(occupied: int) -> None:
    result = await check_local_service(f"127.0.0.1:{occupied}")
    assert (result.local_address, result.answers, result.error) == (
        f"127.0.0.1:{occupied}",
        True,
        None,
    )
    assert result.connect_ms is not None
    assert result.connect_ms >= 0


@pytest.mark.trio
async def test_a_service_that_does_not_answer() -> None:
    port = free_port()
    result = await check_local_service(f"127.0.0.1:{port}")
    assert (result.answers, result.error_code, result.connect_ms) == (
        False,
        "connection-refused",
        None,
    )
    assert result.error == f"nothing listens on 127.0.0.1:{port}"
    # "localhost" tries ::1 and 127.0.0.1: refused on both is still "refused".
    assert (await check_local_service(f"localhost:{port}")).error_code == "connection-refused"


@pytest.mark.trio
async def test_a_service_that_never_accepts_times_out() -> None:
    """A listener whose accept queue is full: the kernel drops further SYNs, the connect hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = []
        try:
            for _ in range(8):  # more than the queue holds: the last ones hang unanswered
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            with trio.fail_after(10):
                result = await check_local_service(f"127.0.0.1:{port}")
        finally:
            for filler in fillers:
                filler.close()
    assert (result.answers, result.error_code) == (False, "timeout")
    assert result.error == f"127.0.0.1:{port} did not answer within 2 s"


@pytest.mark.trio
@pytest.mark.parametrize("bad", ["", "nope", "127.0.0.1:0", "localhost:70000"])
async def test_a_bad_service_address_is_an_invalid_address(bad: str) -> None:
    with pytest.raises(InvalidAddressError):
        await check_local_service(bad)
