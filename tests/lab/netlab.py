"""A NAT lab of Linux network namespaces: a public segment, home routers with real NAT, hosts.

Stdlib only; it drives ``ip`` (iproute2) and ``iptables`` (and ``ip6tables`` for IPv6; run
inside the lab's namespaces, never in the host's own namespace) and needs root. Nothing in the
host's default namespace is changed: veth pairs are created directly inside lab namespaces,
sysctls and iptables rules are set only inside them, and no lab namespace has a route out of the
lab (the public segment's "gateway" 203.0.113.1 forwards nothing; over IPv6 it routes only
between the lab's own /64s), so no packet can leave.

Topology (see ``tests/lab/README.md`` for the diagram)::

    with Lab(prefix="pl") as lab:          # <tag>-pub with bridge br0, 203.0.113.1/24
        lab.relay, lab.stun1, lab.stun2     # PublicHost: 203.0.113.10, .20, .21
        a = lab.add_home("a", nat="eim")    # router ns (WAN 203.0.113.101) + host 192.168.1.2
        b = lab.add_home("b", nat="none")   # host on the public segment (203.0.113.201)
        lab.exec(a.host_ns, ["ip", "addr"])
        proc = lab.popen(a.host_ns, [sys.executable, "-m", "app", "daemon"], env=...)

A CGNAT-like home (a host whose own address is in 100.64.0.0/10, as on mobile data) is
``add_home(name, nat="eim" | "symmetric", lan_net="100.64.1.0/24")``.

A home whose router has two LANs (say the wired one and a guest or second Wi-Fi network): ``sub
= lab.add_subnet(home)`` gives the router a second bridge ``lan1`` (10.<k>.1.0/24 by default,
router .1), routed to and from the first LAN and NATed to the same WAN address; ``lab.add_host(
home, "g", subnet=1)`` puts a host on it (.2, .3, …). ``lab.set_subnet_routing(home, False)``
makes the router drop traffic between its LANs (as a guest network does), ``True`` again routes.
IPv4 only.

IPv6 (optional, off by default): ``Lab(ipv6=True)`` gives the public segment 2001:db8:0:1::/64
(gateway ::1 in ``<tag>-pub``, relay ::10, stun1 ::20, stun2 ::21: :func:`public_ip6`), and
``add_home(name, nat=..., ipv6=True)`` gives a home global IPv6 next to its IPv4 (which keeps its
NAT kind): the router's WAN gets the IPv6 twin of its IPv4 address, its LAN 2001:db8:1:<k>::/64
(host ::2) routed to it by ``<tag>-pub``; no IPv6 NAT, and a stateful ip6tables firewall that
lets in only what the LAN started (:meth:`Lab.firewall6_rules`). ``<tag>-pub`` routes IPv6
between those /64s only (it has no default route), so no IPv6 packet leaves the lab either.
Duplicate address detection is off in every namespace of an IPv6 lab (``nodad``, and
``accept_dad=0`` before any interface exists), so addresses work at once.

NAT kinds (``Home.nat``):

``eim``
    ``MASQUERADE``: the source port is kept when free, so the mapping is endpoint-independent (one
    public ip:port for every destination of a socket). Filtering is what conntrack gives:
    address-and-port-dependent, so an inbound datagram passes only after the host has sent to that
    ip:port; hole punching works when both sides send.
``symmetric``
    ``MASQUERADE --random-fully``: a new random public port for each destination (address-dependent
    mapping); hole punching between two such homes fails.
``udp-blocked``
    like ``eim`` plus ``FORWARD -p udp -j DROP``: TCP works, no UDP passes the router at all.
``none``
    no router: the host itself sits on the public segment with a public 203.0.113.x address
    (``Home.router_ns`` is None, ``Home.public_ip == Home.lan_ip``). No firewall.

Every router drops unsolicited inbound traffic on its WAN leg (INPUT and FORWARD accept only
ESTABLISHED,RELATED), as home routers do. This also matters for hole punching: a datagram that
reaches a router before its host's own outgoing one is dropped *before* conntrack confirms an entry
for it; without the drop that stray entry would occupy the public ip:port and make MASQUERADE pick
another port for the host's outgoing flow, breaking the endpoint-independent mapping.

Names: namespaces are ``<prefix><pid>-<n>-<name>`` (``n`` numbers the labs of one process); inside a
namespace interfaces are ``eth0`` (hosts), ``wan``/``lan`` (routers; ``lan`` is a bridge), ``br0``
and ``p<k>`` (public segment), all within the 15-character limit. A small state file per lab in
``/run/peerup-netlab`` records the owner's pid and start time; :func:`cleanup_stale` removes the
namespaces (and kills the processes in them) of labs whose owner is gone. ``Lab`` calls it on
start, and ``python -m tests.lab.netlab cleanup [--prefix P] [--force]`` runs it by hand.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

NAT_KINDS = ("eim", "symmetric", "udp-blocked", "none")
PUBLIC_NET = ipaddress.IPv4Network("203.0.113.0/24")
PUBLIC_GATEWAY = "203.0.113.1"  # the public segment's own address: a dead end, forwards nothing
RELAY_IP = "203.0.113.10"
STUN1_IP = "203.0.113.20"
STUN2_IP = "203.0.113.21"
# The second address each STUN host gets when its server needs two (Debian's stund does).
STUN1_ALT_IP = "203.0.113.22"
STUN2_ALT_IP = "203.0.113.23"
# IPv6 (optional: ``Lab(ipv6=True)``): the public segment is a /64 of the documentation prefix
# 2001:db8::/32; each IPv6 home gets its own /64 routed to its router. A public host's IPv6
# address repeats the last octet of its IPv4 one (203.0.113.10 -> 2001:db8:0:1::10).
PUBLIC_NET6 = ipaddress.IPv6Network("2001:db8:0:1::/64")
PUBLIC_GATEWAY6 = "2001:db8:0:1::1"  # the lab's "internet core": routes between the lab's /64s only
HOME_NETS6 = ipaddress.IPv6Network("2001:db8:1::/48")  # home k gets 2001:db8:1:<k>::/64
STATE_DIR = Path("/run/peerup-netlab")
DEFAULT_PREFIX = "pl"
CMD_TIMEOUT = 10.0  # seconds for any single ip/iptables/sysctl command

_lab_counter = 0


class LabError(RuntimeError):
    """A lab command failed; the message holds the command and its stderr."""


def _run(argv: Sequence[str], *, timeout: float = CMD_TIMEOUT, check: bool = True) -> str:
    try:
        res = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"timed out after {timeout} s: {' '.join(argv)}") from exc
    if check and res.returncode != 0:
        raise LabError(f"{' '.join(argv)} -> {res.returncode}: {res.stderr.strip()}")
    return res.stdout


def _ip(*args: str, check: bool = True) -> str:
    return _run(["ip", *args], check=check)


def unavailable_reason() -> str | None:
    """Why the lab cannot run here (for ``pytest.skip``), or None when it can."""
    if os.name != "posix" or not sys.platform.startswith("linux"):
        return "the NAT lab needs Linux network namespaces"
    if os.geteuid() != 0:
        return "the NAT lab needs root (ip netns, iptables)"
    for tool in ("ip", "iptables", "sysctl"):
        if shutil.which(tool) is None:
            return f"the NAT lab needs `{tool}` (Debian: iproute2, iptables, procps)"
    probe = f"{DEFAULT_PREFIX}probe{os.getpid()}"
    try:
        _ip("netns", "add", probe)
        try:
            _run(["ip", "netns", "exec", probe, "iptables", "-t", "nat", "-S"])
        finally:
            _ip("netns", "del", probe, check=False)
    except (LabError, OSError) as exc:
        return f"network namespaces or iptables unusable here: {exc}"
    return None


_ipv6_reason: list[str | None] = []  # cached result of ipv6_unavailable_reason()


def ipv6_unavailable_reason() -> str | None:
    """Why ``Lab(ipv6=True)`` cannot run here (for ``pytest.skip``), or None when it can.

    Checks :func:`unavailable_reason`, then ``ip6tables`` with conntrack inside a namespace.
    """
    reason = unavailable_reason()
    if reason:
        return reason
    if _ipv6_reason:
        return _ipv6_reason[0]
    if shutil.which("ip6tables") is None:
        reason = "the IPv6 lab needs `ip6tables` (Debian: iptables)"
    else:
        probe = f"{DEFAULT_PREFIX}probe6{os.getpid()}"
        try:
            _ip("netns", "add", probe)
            try:
                _run(["ip", "netns", "exec", probe, "ip6tables", "-A", "FORWARD", "-m",
                      "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"])  # fmt: skip
            finally:
                _ip("netns", "del", probe, check=False)
        except (LabError, OSError) as exc:
            reason = f"ip6tables (conntrack) unusable in a network namespace: {exc}"
    _ipv6_reason.append(reason)
    return reason


def public_ip6(ipv4: str) -> str:
    """The IPv6 address on the public segment that goes with public IPv4 address ``ipv4``.

    The interface ID repeats the IPv4 address's last octet as text: 203.0.113.10 gives
    2001:db8:0:1::10 (so the pairs are easy to read in logs).
    """
    last = ipaddress.IPv4Address(ipv4).packed[3]
    return str(ipaddress.IPv6Address(f"{PUBLIC_NET6.network_address}{last}"))


def list_namespaces() -> list[str]:
    """Names from ``ip netns list`` (all of them, not only the lab's)."""
    return [line.split()[0] for line in _ip("netns", "list").splitlines() if line.strip()]


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 (starttime), counted after the ")" that ends the command name.
    return stat.rsplit(")", 1)[1].split()[19]


def _ns_pids(ns: str) -> list[int]:
    out = _ip("netns", "pids", ns, check=False)
    return [int(p) for p in out.split() if p.isdigit()]


def _kill_ns_processes(ns: str, grace: float = 2.0) -> None:
    """SIGTERM, then SIGKILL, every process still inside lab namespace ``ns`` (by pid)."""
    pids = [p for p in _ns_pids(ns) if p != os.getpid()]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if Path(f"/proc/{p}").exists() and _is_alive(p)]
        time.sleep(0.05)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _owner_alive(prefix: str, pid: int, n: int) -> bool:
    state = STATE_DIR / f"{prefix}{pid}-{n}"
    try:
        recorded = json.loads(state.read_text())["start_time"]
    except (OSError, ValueError, KeyError):
        return False
    return _start_time(pid) == recorded


