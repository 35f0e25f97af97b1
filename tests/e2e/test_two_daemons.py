"""End to end: two (or three) real ``peerup daemon`` processes on loopback, driven by the CLI.

The services behind the forwards are real processes (an echo server and the stdlib HTTP server),
and every byte is checksummed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.core.status import ForwardChanged, ForwardState
from tests.helpers.daemons import DaemonProcess, EventLog, default_signals, start_daemon
from tests.helpers.nodes import NodeDir, free_port, make_node_dir
from tests.helpers.services import start_service

pytestmark = pytest.mark.e2e


@dataclass
class Pair:
    server: DaemonProcess
    client: DaemonProcess
    echo_port: int
    http_root: Path
    server_addr: str


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("pair")
    http_root = root / "www"
    http_root.mkdir()
    (http_root / "blob.bin").write_bytes(os.urandom(20 << 20))
    echo, echo_port = start_service("echo")
    http, http_port = start_service("http", str(http_root))
    server_port = free_port()
    server_dir = make_node_dir(
        root,
        "server",
        services={
            "echo": f"127.0.0.1:{echo_port}",
            "web": f"127.0.0.1:{http_port}",
            "down": f"127.0.0.1:{free_port()}",
        },
        listen=f"/ip4/127.0.0.1/tcp/{server_port}",
    )
    probe = NodeDir(server_dir.path, server_dir.identity)
    client_dir = make_node_dir(
        root,
        "client",
        names={"home": probe.peer_id},
        peer_addresses={"home": [f"/ip4/127.0.0.1/tcp/{server_port}"]},
    )
    server_dir.authorize(client_dir)
    client_dir.authorize(server_dir)
    daemons: list[DaemonProcess] = []
    try:
        daemons.append(start_daemon(server_dir))
        daemons.append(start_daemon(client_dir))
        yield Pair(
            daemons[0], daemons[1], echo_port, http_root, f"/ip4/127.0.0.1/tcp/{server_port}"
        )
    finally:
        for d in daemons:
            d.stop()
        for p in (echo, http):
            p.kill()
            p.wait(5)


def open_forward(daemon: DaemonProcess, service: str, listen: str = "127.0.0.1:0") -> dict:
    out = daemon.cli(
        "daemon", "connect", "--peer", "home", "--service", service, "--listen", listen, "--json"
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def port_of(forward: dict) -> int:
    return int(forward["listen_address"].rsplit(":", 1)[1])


def exchange(port: int, payload: bytes, *, timeout: float = 120) -> bytes:
    """Send ``payload`` while reading the echo; half-close after sending; read to EOF."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        received = bytearray()

        def send() -> None:
            view = memoryview(payload)
            for i in range(0, len(payload), 1 << 20):
                s.sendall(view[i : i + (1 << 20)])
            s.shutdown(socket.SHUT_WR)

        with ThreadPoolExecutor(1) as pool:
            sending = pool.submit(send)
            while data := s.recv(1 << 20):
                received += data
            sending.result()
    return bytes(received)


@dataclass
class ProxyRun:
    """What ``peerup proxy`` printed before it exited 0."""

    out: str
    err: str


