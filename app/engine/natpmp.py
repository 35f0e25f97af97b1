"""NAT-PMP (RFC 6886) client: UDP requests to the default gateway, port 5351.

The codec is :mod:`app.core.reach.natpmp`; this module finds the gateway and talks to it. A request
is sent on a socket connected to the gateway (so the kernel drops datagrams from anyone else, and
an ICMP "port unreachable" from a gateway without NAT-PMP ends the attempt at once) and resent
on the RFC's schedule — 250 ms, doubled each time — cut to :data:`REQUEST_BUDGET` seconds in
all instead of the RFC's 64 s, so a router that does not speak NAT-PMP costs a few seconds.

The default gateway: Linux's ``/proc/net/route``; macOS and the BSDs ``route -n get default``;
Windows ``route print -4 0.0.0.0`` (each bounded to :data:`COMMAND_TIMEOUT`). psutil has no
routing table. Without one of these, NAT-PMP is not tried (UPnP still is).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TypeVar

import trio

from app.core.errors import NatPmpError
from app.core.reach import natpmp

log = logging.getLogger("peerup.engine.natpmp")

REQUEST_BUDGET = 4.0  # seconds: 0.25 + 0.5 + 1 + 2
COMMAND_TIMEOUT = 3.0
MAX_DATAGRAM = 1100  # RFC 6886 answers are 16 bytes at most; PCP's are ≤ 1100

T = TypeVar("T")


class NatPmpUnavailable(Exception):
    """No NAT-PMP gateway answered (no default gateway, port closed, or silence)."""


async def default_gateway() -> str | None:
    """Our default IPv4 gateway, or None when the OS does not tell (see the module docstring)."""
    platform = sys.platform  # a plain str: every branch is type-checked on every platform
    try:
        if platform.startswith("linux"):
            text = await trio.Path("/proc/net/route").read_text(errors="replace")
            return natpmp.parse_proc_net_route(text[:65536])
        if platform == "win32":
            argv, parse = ["route", "print", "-4", "0.0.0.0"], natpmp.parse_route_print
        else:
            argv, parse = ["route", "-n", "get", "default"], natpmp.parse_route_get_default
        with trio.fail_after(COMMAND_TIMEOUT):
            done = await trio.run_process(
                argv, capture_stdout=True, capture_stderr=True, check=False
            )
        return parse(done.stdout[:65536].decode("utf-8", "replace"))
    except (OSError, trio.TooSlowError) as exc:
        log.debug("no default gateway: %s", exc)
        return None


class NatPmpClient:
    """Talks NAT-PMP to one gateway; remembers its epoch to notice a restart.

    Args:
        gateway: The gateway's IPv4 address.
        port: Its NAT-PMP port (5351; tests use another).
        budget: Seconds one request may take in all, retries included.

    The epoch check compares the gateway's seconds with ours on trio's clock.
    """

    def __init__(
        self,
        gateway: str,
        *,
        port: int = natpmp.PORT,
        budget: float = REQUEST_BUDGET,
    ) -> None:
        self.gateway = gateway
        self._port = port
        self._delays = natpmp.retry_delays(budget)
        self._epoch: tuple[int, float] | None = None
        self.restarted = False  # set when an answer showed the gateway lost its mappings
        self.local_ip = ""  # our address towards the gateway, once a request was sent

    async def external_address(self) -> str:
        """The gateway's public IPv4 address.

        Raises:
            NatPmpUnavailable: No answer.
            NatPmpError: The gateway refused or answered nonsense.
        """
        answer = await self._request(
            natpmp.encode_external_address_request(), natpmp.decode_external_address_response
        )
        self._saw_epoch(answer.epoch)
        return answer.ip

    async def map_tcp(
        self, internal_port: int, *, external_port: int, lifetime: int
    ) -> natpmp.PortMapping:
        """Ask for (or renew) a TCP mapping; the answer may give another port or lifetime."""
        request = natpmp.encode_mapping_request(
            internal_port, external_port=external_port, lifetime=lifetime
        )
        answer = await self._request(
            request, lambda d: natpmp.decode_mapping_response(d, internal_port=internal_port)
        )
        self._saw_epoch(answer.epoch)
        return answer

    async def unmap_tcp(self, internal_port: int) -> None:
        """Delete our TCP mapping of ``internal_port`` (lifetime 0)."""
        await self._request(
            natpmp.encode_delete_request(internal_port),
            lambda d: natpmp.decode_mapping_response(d, internal_port=internal_port, delete=True),
        )

    def _saw_epoch(self, epoch: int) -> None:
        now = trio.current_time()
        if self._epoch is not None and natpmp.epoch_lost(*self._epoch, epoch, now):
            self.restarted = True
        self._epoch = (epoch, now)

    async def _request(self, payload: bytes, decode: Callable[[bytes], T]) -> T:
        with trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM) as sock:
            try:
                await sock.connect((self.gateway, self._port))
            except OSError as exc:
                raise NatPmpUnavailable(f"cannot reach the gateway {self.gateway}: {exc}") from exc
            self.local_ip = str(sock.getsockname()[0])
            for delay in self._delays:
                try:
                    await sock.send(payload)
                except OSError as exc:
                    raise NatPmpUnavailable(
                        f"cannot reach the gateway {self.gateway}: {exc}"
                    ) from exc
                with trio.move_on_after(delay):
                    while True:
                        try:
                            data = await sock.recv(MAX_DATAGRAM)
                        except ConnectionRefusedError as exc:
                            raise NatPmpUnavailable(
                                f"the gateway {self.gateway} does not speak NAT-PMP (port closed)"
                            ) from exc
                        except OSError as exc:
                            raise NatPmpUnavailable(f"no NAT-PMP answer: {exc}") from exc
                        try:
                            return decode(data)
                        except NatPmpError as exc:
                            if exc.reason not in natpmp.STRAY_REASONS:
                                raise
                            log.debug("ignored a stray NAT-PMP datagram: %s", exc)
        raise NatPmpUnavailable(
            f"no NAT-PMP answer from the gateway {self.gateway} in {sum(self._delays):g} s"
        )


__all__ = ["NatPmpClient", "NatPmpUnavailable", "default_gateway"]
