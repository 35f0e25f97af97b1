"""A real UPnP IGD in a lab router: Debian's miniupnpd (nftables backend) in the router namespace.

miniupnpd refuses to map ports when its WAN address is private or reserved, and every lab address
is (documentation ranges); with ``ext_perform_stun`` it asks a STUN server instead, sees that the
router is not behind another NAT, and maps. Its rules live in a table of its own
(``inet peerup_upnp``); the router's own filter drops unsolicited inbound traffic, so forwarded
(DNAT-ed) connections get an ACCEPT ahead of that drop, as on a real home router.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from tests.lab.netlab import Home, Lab

TABLE = """
table inet peerup_upnp {
    chain forward { type filter hook forward priority -10; policy accept; jump miniupnpd; }
    chain miniupnpd { }
    chain prerouting {
        type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd;
    }
    chain postrouting {
        type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd;
    }
    chain prerouting_miniupnpd { }
    chain postrouting_miniupnpd { }
}
"""


def miniupnpd_unavailable() -> str | None:
    """Why miniupnpd cannot run here, or None."""
    for tool in ("miniupnpd", "nft"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install miniupnpd)"
    return None


def start_miniupnpd(
    lab: Lab, home: Home, workdir: Path, stun: str, *, upnp: bool = True, natpmp: bool = False
) -> Path:
    """Run miniupnpd on ``home``'s router; return its log file once it serves (bounded: 20 s).

    Args:
        lab: The lab.
        home: A home behind NAT (it has a router).
        workdir: Where the config, lease file and log go.
        stun: ``ip:port`` of a STUN server on the public segment.
        upnp: Serve UPnP IGD (SSDP and HTTP).
        natpmp: Serve NAT-PMP (and PCP) on the LAN, UDP port 5351.
    """
    assert home.router_ns is not None
    assert home.lan_net is not None
    workdir.mkdir(parents=True, exist_ok=True)
    table = workdir / "miniupnpd.nft"
    table.write_text(TABLE)
    lab.exec(home.router_ns, ["nft", "-f", str(table)])
    lab.exec(home.router_ns, ["iptables", "-I", "FORWARD", "-i", "wan", "-o", "lan", "-m",
                              "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT"])  # fmt: skip
    stun_ip, stun_port = stun.rsplit(":", 1)
    # miniupnpd's STUN test (RFC 5780 style) asks for answers from the server's other address
    # and port too (stund sends them); from those it decides whether the WAN is NATed again.
    # The router's own filter would drop them as unsolicited, and miniupnpd would disable port
    # forwarding ("restrictive or symmetric NAT"): let the STUN host's answers in.
    sources = next(([h.ip, *h.extra_ips] for h in lab.hosts.values() if h.ip == stun_ip), [])
    for source in sources:
        lab.exec(home.router_ns, ["iptables", "-I", "INPUT", "-i", "wan", "-p", "udp", "-s",
                                  source, "-j", "ACCEPT"])  # fmt: skip
    config = workdir / "miniupnpd.conf"
    config.write_text(
        "ext_ifname=wan\nlistening_ip=lan\n"
        f"ext_perform_stun=yes\next_stun_host={stun_ip}\next_stun_port={stun_port}\n"
        f"enable_upnp={'yes' if upnp else 'no'}\nenable_natpmp={'yes' if natpmp else 'no'}\n"
        "secure_mode=yes\n"
        f"lease_file={workdir / 'leases'}\n"
        "upnp_table_name=peerup_upnp\nupnp_nat_table_name=peerup_upnp\n"
        "upnp_forward_chain=miniupnpd\nupnp_nat_chain=prerouting_miniupnpd\n"
        "upnp_nat_postrouting_chain=postrouting_miniupnpd\n"
        "uuid=3d7a1e52-8c4b-4f7e-9a51-2b6f0c9d4e11\n"
        f"allow 1024-65535 {home.lan_net} 1024-65535\ndeny 0-65535 0.0.0.0/0 0-65535\n"
    )
    log = workdir / "miniupnpd.log"
    with log.open("wb") as out:
        lab.popen(home.router_ns, ["miniupnpd", "-d", "-f", str(config)],
                  stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    ready = [m for m, on in (("HTTP listening on port", upnp),
                             ("Listening for NAT-PMP/PCP traffic", natpmp)) if on]  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if all(marker in text for marker in ready):
            return log
        time.sleep(0.2)
    raise AssertionError(f"miniupnpd did not start:\n{log.read_text(errors='replace')}")


def mapped_ports(lab: Lab, home: Home) -> str:
    """The router's DNAT rules made by miniupnpd (text of the nft chain)."""
    assert home.router_ns is not None
    return lab.exec(
        home.router_ns, ["nft", "list", "chain", "inet", "peerup_upnp", "prerouting_miniupnpd"]
    ).stdout