def run_proxy(
    command: list[str],
    env: dict[str, str],
    port: int,
    payload: bytes,
    stop: signal.Signals,
    *,
    service: str = "echo",
    use: Callable[[int], object] | None = None,
) -> ProxyRun:
    """Run ``COMMAND proxy home SERVICE PORT``, use it once it listens, then end it with the
    signal ``stop``; returns its output once it exited 0 without a traceback.

    By default the use checks that ``payload`` comes back through the echo service; ``use(port)``
    replaces that (it may raise ConnectionRefusedError while the proxy does not listen yet).
    """
    proxy = subprocess.Popen(
        [*command, "proxy", "home", service, str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals(stop),  # as from a terminal, whatever the test run ignores
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if use is None:
                    assert exchange(port, payload, timeout=30) == payload
                else:
                    use(port)
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "the proxy never listened"
                time.sleep(0.2)
        proxy.send_signal(stop)
        out, err = proxy.communicate(timeout=30)
        assert proxy.returncode == 0, err
        assert "Traceback" not in err
        return ProxyRun(out, err)
    finally:
        if proxy.poll() is None:
            proxy.kill()
            proxy.wait(5)


def test_100_mb_both_ways_checksummed(pair: Pair) -> None:
    fwd = open_forward(pair.client, "echo")
    payload = os.urandom(100 << 20)
    echoed = exchange(port_of(fwd), payload, timeout=300)
    assert hashlib.sha256(echoed).hexdigest() == hashlib.sha256(payload).hexdigest()
    listing = json.loads(pair.client.cli("daemon", "forwards", "--json").stdout)
    mine = next(f for f in listing if f["id"] == fwd["id"])
    assert mine["bytes_up"] == mine["bytes_down"] == 100 << 20
    assert pair.client.cli("daemon", "disconnect", fwd["id"]).returncode == 0


def test_http_server_through_forward(pair: Pair) -> None:
    fwd = open_forward(pair.client, "web")
    with urllib.request.urlopen(f"http://127.0.0.1:{port_of(fwd)}/blob.bin", timeout=60) as resp:
        body = resp.read()
    assert (
        hashlib.sha256(body).digest()
        == hashlib.sha256((pair.http_root / "blob.bin").read_bytes()).digest()
    )


def test_half_close_client_still_gets_reply(pair: Pair) -> None:
    fwd = open_forward(pair.client, "echo")
    with socket.create_connection(("127.0.0.1", port_of(fwd)), timeout=30) as s:
        s.sendall(b"request after which I close my write side")
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while data := s.recv(4096):
            reply += data
    assert reply == b"request after which I close my write side"


def test_50_concurrent_connections_checksummed(pair: Pair) -> None:
    port = port_of(open_forward(pair.client, "echo"))
    payloads = [os.urandom(512 << 10) for _ in range(50)]
    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda p: exchange(port, p), payloads))
    assert [hashlib.sha256(r).digest() for r in results] == [
        hashlib.sha256(p).digest() for p in payloads
    ]


def test_service_down_is_a_clean_close_and_an_error_count(pair: Pair) -> None:
    fwd = open_forward(pair.client, "down")
    with socket.create_connection(("127.0.0.1", port_of(fwd)), timeout=30) as s:
        s.sendall(b"hello")
        # Closed or reset, depending on whether the peer's reset overtakes our FIN.
        with contextlib.suppress(ConnectionResetError):
            assert s.recv(10) == b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        services = json.loads(pair.server.cli("daemon", "services", "--json").stdout)
        down = next(s for s in services if s["name"] == "down")
        if down["errors"]:
            break
        time.sleep(0.2)
    assert down["errors"] >= 1
    assert "service down: cannot reach" in pair.server.log_tail(100)


def test_unknown_service_is_reported(pair: Pair) -> None:
    fwd = open_forward(pair.client, "nosuchservice")
    # The client's connection is reset (an error), not closed as if the service hung up.
    with (
        socket.create_connection(("127.0.0.1", port_of(fwd)), timeout=30) as s,
        pytest.raises(ConnectionResetError),
    ):
        s.recv(10)
    listing = json.loads(pair.client.cli("daemon", "forwards", "--json").stdout)
    mine = next(f for f in listing if f["id"] == fwd["id"])
    assert "does not offer" in (mine["last_error"] or "")
    assert mine["last_error_code"] == "service-not-found"


def test_port_in_use_is_a_clear_error(pair: Pair) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        out = pair.client.cli(
            "daemon",
            "connect",
            "--peer",
            "home",
            "--service",
            "echo",
            "--listen",
            f"127.0.0.1:{port}",
        )
    assert out.returncode == 1
    assert "already in use" in out.stderr
    assert "Traceback" not in out.stderr


