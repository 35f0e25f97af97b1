"""A NAT-PMP gateway on a real UDP socket, for tests: it answers, refuses or stays silent on cue.

It forwards nothing (the lab test uses a real miniupnpd for that); it speaks the protocol from
the gateway's side with :mod:`app.core.reach.natpmp`'s encoders and records what it was asked.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import trio

from app.core.reach import natpmp


@dataclass
class FakeNatPmpGateway:
    """A NAT-PMP responder on ``127.0.0.1:<port>``.

    Attributes:
        external_ip: The public address it claims.
        port_offset: External port = internal port + this.
        result: Result code of every answer (0: success).
        refuse_mappings: Result code of mapping requests only (0: map), as a router behind
            another NAT may answer while it still reports its external address.
        silent: Answer nothing (and count what arrives).
        drop_first: Drop this many requests before answering (tests retries).
        epoch: Seconds since start of epoch to report (a test may reset it).
        requests: Every request received, raw.
        mappings: internal port → (external port, lifetime) currently granted.
    """

    external_ip: str = "203.0.113.77"
    port_offset: int = 0
    result: int = 0
    refuse_mappings: int = 0
    silent: bool = False
    drop_first: int = 0
    epoch: int = 1000
    requests: list[bytes] = field(default_factory=list)
    mappings: dict[int, tuple[int, int]] = field(default_factory=dict)
    port: int = 0

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Serve until cancelled."""
        with trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM) as sock:
            await sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
            task_status.started()
            while True:
                data, addr = await sock.recvfrom(2048)
                self.requests.append(data)
                if self.silent:
                    continue
                if self.drop_first > 0:
                    self.drop_first -= 1
                    continue
                answer = self._answer(data)
                if answer is not None:
                    await sock.sendto(answer, addr)

    def _answer(self, data: bytes) -> bytes | None:
        if len(data) < 2 or data[0] != 0:
            return struct.pack("!BBHI", 0, 128, 1, self.epoch)  # unsupported version
        opcode = data[1]
        if self.result:
            return natpmp.encode_error_response(opcode, self.result, self.epoch)
        if opcode == natpmp.OP_EXTERNAL_ADDRESS:
            return natpmp.encode_external_address_response(self.epoch, self.external_ip)
        if opcode == natpmp.OP_MAP_TCP and self.refuse_mappings:
            return natpmp.encode_error_response(opcode, self.refuse_mappings, self.epoch)
        if opcode == natpmp.OP_MAP_TCP and len(data) >= 12:
            _, _, _, internal, _suggested, lifetime = struct.unpack("!BBHHHI", data[:12])
            if lifetime == 0:
                self.mappings.pop(internal, None)
                return natpmp.encode_mapping_response(self.epoch, internal, 0, 0)
            external = internal + self.port_offset
            self.mappings[internal] = (external, lifetime)
            return natpmp.encode_mapping_response(self.epoch, internal, external, lifetime)
        return natpmp.encode_error_response(
            opcode, natpmp.ResultCode.UNSUPPORTED_OPCODE, self.epoch
        )