def cleanup_stale(prefix: str = DEFAULT_PREFIX, *, force: bool = False) -> list[str]:
    """Delete lab namespaces named ``<prefix><pid>-<n>-…`` whose owning process is gone.

    Processes still inside them are killed first (they were started in the lab). With ``force``,
    namespaces of live owners are removed too (use by hand only). Returns the deleted names.
    """
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)-(\d+)-")
    removed: list[str] = []
    for ns in list_namespaces():
        m = pattern.match(ns)
        if not m:
            continue
        if not force and _owner_alive(prefix, int(m[1]), int(m[2])):
            continue
        _kill_ns_processes(ns)
        _ip("netns", "del", ns, check=False)
        removed.append(ns)
    if STATE_DIR.is_dir():
        state_pattern = re.compile(rf"^{re.escape(prefix)}(\d+)-(\d+)$")
        for state in STATE_DIR.iterdir():
            m = state_pattern.match(state.name)
            if m and (force or not _owner_alive(prefix, int(m[1]), int(m[2]))):
                state.unlink(missing_ok=True)
    return removed


@dataclass
class PublicHost:
    """A namespace on the public segment (``eth0`` holds ``ip``/24, default route via .1).

    In a ``Lab(ipv6=True)`` it also holds ``ip6``/64 (see :func:`public_ip6`), default route via
    :data:`PUBLIC_GATEWAY6`.
    """

    name: str
    ns: str
    ip: str
    ip6: str | None = None
    extra_ips: list[str] = field(default_factory=list)  # Lab.add_public_address


@dataclass
class Subnet:
    """A further LAN of a home's router (see :meth:`Lab.add_subnet`): IPv4 only, NATed as the
    first. Its hosts (``ns -> ip``) are in ``hosts`` and also in the home's ``extra_hosts``."""

    index: int  # 1, 2, …: the router's bridge is ``lan<index>``
    net: ipaddress.IPv4Network
    router_ip: str
    hosts: dict[str, str] = field(default_factory=dict)
    _next_host: int = 2

    @property
    def bridge(self) -> str:
        """The router's bridge of this LAN."""
        return f"lan{self.index}"