def test_ping_through_daemon(pair: Pair) -> None:
    out = pair.client.cli("ping", "home", "-c", "3", "--interval", "0.1", "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    pings = [obj for obj in lines if "seq" in obj]
    assert len(pings) == 3
    assert all(not p.get("error") for p in pings)
    # The path carries the last RTT measured on it (these pings, or the liveness probe's).
    out = pair.client.cli("daemon", "paths", "--json")
    assert out.returncode == 0, out.stderr
    (path,) = json.loads(out.stdout)
    assert path["rtt_ms"] is not None
    assert 0 < path["rtt_ms"] < 1000
    text = pair.client.cli("daemon", "paths").stdout
    assert re.search(r" \d+\.\dms ", text), text


def test_traceroute_json_names_the_target_as_the_text_does(pair: Pair) -> None:
    server_id = pair.server.node.peer_id
    text = pair.client.cli("traceroute", "home")
    assert text.returncode == 0, text.stderr
    assert f"traceroute to home ({server_id[:16]}...)" in text.stdout
    for typed in ("home", server_id):  # a peer ID in names: is shown by its name too
        out = pair.client.cli("traceroute", typed, "--json")
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        assert (result["target"], result["peer_id"]) == ("home", server_id)
        assert result["path"] == "DIRECT"
        assert [h["peer_id"] for h in result["hops"]] == [server_id]


def test_unauthorized_peer_is_refused_at_connect(pair: Pair, tmp_path: Path) -> None:
    stranger_dir = make_node_dir(
        tmp_path,
        "stranger",
        names={"home": pair.server.node.peer_id},
        peer_addresses={"home": [pair.server_addr]},
    )
    stranger_dir.authorize(pair.server.node)
    stranger = start_daemon(stranger_dir)
    try:
        out = stranger.cli("ping", "home", "-c", "1", "--json")
        pings = [json.loads(line) for line in out.stdout.splitlines() if '"seq"' in line]
        assert pings
        assert pings[0]["error"]
        assert "refused connection from unauthorized peer" in pair.server.log_tail(200)
        assert stranger_dir.peer_id in pair.server.log_tail(200)
    finally:
        stranger.stop()


def test_garbage_and_oversized_api_requests_keep_the_daemon_up(pair: Pair) -> None:
    sock_path = str(pair.client.endpoint.socket_path)
    for raw in (
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
    ):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(sock_path)
            s.sendall(raw)
            with contextlib.suppress(TimeoutError, ConnectionResetError):
                s.recv(4096)
    token = pair.client.endpoint.cookie_path.read_text().strip()
    big = b"{" + b'"x":' * 10 + b"1" * (200 << 10) + b"}"
    request = (
        b"POST /v1/resolve HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + token.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(big)).encode()
        + b"\r\n\r\n"
        + big
    )
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(sock_path)
        s.sendall(request)
        assert b" 413 " in s.recv(4096).split(b"\r\n")[0] + b" "
    assert pair.client.cli("daemon", "status").returncode == 0


def test_wrong_cookie_is_access_denied(pair: Pair) -> None:
    cookie = pair.client.endpoint.cookie_path
    good = cookie.read_text()
    cookie.write_text("0" * 64)
    try:
        out = pair.client.cli("daemon", "status")
    finally:
        cookie.write_text(good)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert "cookie" in out.stderr.lower() or "denied" in out.stderr.lower()


def test_malformed_config_names_key_and_line(tmp_path: Path) -> None:
    node = make_node_dir(tmp_path, "bad")
    bad_service = "services:\n  ssh: {local_address: 'localhost:99999'}\n"
    node.config_path.write_text(node.config_path.read_text() + bad_service)
    out = subprocess.run(
        [*DaemonProcess.base_command(), "--config", str(node.config_path), "daemon"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 1
    assert "services.ssh.local_address" in out.stderr
    assert "config.yaml:" in out.stderr
    assert "Traceback" not in out.stderr


def test_sigterm_closes_forwards_cleanly(tmp_path: Path) -> None:
    echo, echo_port = start_service("echo")
    port = free_port()
    addr = f"/ip4/127.0.0.1/tcp/{port}"
    server_dir = make_node_dir(
        tmp_path, "s", services={"echo": f"127.0.0.1:{echo_port}"}, listen=addr
    )
    client_dir = make_node_dir(
        tmp_path, "c", names={"home": server_dir.peer_id}, peer_addresses={"home": [addr]}
    )
    server_dir.authorize(client_dir)
    client_dir.authorize(server_dir)
    server, client = start_daemon(server_dir), start_daemon(client_dir)
    try:
        fwd = open_forward(client, "echo")
        with socket.create_connection(("127.0.0.1", port_of(fwd)), timeout=30) as s:
            s.sendall(b"ping")
            assert s.recv(4) == b"ping"
            started = time.monotonic()
            assert client.stop(timeout=15) == 0
            assert time.monotonic() - started < 10
            assert s.recv(10) == b""  # the forwarded connection was closed, not left hanging
        assert "stopped" in client.log_tail()
        assert not client.endpoint.socket_path.exists()
        assert not client.endpoint.cookie_path.exists()
    finally:
        client.stop()
        server.stop()
        echo.kill()
        echo.wait(5)


def test_standalone_proxy_and_ping_without_a_daemon(pair: Pair, tmp_path: Path) -> None:
    """No daemon for this config: proxy and ping start a private node and clean it up."""
    laptop = make_node_dir(
        tmp_path,
        "laptop",
        names={"home": pair.server.node.peer_id},
        peer_addresses={"home": [pair.server_addr]},
    )
    laptop.authorize(pair.server.node)
    pair.server.cli("auth", "add", laptop.peer_id, "--comment", "laptop")
    env = {**pair.client.env, "PEERUP_RUNTIME_DIR": str(tmp_path / "laptop-run")}
    command = [*DaemonProcess.base_command(), "--config", str(laptop.config_path)]

    ping = subprocess.run(
        [*command, "ping", "home", "-c", "2", "--interval", "0.1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert ping.returncode == 0, ping.stderr
    assert ping.stdout.count("rtt=") == 2

    port = free_port()
    run_proxy(command, env, port, b"through a standalone proxy", signal.SIGINT)
    # The private node is gone: nothing listens on the proxy port any more.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    leftovers = subprocess.run(
        ["pgrep", "-f", str(laptop.config_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert leftovers.stdout.strip() == ""


def test_proxy_stopped_by_sigterm_closes_its_forward_in_the_daemon(pair: Pair) -> None:
    """``timeout``, a service manager or a closed terminal stop the proxy with SIGTERM or SIGHUP:
    the daemon's forward must close with it, or the port stays taken for the next proxy."""
    port = free_port()
    command = [*DaemonProcess.base_command(), "--config", str(pair.client.node.config_path)]
    for number in (signal.SIGTERM, signal.SIGHUP):
        run = run_proxy(command, pair.client.env, port, b"before the signal", number)
        assert f"Closed forward 127.0.0.1:{port}." in run.err
        forwards = json.loads(pair.client.cli("daemon", "forwards", "--json").stdout)
        assert [f for f in forwards if f["listen_address"].endswith(f":{port}")] == []
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


def _slow_download(port: int, path: str) -> tuple[int, bytes]:
    """GET ``path`` over HTTP/1.0 (the server closes after the reply), reading at ~5 MB/s with a
    small receive buffer so the transfer spans several of the forward's ticks.

    Returns the bytes sent and the bytes received (headers and body).
    """
    request = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode()
    received = bytearray()
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 10)  # before connect: it sticks
        s.settimeout(60)
        s.connect(("127.0.0.1", port))
        s.sendall(request)
        deadline = time.monotonic() + 120
        while data := s.recv(256 << 10):
            received += data
            assert time.monotonic() < deadline, f"only {len(received)} bytes in 120 s"
            time.sleep(0.05)
    return len(request), bytes(received)


def _exact_bytes(text: str) -> int:
    """``127 B`` or ``5.0 MiB (5,243,085 B)`` as a number."""
    match = re.search(r"\(([\d,]+) B\)$", text) or re.fullmatch(r"(\d+) B", text)
    assert match is not None, text
    return int(match.group(1).replace(",", ""))


def test_proxy_counters_and_rates_count_the_bytes_moved(pair: Pair) -> None:
    """Issue 11: the live line stayed at "↑ 0 B ↓ 0 B" after a complete download. The API, the
    event stream (with rates while bytes move) and the proxy's lines must count every byte."""
    port = free_port()
    command = [*DaemonProcess.base_command(), "--config", str(pair.client.node.config_path)]
    blob = (pair.http_root / "blob.bin").read_bytes()
    moved: dict[str, Any] = {}
    log = EventLog(pair.client.endpoint)

    def download(port: int) -> None:
        started = time.monotonic()
        sent, reply = _slow_download(port, "/blob.bin")
        moved.update(started=started, ended=time.monotonic(), sent=sent, received=len(reply))
        assert (
            hashlib.sha256(reply.partition(b"\r\n\r\n")[2]).digest()
            == hashlib.sha256(blob).digest()
        )
        # While the proxy still runs, the daemon's forward has counted it all.
        forwards = json.loads(pair.client.cli("daemon", "forwards", "--json").stdout)
        (mine,) = [f for f in forwards if f["listen_address"] == f"127.0.0.1:{port}"]
        assert (mine["bytes_up"], mine["bytes_down"]) == (sent, len(reply))
        assert (mine["connections_total"], mine["connections_active"]) == (1, 0)
        moved["id"] = mine["id"]

    try:
        run = run_proxy(
            command, pair.client.env, port, b"", signal.SIGINT, service="web", use=download
        )
        deadline = time.monotonic() + 10
        while not any(  # the forward's closing event is on its way to the log
            isinstance(e, ForwardChanged)
            and e.forward.listen_address == f"127.0.0.1:{port}"
            and e.forward.state is ForwardState.CLOSED
            for e in list(log.events)
        ):
            assert time.monotonic() < deadline, "no event for the forward's close"
            time.sleep(0.05)
    finally:
        log.stop()
    assert moved["ended"] - moved["started"] > 2, "the download was too fast to see a tick"
    sent, received = moved["sent"], moved["received"]

    # The proxy's final line: exactly what went through.
    total = next(line for line in run.out.splitlines() if line.startswith("Total:"))
    match = re.fullmatch(r"Total: ↑ (.+?)  ↓ (.+?) · (\d+) connections?", total)
    assert match is not None, total
    assert (_exact_bytes(match[1]), _exact_bytes(match[2]), int(match[3])) == (sent, received, 1)
    # Its live lines moved with the bytes, with a rate while they did.
    live = [line for line in run.out.splitlines() if line.startswith("↑ ")]
    assert any("/s · " in line for line in live), run.out

    # The event stream saw the forward open (it was live before any byte moved), counters with
    # a rate during the download, and the totals last.
    mine = [
        (at, e.forward)
        for at, e in zip(log.arrivals, log.events, strict=True)
        if isinstance(e, ForwardChanged) and e.forward.id == moved["id"]
    ]
    opened = mine[0][1]
    assert (opened.state, opened.bytes_down, opened.connections_total) == (
        ForwardState.LISTENING,
        0,
        0,
    )
    during = [f for at, f in mine if moved["started"] <= at <= moved["ended"]]
    assert any(0 < f.bytes_down < received for f in during), mine
    # Live: every second of the download moved bytes, though the daemon may hold megabytes
    # for the slow reader at once.
    assert all(f.rate_down > 0 for f in during), mine
    final = mine[-1][1]
    assert final.state is ForwardState.CLOSED
    assert (final.bytes_up, final.bytes_down, final.connections_total) == (sent, received, 1)
    assert (final.rate_up, final.rate_down) == (0, 0)


def test_relay_serve_health_check(tmp_path: Path) -> None:
    port = free_port()
    relay_dir = make_node_dir(
        tmp_path, "relay", extra=f"relay_service: {{enabled: true, health_port: {port}}}\n"
    )
    relay = start_daemon(relay_dir)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                    body = json.loads(resp.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert body["status"] == "ok"
        assert (body["hop"], body["listening"], body["problems"]) == (True, True, [])
        assert body["reservations"] == 0
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/other", timeout=5)
        assert err.value.code == 404
        assert relay.cli("relay", "info", "--no-qr").returncode == 0
    finally:
        relay.stop()


def test_auth_file_option_naming_the_daemons_own_file_goes_through_the_daemon(
    pair: Pair, tmp_path: Path
) -> None:
    """While a daemon runs it is the one writer of its authorized_keys, --file or not."""
    own = pair.server.node.path / "authorized_keys"
    newcomer = make_node_dir(tmp_path, "newcomer")
    added = pair.server.cli("auth", "add", newcomer.peer_id, "--file", str(own), "--comment", "nc")
    assert added.returncode == 0, added.stderr
    assert "The running daemon reloaded authorized_keys." in added.stdout
    other = tmp_path / "other_keys"
    elsewhere = pair.server.cli("auth", "add", newcomer.peer_id, "--file", str(other))
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert f"Added to {other}" in elsewhere.stdout  # another file: edited by the CLI itself
    removed = pair.server.cli("auth", "remove", newcomer.peer_id, "--file", str(own))
    assert removed.returncode == 0, removed.stderr
    assert newcomer.peer_id not in own.read_text()
