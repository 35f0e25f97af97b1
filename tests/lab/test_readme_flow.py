"""The README's first flow, as a new user follows it, on one LAN with no relay (issue 11).

Two hosts on one home LAN (network namespaces), each a user with its own HOME and nothing but
the README's commands: on the server ``init``, ``service add``, ``daemon``, ``invite``; on the
laptop ``join`` (which creates its config), ``daemon``, ``proxy``. No relay, no mDNS, no address
typed by hand: the peers must find each other again from what they remembered, after both
daemons restart. An HTTP download through the proxy is checked by hash each time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.lab.netlab import Lab, unavailable_reason

pytestmark = [
    pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason())),
    pytest.mark.e2e,
]

REPO = Path(__file__).resolve().parents[2]
WEB_PORT = 8765
PROXY_PORT = 9100
SIZE = 5 * 1024 * 1024
FIRST_CONNECTION_BOUND = 3.0

# GETs /<path> from 127.0.0.1:<port> over HTTP/1.0 and prints the body's SHA-256 and length, the
# seconds taken, and the bytes sent and received on the wire (what the proxy must count).
FETCH = """
import hashlib, socket, sys, time
start = time.monotonic()
request = f"GET /{sys.argv[2]} HTTP/1.0\\r\\nHost: peer-up\\r\\n\\r\\n".encode()
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60) as s:
    s.sendall(request)
    got = bytearray()
    while data := s.recv(1 << 20):
        got += data
head, _, body = bytes(got).partition(b"\\r\\n\\r\\n")
assert head.startswith(b"HTTP/1.0 200"), head
print(hashlib.sha256(body).hexdigest(), len(body), round(time.monotonic() - start, 3),
      len(request), len(got))