@dataclass
class Home:
    """A home segment: a NAT router namespace and host namespace(s) behind it, or a public host.

    With ``ipv6`` the home also has IPv6 without NAT: ``public_ip6`` is the router's WAN address
    (or the ``none`` host's own), ``lan_net6`` the /64 the router routes to its LAN, ``lan_ip6``
    the host's address in it (also its public IPv6 address: there is no IPv6 NAT).
    """

    lab: Lab
    name: str
    nat: str
    host_ns: str
    public_ip: str
    lan_ip: str
    router_ns: str | None = None
    router_lan_ip: str | None = None
    lan_net: ipaddress.IPv4Network | None = None
    extra_hosts: dict[str, str] = field(default_factory=dict)  # ns -> LAN ip
    ipv6: bool = False
    public_ip6: str | None = None
    lan_ip6: str | None = None
    router_lan_ip6: str | None = None
    lan_net6: ipaddress.IPv6Network | None = None
    extra_hosts6: dict[str, str] = field(default_factory=dict)  # ns -> LAN IPv6 address
    subnets: list[Subnet] = field(default_factory=list)  # the router's further LANs (add_subnet)
    _next_host: int = 3
    outer: OuterRouter | None = None  # the router this home's router sits behind (add_home behind=)
    wan_ip: str | None = None  # the router's WAN address when behind ``outer`` (else public_ip)

    def set_nat(self, kind: str) -> None:
        """Change the router's NAT kind in place (see :meth:`Lab.set_nat`)."""
        self.lab.set_nat(self, kind)

    def move_public_ip(self, new: str) -> None:
        """Change the public address (router WAN, or the host itself for ``none``)."""
        self.lab.move_address(self.router_ns or self.host_ns, self.public_ip, new)

    def move_lan_ip(self, new: str) -> None:
        """Change the (first) host's LAN address; must stay in the LAN's subnet."""
        self.lab.move_address(self.host_ns, self.lan_ip, new)

    def link_down(self) -> None:
        """Take the (first) host's ``eth0`` down, as a cable pulled or Wi-Fi lost."""
        self.lab.link_down(self.host_ns, "eth0")

    def link_up(self) -> None:
        """Bring the host's ``eth0`` back up with the routes it had (see :meth:`Lab.link_up`)."""
        self.lab.link_up(self.host_ns, "eth0")


@dataclass
class OuterRouter:
    """A NAT router between home routers and the public segment: a carrier NAT or a private one.

    Its WAN (``wan``) holds ``public_ip`` on the public segment; its inside bridge (``lan``) holds
    ``inside_ip`` in ``inside_net`` (100.64.0.0/10 for a carrier NAT, RFC 1918 space for the
    first router of a double NAT). Homes added with ``add_home(..., behind=outer)`` get their
    router's WAN address from ``inside_net`` (.2, .3, …). NAT kind ``nat``: as a home router's.
    """

    name: str
    ns: str
    nat: str
    public_ip: str
    inside_ip: str
    inside_net: ipaddress.IPv4Network
    _next_inside: int = 2


class Lab:
    """Builds and always tears down a NAT lab; see the module docstring.

    Use as a context manager. Teardown (``close``, also registered with ``atexit``) terminates every
    process started via :meth:`popen`, kills anything else left inside the lab's namespaces, and
    deletes the namespaces (their veths and bridges go with them).
    """

    def __init__(
        self,
        prefix: str = DEFAULT_PREFIX,
        *,
        standard_hosts: bool = True,
        cmd_timeout: float = CMD_TIMEOUT,
        ipv6: bool = False,
    ) -> None:
        global _lab_counter
        if not re.fullmatch(r"[a-z]{1,6}", prefix):
            raise ValueError("prefix: 1-6 lowercase letters")
        self.prefix = prefix
        self.tag = f"{prefix}{os.getpid()}-{_lab_counter}"
        _lab_counter += 1
        self.standard_hosts = standard_hosts
        self.ipv6 = ipv6
        self.cmd_timeout = cmd_timeout
        self.pub_ns = f"{self.tag}-pub"
        self.namespaces: list[str] = []
        self.hosts: dict[str, PublicHost] = {}
        self.homes: dict[str, Home] = {}
        self.outers: dict[str, OuterRouter] = {}
        self.procs: list[subprocess.Popen[Any]] = []
        self._down_routes: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._port = 0
        self._used_public: set[str] = {PUBLIC_GATEWAY}
        # router ns -> iptables rules of its further LANs (kept when set_nat flushes the rest)
        self._subnet_rules: dict[str, list[list[str]]] = {}
        self._state = STATE_DIR / self.tag
        self._started = False
        self._closed = False

    # ----------------------------------------------------------------- lifecycle
    def __enter__(self) -> Lab:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        reason = ipv6_unavailable_reason() if self.ipv6 else unavailable_reason()
        if reason:
            raise LabError(reason)
        cleanup_stale(self.prefix)
        STATE_DIR.mkdir(mode=0o755, exist_ok=True)
        self._state.write_text(
            json.dumps({"pid": os.getpid(), "start_time": _start_time(os.getpid())})
        )
        atexit.register(self.close)
        self._add_ns(self.pub_ns)
        _ip("-n", self.pub_ns, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.pub_ns, "addr", "add", f"{PUBLIC_GATEWAY}/24", "dev", "br0")
        if self.ipv6:
            # The public namespace routes IPv6 between the lab's /64s (it has routes to those
            # only, no default route): the "internet" between the homes' routers.
            self._sysctl(self.pub_ns, "net.ipv6.conf.all.forwarding", "1")
            _ip("-n", self.pub_ns, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0")
            _ip("-n", self.pub_ns, "addr", "add", f"{PUBLIC_GATEWAY6}/64", "dev", "br0", "nodad")
        _ip("-n", self.pub_ns, "link", "set", "br0", "up")
        if self.standard_hosts:
            self.public_host("relay", RELAY_IP)
            self.public_host("stun1", STUN1_IP)
            self.public_host("stun2", STUN2_IP)

    def close(self) -> None:
        """Idempotent teardown; never raises for an already-gone namespace."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
        deadline = time.monotonic() + 3.0
        for proc in self.procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(2.0)
        for ns in reversed(self.namespaces):
            with contextlib.suppress(LabError, OSError):
                _kill_ns_processes(ns, grace=0.5)
            with contextlib.suppress(LabError, OSError):
                _ip("netns", "del", ns, check=False)
        self.namespaces.clear()
        self._state.unlink(missing_ok=True)

    # ----------------------------------------------------------------- building
    def _add_ns(self, ns: str) -> None:
        _ip("netns", "add", ns)
        self.namespaces.append(ns)
        if self.ipv6:
            # Before any interface exists, so every new one inherits "default": IPv6 on, and no
            # duplicate address detection (addresses would stay "tentative", unusable, for ~2 s;
            # the lab's addresses are unique by construction). ``nodad`` on each address covers
            # the global ones; this covers the link-local ones NDP speaks from.
            self._sysctl(ns, "net.ipv6.conf.all.disable_ipv6", "0",
                         "net.ipv6.conf.default.disable_ipv6", "0",
                         "net.ipv6.conf.all.accept_dad", "0",
                         "net.ipv6.conf.default.accept_dad", "0")  # fmt: skip
        _ip("-n", ns, "link", "set", "lo", "up")

    def _sysctl(self, ns: str, key: str, value: str, *more: str) -> None:
        pairs = [key, value, *more]
        settings = [f"{k}={v}" for k, v in zip(pairs[::2], pairs[1::2], strict=True)]
        _run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", *settings])

    def _alloc_public(self, start: int) -> str:
        for last in range(start, 255):
            ip = str(PUBLIC_NET.network_address + last)
            if ip not in self._used_public:
                return ip
        raise LabError("public segment full")

    def _claim_public(self, ip: str) -> str:
        addr = ipaddress.IPv4Address(ip)
        if addr not in PUBLIC_NET or str(addr) in self._used_public:
            raise LabError(f"public address {ip} not in {PUBLIC_NET} or already used")
        self._used_public.add(str(addr))
        return str(addr)

    def _attach_public(self, ns: str, ifname: str, ip: str, ip6: str | None = None) -> None:
        """A veth from the public bridge into ``ns`` as ``ifname``: ``ip``/24 (and ``ip6``/64)."""
        self._port += 1
        port = f"p{self._port}"
        _ip("-n", self.pub_ns, "link", "add", port, "type", "veth", "peer", "name", ifname,
            "netns", ns)  # fmt: skip
        _ip("-n", self.pub_ns, "link", "set", port, "master", "br0")
        _ip("-n", self.pub_ns, "link", "set", port, "up")
        _ip("-n", ns, "addr", "add", f"{ip}/24", "dev", ifname)
        if ip6 is not None:
            _ip("-n", ns, "addr", "add", f"{ip6}/{PUBLIC_NET6.prefixlen}", "dev", ifname, "nodad")
        _ip("-n", ns, "link", "set", ifname, "up")
        _ip("-n", ns, "route", "add", "default", "via", PUBLIC_GATEWAY, "dev", ifname)
        if ip6 is not None:
            _ip("-n", ns, "-6", "route", "add", "default", "via", PUBLIC_GATEWAY6, "dev", ifname)

    def public_host(self, name: str, ip: str | None = None) -> PublicHost:
        """A host namespace on the public segment (``ip`` defaults to the next free .30+).

        In a ``Lab(ipv6=True)`` it gets the matching IPv6 address too (:func:`public_ip6`).
        """
        if name in self.hosts or name in self.homes or name in self.outers:
            raise LabError(f"name {name!r} already used")
        self._check_name(name)
        ip = self._claim_public(ip or self._alloc_public(30))
        ip6 = public_ip6(ip) if self.ipv6 else None
        ns = f"{self.tag}-{name}"
        self._add_ns(ns)
        self._attach_public(ns, "eth0", ip, ip6)
        host = PublicHost(name, ns, ip, ip6)
        self.hosts[name] = host
        return host

    def add_public_address(self, host: PublicHost, ip: str | None = None) -> str:
        """Give public host ``host`` a second IPv4 address on the public segment; return it.

        For servers that need two addresses, as a STUN server answering CHANGE-REQUEST does
        (Debian's ``stund -h <ip> -a <second ip>``). Default: the next free 203.0.113.30+.
        """
        ip = self._claim_public(ip or self._alloc_public(30))
        _ip("-n", host.ns, "addr", "add", f"{ip}/{PUBLIC_NET.prefixlen}", "dev", "eth0")
        host.extra_ips.append(ip)
        return ip

    @property
    def relay(self) -> PublicHost:
        return self.hosts["relay"]

    @property
    def stun1(self) -> PublicHost:
        return self.hosts["stun1"]

    @property
    def stun2(self) -> PublicHost:
        return self.hosts["stun2"]

    @staticmethod
    def _check_name(name: str) -> None:
        if not re.fullmatch(r"[a-z0-9]{1,12}", name):
            raise ValueError(f"name {name!r}: 1-12 lowercase letters/digits")

    def add_home(
        self,
        name: str,
        nat: str = "eim",
        *,
        public_ip: str | None = None,
        lan_net: str | None = None,
        ipv6: bool = False,
        behind: OuterRouter | None = None,
    ) -> Home:
        """A home segment behind NAT kind ``nat`` (one of :data:`NAT_KINDS`).

        Routers get WAN addresses from 203.0.113.101 up, ``none`` hosts from 203.0.113.201 up (or
        ``public_ip``). The LAN defaults to 192.168.<k>.0/24 with k = 1, 2, …; the router is .1 and
        the host .2. Namespaces: ``<tag>-<name>-r`` (router) and ``<tag>-<name>`` (host).

        With ``ipv6`` (needs ``Lab(ipv6=True)``) the home also has global IPv6, as most homes
        behind CGNAT do: the router's WAN gets :func:`public_ip6` of its IPv4 address, the LAN
        gets 2001:db8:1:<k>::/64 (router ::1, host ::2, more hosts ::3, …), routed to the
        router by the public namespace, with no NAT and a stateful firewall
        (:meth:`firewall6_rules`). A ``none`` host gets its public IPv6 address on ``eth0``,
        no firewall. The IPv4 side is the same as without ``ipv6``.

        With ``behind`` (an :class:`OuterRouter` from :meth:`add_carrier_nat` or
        :meth:`add_outer_router`) the home's router is not on the public segment: its WAN gets
        the next address of the outer router's inside network, and its traffic is NATed twice
        (``Home.wan_ip`` is that inside address, ``Home.public_ip`` the outer router's public
        one, ``Home.outer`` the outer router). Not with ``nat="none"`` or ``ipv6``.
        """
        if behind is not None and (nat == "none" or ipv6 or public_ip):
            raise LabError("add_home(behind=...) needs a router home without ipv6 or public_ip")
        if nat not in NAT_KINDS:
            raise ValueError(f"nat must be one of {NAT_KINDS}")
        if name in self.homes or name in self.hosts or name in self.outers:
            raise LabError(f"name {name!r} already used")
        if ipv6 and not self.ipv6:
            raise LabError("add_home(ipv6=True) needs Lab(ipv6=True)")
        self._check_name(name)
        host_ns = f"{self.tag}-{name}"
        if nat == "none":
            ip = self._claim_public(public_ip or self._alloc_public(201))
            ip6 = public_ip6(ip) if ipv6 else None
            self._add_ns(host_ns)
            self._attach_public(host_ns, "eth0", ip, ip6)
            home = Home(self, name, nat, host_ns, public_ip=ip, lan_ip=ip, ipv6=ipv6,
                        public_ip6=ip6, lan_ip6=ip6)  # fmt: skip
            self.homes[name] = home
            return home

        if behind is None:
            wan_ip = self._claim_public(public_ip or self._alloc_public(101))
        else:
            wan_ip = str(behind.inside_net.network_address + behind._next_inside)
            behind._next_inside += 1
        index = len(self.homes) + 1
        net = ipaddress.IPv4Network(lan_net or f"192.168.{index}.0/24")
        router_lan = str(net.network_address + 1)
        host_lan = str(net.network_address + 2)
        router_ns = f"{self.tag}-{name}-r"
        wan_ip6 = public_ip6(wan_ip) if ipv6 else None
        self._add_ns(router_ns)
        if behind is None:
            self._attach_public(router_ns, "wan", wan_ip, wan_ip6)
        else:
            self._attach_inside(behind, router_ns, wan_ip)
        self._sysctl(router_ns, "net.ipv4.ip_forward", "1")
        _ip("-n", router_ns, "link", "add", "lan", "type", "bridge")
        _ip("-n", router_ns, "addr", "add", f"{router_lan}/{net.prefixlen}", "dev", "lan")
        net6 = None
        if ipv6:
            net6 = ipaddress.IPv6Network((int(HOME_NETS6.network_address) + (index << 64), 64))
            self._sysctl(router_ns, "net.ipv6.conf.all.forwarding", "1")
            _ip("-n", router_ns, "link", "set", "lan", "type", "bridge", "mcast_snooping", "0")
            _ip("-n", router_ns, "addr", "add", f"{net6.network_address + 1}/64", "dev", "lan",
                "nodad")  # fmt: skip
            _ip("-n", self.pub_ns, "-6", "route", "add", str(net6), "via", str(wan_ip6),
                "dev", "br0")  # fmt: skip
        _ip("-n", router_ns, "link", "set", "lan", "up")
        home = Home(
            self,
            name,
            nat,
            host_ns,
            public_ip=wan_ip if behind is None else behind.public_ip,
            lan_ip=host_lan,
            router_ns=router_ns,
            router_lan_ip=router_lan,
            lan_net=net,
            ipv6=ipv6,
            public_ip6=wan_ip6,
            lan_ip6=None if net6 is None else str(net6.network_address + 2),
            router_lan_ip6=None if net6 is None else str(net6.network_address + 1),
            lan_net6=net6,
            outer=behind,
            wan_ip=None if behind is None else wan_ip,
        )
        self._attach_lan(home, host_ns, host_lan, "h2", home.lan_ip6)
        self._apply_nat(router_ns, nat, ipv6=ipv6)
        self.homes[name] = home
        return home

    def add_host(self, home: Home, name: str, *, subnet: int = 0) -> str:
        """Another host namespace on ``home``'s LAN (same router); returns its namespace.

        ``subnet`` 1, 2, … puts it on one of the router's further LANs (:meth:`add_subnet`)
        instead, at .2, .3, … of it.
        """
        if home.router_ns is None or home.lan_net is None:
            raise LabError("a 'none' home has no LAN")
        self._check_name(name)
        ns = f"{self.tag}-{home.name}-{name}"
        if subnet:
            if not 0 < subnet <= len(home.subnets):
                raise LabError(f"home {home.name!r} has no subnet {subnet} (add_subnet first)")
            sub = home.subnets[subnet - 1]
            ip = str(sub.net.network_address + sub._next_host)
            self._attach_lan(home, ns, ip, f"s{subnet}h{sub._next_host}", bridge=sub)
            sub._next_host += 1
            sub.hosts[ns] = ip
            home.extra_hosts[ns] = ip
            return ns
        ip = str(home.lan_net.network_address + home._next_host)
        ip6 = None
        if home.lan_net6 is not None:
            ip6 = str(home.lan_net6.network_address + home._next_host)
            home.extra_hosts6[ns] = ip6
        self._attach_lan(home, ns, ip, f"h{home._next_host}", ip6)
        home._next_host += 1
        home.extra_hosts[ns] = ip
        return ns

    def add_outer_router(
        self,
        name: str,
        nat: str = "eim",
        *,
        inside_net: str,
        public_ip: str | None = None,
    ) -> OuterRouter:
        """A NAT router on the public segment that home routers can sit behind (``behind=``).

        Its WAN gets ``public_ip`` (default: the next free 203.0.113.101+, like a home router's),
        its inside bridge the first address of ``inside_net``; it NATs like a home router of kind
        ``nat`` (``eim`` or ``symmetric``) and drops unsolicited inbound traffic. Namespace
        ``<tag>-<name>``. Use :meth:`add_carrier_nat` for an ISP's carrier-grade NAT.
        """
        if nat not in ("eim", "symmetric"):
            raise ValueError("an outer router's nat must be 'eim' or 'symmetric'")
        if name in self.homes or name in self.hosts or name in self.outers:
            raise LabError(f"name {name!r} already used")
        self._check_name(name)
        net = ipaddress.IPv4Network(inside_net)
        ip = self._claim_public(public_ip or self._alloc_public(101))
        ns = f"{self.tag}-{name}"
        self._add_ns(ns)
        self._attach_public(ns, "wan", ip)
        self._sysctl(ns, "net.ipv4.ip_forward", "1")
        inside = str(net.network_address + 1)
        _ip("-n", ns, "link", "add", "lan", "type", "bridge")
        _ip("-n", ns, "addr", "add", f"{inside}/{net.prefixlen}", "dev", "lan")
        _ip("-n", ns, "link", "set", "lan", "up")
        self._apply_nat(ns, nat)
        outer = OuterRouter(name, ns, nat, ip, inside, net)
        self.outers[name] = outer
        return outer

    def add_carrier_nat(
        self, name: str, nat: str = "eim", *, inside_net: str | None = None
    ) -> OuterRouter:
        """An ISP's carrier-grade NAT: an outer router whose inside network is in 100.64.0.0/10.

        ``inside_net`` defaults to 100.64.<100 + k>.0/24 (k counts the lab's outer routers), clear
        of the CGNAT-like homes' ``lan_net`` choices in the tests (100.64.1-9.0/24). A home behind
        it (``add_home(name, behind=carrier)``) gets a WAN address there: host 192.168.k.2 → home
        router (NAT) → 100.64.x.y → carrier NAT → 203.0.113.x.
        """
        net = inside_net or f"100.64.{100 + len(self.outers)}.0/24"
        if not ipaddress.IPv4Network(net).subnet_of(ipaddress.IPv4Network("100.64.0.0/10")):
            raise ValueError("a carrier NAT's inside network is in 100.64.0.0/10")
        return self.add_outer_router(name, nat, inside_net=net)

    def _attach_inside(self, outer: OuterRouter, router_ns: str, ip: str) -> None:
        """A veth from ``outer``'s inside bridge into ``router_ns`` as ``wan`` holding ``ip``."""
        port = f"i{outer._next_inside - 1}"
        _ip("-n", outer.ns, "link", "add", port, "type", "veth", "peer", "name", "wan",
            "netns", router_ns)  # fmt: skip
        _ip("-n", outer.ns, "link", "set", port, "master", "lan")
        _ip("-n", outer.ns, "link", "set", port, "up")
        _ip("-n", router_ns, "addr", "add", f"{ip}/{outer.inside_net.prefixlen}", "dev", "wan")
        _ip("-n", router_ns, "link", "set", "wan", "up")
        _ip("-n", router_ns, "route", "add", "default", "via", outer.inside_ip, "dev", "wan")

    def _attach_lan(
        self,
        home: Home,
        ns: str,
        ip: str,
        port: str,
        ip6: str | None = None,
        *,
        bridge: Subnet | None = None,
    ) -> None:
        assert home.router_ns is not None
        assert home.lan_net is not None
        net = home.lan_net if bridge is None else bridge.net
        gateway = home.router_lan_ip if bridge is None else bridge.router_ip
        self._add_ns(ns)
        _ip("-n", home.router_ns, "link", "add", port, "type", "veth", "peer", "name", "eth0",
            "netns", ns)  # fmt: skip
        _ip("-n", home.router_ns, "link", "set", port, "master",
            "lan" if bridge is None else bridge.bridge)  # fmt: skip
        _ip("-n", home.router_ns, "link", "set", port, "up")
        _ip("-n", ns, "addr", "add", f"{ip}/{net.prefixlen}", "dev", "eth0")
        if ip6 is not None:
            _ip("-n", ns, "addr", "add", f"{ip6}/64", "dev", "eth0", "nodad")
        _ip("-n", ns, "link", "set", "eth0", "up")
        _ip("-n", ns, "route", "add", "default", "via", str(gateway), "dev", "eth0")
        if ip6 is not None:
            _ip("-n", ns, "-6", "route", "add", "default", "via", str(home.router_lan_ip6),
                "dev", "eth0")  # fmt: skip

    def add_subnet(self, home: Home, lan_net: str | None = None) -> Subnet:
        """Give ``home``'s router a further LAN: bridge ``lan<i>`` (i = 1, 2, …) on ``lan_net``.

        The default net is 10.<k>.<i>.0/24 (k: the home's number, 1, 2, … in the order homes
        were added); the router is .1. The router routes between all its LANs (plain forwarding,
        no NAT between them) and NATs each to its one WAN address, with the same drop of
        unsolicited inbound traffic. Hosts: :meth:`add_host` with ``subnet=i``. IPv4 only.
        """
        if home.router_ns is None or home.lan_net is None:
            raise LabError("a 'none' home has no router")
        index = len(home.subnets) + 1
        k = list(self.homes).index(home.name) + 1
        net = ipaddress.IPv4Network(lan_net or f"10.{k}.{index}.0/24")
        if any(net.overlaps(other) for other in [home.lan_net, *(s.net for s in home.subnets)]):
            raise LabError(f"{net} overlaps a LAN of home {home.name!r}")
        sub = Subnet(index, net, str(net.network_address + 1))
        _ip("-n", home.router_ns, "link", "add", sub.bridge, "type", "bridge")
        _ip("-n", home.router_ns, "addr", "add", f"{sub.router_ip}/{net.prefixlen}", "dev",
            sub.bridge)  # fmt: skip
        _ip("-n", home.router_ns, "link", "set", sub.bridge, "up")
        rules = self._subnet_rules.setdefault(home.router_ns, [])
        rules += [
            ["-A", "FORWARD", "-i", "wan", "-o", sub.bridge, "-m", "conntrack", "--ctstate",
             "ESTABLISHED,RELATED", "-j", "ACCEPT"],
            ["-A", "FORWARD", "-i", "wan", "-o", sub.bridge, "-j", "DROP"],
        ]  # fmt: skip
        for rule in rules[-2:]:
            _run(["ip", "netns", "exec", home.router_ns, "iptables", "-w", "5", *rule])
        home.subnets.append(sub)
        return sub

    def set_subnet_routing(self, home: Home, routed: bool) -> None:
        """Route between ``home``'s LANs (the default), or drop what passes between them.

        Dropping (``routed=False``) is what a router does for a guest network: each LAN still
        reaches the internet, but a SYN from one LAN to another vanishes (no reject).
        """
        if home.router_ns is None or not home.subnets:
            raise LabError(f"home {home.name!r} has a single LAN")
        bridges = ["lan", *(s.bridge for s in home.subnets)]
        drops = [
            ["FORWARD", "-i", a, "-o", b, "-j", "DROP"] for a in bridges for b in bridges if a != b
        ]
        rules = self._subnet_rules.setdefault(home.router_ns, [])
        for rule in drops:
            present = ["-I", *rule] in rules
            if routed and present:
                rules.remove(["-I", *rule])
                _run(["ip", "netns", "exec", home.router_ns, "iptables", "-w", "5", "-D", *rule])
            elif not routed and not present:
                rules.append(["-I", *rule])
                _run(["ip", "netns", "exec", home.router_ns, "iptables", "-w", "5", "-I", *rule])
        # Inserted first in FORWARD: flows already open between the LANs stop too.

    @staticmethod
    def nat_rules(kind: str) -> list[list[str]]:
        """The iptables argv tails a router of NAT ``kind`` gets (filter rules, then NAT)."""
        masq = ["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"]
        rules = [
            ["-A", "INPUT", "-i", "wan", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED",
             "-j", "ACCEPT"],
            ["-A", "INPUT", "-i", "wan", "-j", "DROP"],
            ["-A", "FORWARD", "-i", "wan", "-o", "lan", "-m", "conntrack", "--ctstate",
             "ESTABLISHED,RELATED", "-j", "ACCEPT"],
            ["-A", "FORWARD", "-i", "wan", "-o", "lan", "-j", "DROP"],
        ]  # fmt: skip
        if kind == "eim":
            return [*rules, masq]
        if kind == "symmetric":
            return [*rules, [*masq, "--random-fully"]]
        if kind == "udp-blocked":
            return [["-A", "FORWARD", "-p", "udp", "-j", "DROP"], *rules, masq]
        raise ValueError(f"no router rules for nat={kind!r}")

    @staticmethod
    def firewall6_rules(kind: str) -> list[list[str]]:
        """The ip6tables argv tails of an IPv6 home's router (no NAT: a stateful firewall).

        Outbound is allowed; inbound from ``wan`` passes only as part of a connection the LAN
        started (ESTABLISHED,RELATED), as RFC 6092 home routers do. That is exactly what TCP
        simultaneous open needs: each side's SYN leaves first, so the other's arrives as part
        of a known connection. The router itself answers neighbour discovery on ``wan`` (without
        it nothing could reach the router's address). ``udp-blocked`` drops UDP for IPv6 too.
        """
        if kind not in NAT_KINDS or kind == "none":
            raise ValueError(f"no router rules for nat={kind!r}")
        established = ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]
        rules = [
            ["-A", "INPUT", "-i", "wan", *established],
            ["-A", "INPUT", "-i", "wan", "-p", "ipv6-icmp", "--icmpv6-type",
             "neighbour-solicitation", "-j", "ACCEPT"],
            ["-A", "INPUT", "-i", "wan", "-p", "ipv6-icmp", "--icmpv6-type",
             "neighbour-advertisement", "-j", "ACCEPT"],
            ["-A", "INPUT", "-i", "wan", "-j", "DROP"],
            ["-A", "FORWARD", "-i", "wan", "-o", "lan", *established],
            ["-A", "FORWARD", "-i", "wan", "-o", "lan", "-j", "DROP"],
        ]  # fmt: skip
        if kind == "udp-blocked":
            return [["-A", "FORWARD", "-p", "udp", "-j", "DROP"], *rules]
        return rules

    def _apply_nat(self, router_ns: str, kind: str, *, ipv6: bool = False) -> None:
        for table in ("filter", "nat"):
            _run(["ip", "netns", "exec", router_ns, "iptables", "-t", table, "-F"])
        for rule in self.nat_rules(kind):
            _run(["ip", "netns", "exec", router_ns, "iptables", "-w", "5", *rule])
        for rule in self._subnet_rules.get(router_ns, []):  # further LANs (add_subnet)
            _run(["ip", "netns", "exec", router_ns, "iptables", "-w", "5", *rule])
        if ipv6:
            _run(["ip", "netns", "exec", router_ns, "ip6tables", "-F"])
            for rule in self.firewall6_rules(kind):
                _run(["ip", "netns", "exec", router_ns, "ip6tables", "-w", "5", *rule])

    def set_nat(self, home: Home, kind: str) -> None:
        """Switch a router to another NAT kind (not to/from ``none``), as a network change would.

        The router's NAT entries are dropped too (by taking the WAN address away and back, which
        makes MASQUERADE forget its mappings), so existing sockets see the new behaviour.
        """
        if home.router_ns is None or kind == "none":
            raise LabError("set_nat switches between router kinds only")
        if kind not in NAT_KINDS:
            raise ValueError(f"nat must be one of {NAT_KINDS}")
        self._apply_nat(home.router_ns, kind, ipv6=home.ipv6)
        home.nat = kind
        self._readd_address(home.router_ns, home.wan_ip or home.public_ip)

    # ----------------------------------------------------------------- running things
    @staticmethod
    def wrap(ns: str, argv: Sequence[str]) -> list[str]:
        """``ip netns exec <ns> argv…``: for callers that build their own Popen."""
        return ["ip", "netns", "exec", ns, *argv]

    def exec(
        self,
        ns: str,
        argv: Sequence[str],
        *,
        timeout: float = 30.0,
        check: bool = True,
        input: str | None = None,  # noqa: A002 - mirrors subprocess.run
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in ``ns`` to completion (bounded by ``timeout``); text output captured."""
        res = subprocess.run(
            self.wrap(ns, argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            env=env,
            cwd=cwd,
            check=False,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and res.returncode != 0:
            raise LabError(
                f"in {ns}: {' '.join(argv)} -> {res.returncode}:\n{res.stdout}{res.stderr}"
            )
        return res

    def popen(self, ns: str, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start ``argv`` in ``ns``; it is terminated (then killed) at teardown.

        ``ip netns exec`` execs the command, so ``proc.pid`` is the command itself. stdin defaults
        to /dev/null.
        """
        if self._closed:
            raise LabError("lab is closed")
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        proc: subprocess.Popen[Any] = subprocess.Popen(self.wrap(ns, argv), **kwargs)
        self.procs.append(proc)
        return proc

    # ----------------------------------------------------------------- network changes
    def _find_address(self, ns: str, ip: str) -> tuple[str, int]:
        data = json.loads(_ip("-n", ns, "-j", "-4", "addr", "show"))
        for link in data:
            for info in link.get("addr_info", []):
                if info.get("local") == ip:
                    return link["ifname"], int(info["prefixlen"])
        raise LabError(f"{ip} is not an address in {ns}")

    def _routes(self, ns: str) -> list[dict[str, Any]]:
        return [
            r
            for r in json.loads(_ip("-n", ns, "-j", "-4", "route", "show"))
            if r.get("protocol") != "kernel"
        ]

    def _restore_routes(self, ns: str, routes: list[dict[str, Any]]) -> None:
        for r in routes:
            argv = ["-n", ns, "route", "replace", r["dst"]]
            if "gateway" in r:
                argv += ["via", r["gateway"]]
            if "dev" in r:
                argv += ["dev", r["dev"]]
            _ip(*argv)

    def _readd_address(self, ns: str, ip: str) -> None:
        ifname, plen = self._find_address(ns, ip)
        routes = self._routes(ns)
        _ip("-n", ns, "addr", "del", f"{ip}/{plen}", "dev", ifname)
        time.sleep(0.05)
        _ip("-n", ns, "addr", "add", f"{ip}/{plen}", "dev", ifname)
        self._restore_routes(ns, routes)

    def move_address(self, ns: str, old: str, new: str, *, gateway: str | None = None) -> None:
        """Replace address ``old`` of a namespace by ``new`` (a network change).

        ``new`` may carry ``/len`` (default: the old prefix length). Static routes are restored;
        pass ``gateway`` when ``new`` is in another subnet so the default route goes there.
        Public addresses must stay in 203.0.113.0/24. :class:`Home` and :class:`PublicHost`
        records holding ``old`` are updated.
        """
        ifname, plen = self._find_address(ns, old)
        new_ip, _, new_len = new.partition("/")
        new_plen = int(new_len) if new_len else plen
        public = ipaddress.IPv4Address(old) in PUBLIC_NET
        if public:
            self._claim_public(new_ip)
        routes = self._routes(ns)
        _ip("-n", ns, "addr", "del", f"{old}/{plen}", "dev", ifname)
        _ip("-n", ns, "addr", "add", f"{new_ip}/{new_plen}", "dev", ifname)
        if gateway:
            routes = [r for r in routes if r["dst"] != "default"]
            routes.append({"dst": "default", "gateway": gateway, "dev": ifname})
        self._restore_routes(ns, routes)
        if public:
            self._used_public.discard(old)
        for host in self.hosts.values():
            if host.ns == ns and host.ip == old:
                host.ip = new_ip
        for home in self.homes.values():
            if ns in (home.router_ns, home.host_ns) and home.public_ip == old:
                home.public_ip = new_ip
            if ns == home.host_ns and home.lan_ip == old:
                home.lan_ip = new_ip

    def link_down(self, ns: str, dev: str = "eth0") -> None:
        """Set link ``dev`` of ``ns`` down (its addresses stay; the kernel drops its routes).

        The static routes over ``dev`` are remembered for :meth:`link_up`. Nothing is sent on the
        way down (no FIN, no RST): open connections just stop getting packets through.
        """
        routes = [r for r in self._routes(ns) if r.get("dev") == dev]
        self._down_routes[(ns, dev)] = routes
        _ip("-n", ns, "link", "set", dev, "down")

    def link_up(self, ns: str, dev: str = "eth0") -> None:
        """Set link ``dev`` of ``ns`` up again and restore the routes :meth:`link_down` saw."""
        _ip("-n", ns, "link", "set", dev, "up")
        self._restore_routes(ns, self._down_routes.pop((ns, dev), []))

    # ----------------------------------------------------------------- inspection
    def describe(self) -> str:
        """A few lines for test failure messages."""
        public = f"{PUBLIC_NET}" + (f" and {PUBLIC_NET6}" if self.ipv6 else "")
        lines = [f"lab {self.tag}: public {public} via {self.pub_ns}"]
        lines += [
            f"  {h.name:8} {h.ip:15} ns={h.ns}" + (f" ip6={h.ip6}" if h.ip6 else "")
            for h in self.hosts.values()
        ]
        lines += [
            f"  {h.name:8} {h.public_ip:15} nat={h.nat} host={h.host_ns} lan={h.lan_ip}"
            + (f" ip6={h.lan_ip6} (router {h.public_ip6})" if h.ipv6 else "")
            for h in self.homes.values()
        ]
        lines += [
            f"  {h.name:8} subnet {sub.index}: {sub.net} on {sub.bridge} hosts={sub.hosts}"
            for h in self.homes.values()
            for sub in h.subnets
        ]
        lines += [
            f"  {o.name:8} {o.public_ip:15} outer nat={o.nat} inside={o.inside_net} ns={o.ns}"
            for o in self.outers.values()
        ]
        return "\n".join(lines)


def _main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lab.netlab")
    sub = parser.add_subparsers(dest="cmd", required=True)
    clean = sub.add_parser("cleanup", help="delete lab namespaces left by killed runs")
    clean.add_argument("--prefix", default=DEFAULT_PREFIX)
    clean.add_argument("--force", action="store_true", help="also labs of live processes")
    sub.add_parser("list", help="list lab namespaces")
    args = parser.parse_args()
    if args.cmd == "cleanup":
        for ns in cleanup_stale(args.prefix, force=args.force):
            print(f"deleted {ns}")
    else:
        for ns in list_namespaces():
            if re.match(r"^[a-z]+\d+-\d+-", ns):
                print(ns)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