"""


class User:
    """One person's device: a namespace on the LAN and a HOME of its own."""

    def __init__(self, lab: Lab, ns: str, home: Path) -> None:
        self.lab, self.ns, self.home = lab, ns, home
        (home / "run").mkdir(parents=True, mode=0o700)
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PEERUP_", "XDG_")) and k != "HOME"
        }
        self.env |= {"HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run")}
        self.env["PYTHONUNBUFFERED"] = "1"
        self.daemon: subprocess.Popen[bytes] | None = None
        self.log = home / "daemon.log"

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "app", *args]

    def run(self, *args: str, stdin: str | None = None, timeout: float = 90) -> Any:
        res = self.lab.exec(
            self.ns, self.argv(*args), env=self.env, cwd=REPO, input=stdin, timeout=timeout,
            check=False,
        )  # fmt: skip
        assert res.returncode == 0, f"peerup {' '.join(args)}:\n{res.stdout}{res.stderr}"
        return res

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
        return self.lab.popen(
            self.ns, self.argv(*args), env=self.env, cwd=REPO, text=True, **kwargs
        )

    def start_daemon(self) -> None:
        sock = self.home / "run" / "peerup" / "peerup.sock"
        with self.log.open("ab") as log:
            self.daemon = self.lab.popen(
                self.ns, self.argv("daemon"), env=self.env, cwd=REPO, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 40
        while not (sock.exists() and sock.with_suffix(".cookie").exists()):
            assert self.daemon.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def stop_daemon(self) -> None:
        assert self.daemon is not None
        self.daemon.send_signal(signal.SIGTERM)
        self.daemon.wait(20)

    def status(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.run("status", "--json").stdout)
        return data

    def fetch(self, path: str) -> tuple[str, int, float, int, int]:
        """Body hash, body length, seconds, bytes sent, bytes received (on the wire)."""
        out = self.lab.exec(self.ns, [sys.executable, "-c", FETCH, str(PROXY_PORT), path])
        digest, length, seconds, sent, received = out.stdout.split()
        return digest, int(length), float(seconds), int(sent), int(received)


def _start_proxy(laptop: User) -> subprocess.Popen[str]:
    proxy = laptop.popen(
        "proxy", "server", "web", str(PROXY_PORT), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proxy.stdout is not None
    line = proxy.stdout.readline()  # the forward line, printed once it listens
    assert str(PROXY_PORT) in line, line + (proxy.stderr.read() if proxy.stderr else "")
    return proxy


def _stop_proxy(proxy: subprocess.Popen[str]) -> str:
    proxy.send_signal(signal.SIGINT)
    out, err = proxy.communicate(timeout=30)
    assert proxy.returncode == 0, out + err
    return out + err


def _totals(proxy_output: str) -> tuple[int, int]:
    """The exact bytes up and down of the proxy's last line ("Total: ↑ 43 B  ↓ 5.0 MiB (…) ·")."""
    match = re.search(r"Total: ↑ (.+?)  ↓ (.+?) ·", proxy_output)
    assert match is not None, proxy_output

    def exact(text: str) -> int:
        found = re.search(r"([\d,]+) B\)?$", text)
        assert found is not None, text
        return int(found.group(1).replace(",", ""))

    return exact(match.group(1)), exact(match.group(2))


def _peer(status: dict[str, Any], peer_id: str) -> dict[str, Any]:
    for peer in status["peers"]:
        if peer["peer_id"] == peer_id:
            return dict(peer)
    raise AssertionError(f"{peer_id} not in {status['peers']}")


def _peer_id(user: User) -> str:
    return str(user.run("whoami").stdout.strip())


def _lan_only(status: dict[str, Any]) -> None:
    reach = status["status"]["reachability"]
    assert (reach["grade"], reach["reason_code"]) == ("E", "lan-only"), reach
    assert reach["reason"].startswith("Reachable on your network only")
    assert "peerup relay add" in reach["hint"]  # no relay configured: how to add one


def test_readme_flow_on_one_lan_survives_restarts(tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    payload = os.urandom(SIZE)
    (www / "file.bin").write_bytes(payload)
    (www / "small.txt").write_text("hello\n")
    expected = hashlib.sha256(payload).hexdigest()
    with Lab(prefix="rf") as lab:
        home = lab.add_home("h", nat="eim")
        server = User(lab, home.host_ns, tmp_path / "server")
        laptop = User(lab, lab.add_host(home, "l"), tmp_path / "laptop")
        lab.popen(
            server.ns,
            [sys.executable, "-m", "http.server", str(WEB_PORT), "--bind", "127.0.0.1",
             "--directory", str(www)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        # On the server: init (a port picked once), a service, the daemon, an invite.
        init = server.run("init", "--no-qr")
        assert re.search(r"Port: +\d+ \(kept", init.stdout), init.stdout
        server.run("service", "add", "web", f"localhost:{WEB_PORT}")
        server.start_daemon()
        invite = server.popen(
            "invite", "--name", "server", "--ttl", "120", "--non-interactive",
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert invite.stdout is not None
        code = invite.stdout.readline().strip()
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{1,4})+", code), code

        # On the laptop: join creates the config, the 4 emoji are compared and confirmed.
        joined = laptop.run("join", code, "--name", "laptop", stdin="y\n")
        assert "is verified" in joined.stdout, joined.stdout + joined.stderr
        invite.communicate(timeout=30)
        assert invite.returncode == 0
        server_id, laptop_id = _peer_id(server), _peer_id(laptop)

        laptop.start_daemon()
        proxy = _start_proxy(laptop)
        digest, length, _, sent, received = laptop.fetch("file.bin")
        assert (digest, length) == (expected, SIZE)
        # The proxy's counters count exactly the bytes that went through.
        assert _totals(_stop_proxy(proxy)) == (sent, received)

        # Both sides see each other connected, directly, and a grade that says LAN only.
        for user, other in ((laptop, server_id), (server, laptop_id)):
            status = user.status()
            peer = _peer(status, other)
            assert peer["connected"], peer
            assert peer["path"]["path_type"] == "DIRECT", peer
            _lan_only(status)
        remembered = _peer(laptop.status(), server_id)["remembered_addresses"]
        assert any(home.lan_ip in r["address"] for r in remembered), remembered
        assert "peer_addresses: {}" in (laptop.home / ".config/peerup/config.yaml").read_text()

        # Both daemons restart: the laptop finds the server again at once.
        laptop.stop_daemon()
        server.stop_daemon()
        server.start_daemon()
        laptop.start_daemon()
        proxy = _start_proxy(laptop)
        digest, _, first, sent1, received1 = laptop.fetch("small.txt")
        assert digest == hashlib.sha256(b"hello\n").hexdigest()
        print(f"first connection after both restarts: {first} s")
        assert first <= FIRST_CONNECTION_BOUND, f"first connection took {first} s"
        digest, length, _, sent2, received2 = laptop.fetch("file.bin")
        assert (digest, length) == (expected, SIZE)
        assert _totals(_stop_proxy(proxy)) == (sent1 + sent2, received1 + received2)
        for user, other in ((laptop, server_id), (server, laptop_id)):
            status = user.status()
            assert _peer(status, other)["connected"], status["peers"]
            _lan_only(status)
