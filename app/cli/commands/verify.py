"""``peerup verify``: compare 4 emoji (and 6 digits) with a peer, so both keys are known good.

Two people, two terminals (docs/verification.md)::

    alice$ peerup verify bob          # starts; shows the emoji once bob's node answered
    bob$   peerup verify alice        # finds alice's request and shows the same emoji

Either may type first: ``peerup verify <peer>`` answers a request from that peer when one is
waiting, and otherwise starts one. ``--answer`` never starts: it waits (up to 10 minutes) for the
peer's request. ``--pending`` lists requests waiting for an answer. Both sides answer; the peer
is marked verified only when both said yes, and each side is told what the other answered.

When the peer cannot run the protocol (offline, or the Go peer-up), the command falls back to the
Go peer-up's static fingerprint, which only detects a mix-up of peer IDs, and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import click

from app.api.client import LocalClient
from app.api.errors import ApiError
from app.api.transport import ApiEndpoint
from app.cli import render
from app.cli.context import (
    config_option,
    daemon_endpoint,
    json_option,
    load_cli_config,
    peer_name,
    resolve_peer,
    run_async,
    state,
)
from app.cli.exitcodes import ExitCode
from app.cli.standalone import open_any_client
from app.core.errors import PeerupError
from app.core.ids.identity import load_identity
from app.core.ids.peerid import PeerId
from app.core.pairing.sas import reference_fingerprint
from app.core.pairing.verify import SESSION_TTL
from app.core.status import VerifySessionInfo, VerifyState

_FALLBACK_CODES = ("verify-unsupported", "peer-unreachable")
_POLL_INTERVAL = 0.5
_CROSSED_WAIT = 5.0


def _announce(message: str) -> None:
    click.echo(message, err=True)


@click.command()
@click.argument("peer", required=False)
@click.option("--reset", is_flag=True, help="Mark PEER unverified again.")
@click.option("--pending", is_flag=True, help="List verification requests waiting for you.")
@click.option(
    "--answer",
    "answer_only",
    is_flag=True,
    help="Only answer PEER's request (wait up to 10 minutes for it); never start one.",
)
@json_option
@config_option()
def verify(peer: str | None, reset: bool, pending: bool, answer_only: bool, as_json: bool) -> int:
    """Verify PEER: both of you compare 4 emoji and 6 digits, then answer.

    Uses the running daemon, or starts a private local node if none runs. The other person runs
    `peerup verify <you>` (or `--answer`) on their device; either may start first.
    """
    config = load_cli_config()
    endpoint = daemon_endpoint()
    config_path = state().resolved_config_path
    if pending:
        return run_async(_pending(endpoint, config_path, as_json))
    if peer is None:
        raise click.UsageError("PEER is required (or use --pending)")
    resolved = resolve_peer(config, peer)
    label = peer if resolved.source == "names" else (peer_name(config, resolved.peer_id) or peer)
    if reset:
        return run_async(_reset(endpoint, config_path, label, resolved.peer_id))
    own = str(load_identity(config.key_file).peer_id)
    return run_async(
        _verify(endpoint, config_path, label, own, resolved.peer_id, answer_only=answer_only)
    )


async def _pending(endpoint: ApiEndpoint, config_path: Path, as_json: bool) -> int:
    async with open_any_client(endpoint, config_path, announce=_announce) as client:
        sessions = await client.verify_sessions()
    waiting = [s for s in sessions if s.state is VerifyState.ASKING and s.role == "responder"]
    if as_json:
        click.echo(render.dumps(sessions))
        return int(ExitCode.OK)
    if not waiting:
        click.echo("No verification request is waiting for you.")
    for s in waiting:
        who = s.peer_name or s.peer_id
        click.echo(f"{s.id}  {who}  asks to verify: answer with  peerup verify {who}")
    return int(ExitCode.OK)


async def _reset(endpoint: ApiEndpoint, config_path: Path, label: str, peer_id: str) -> int:
    async with open_any_client(endpoint, config_path, announce=_announce) as client:
        entry = await client.set_verified(peer_id, False)
    click.echo(f"{render.badge(entry.verified)} {label} is no longer verified.")
    return int(ExitCode.OK)


def _sas_lines(info: VerifySessionInfo, label: str) -> list[str]:
    assert info.sas is not None
    sas = info.sas
    fp = info.fingerprint
    emoji = "   ".join(f"{e}  {n}" for e, n in zip(sas.emoji, sas.names, strict=True))
    return [
        f"Compare with {label} (read the words aloud, or the digits):",
        "",
        f"    {emoji}",
        f"    {sas.digits}",
        "",
        f"  ({info.suite}; this code is new for every run and expires in "
        f"{SESSION_TTL / 60:.0f} minutes)",
        f"  Go peer-up fingerprint of this pair (for `peerup verify` of the Go tool): "
        f"{' '.join(fp.emoji)}  {fp.numeric}",
    ]


async def _verify(
    endpoint: ApiEndpoint,
    config_path: Path,
    label: str,
    own: str,
    peer_id: str,
    *,
    answer_only: bool,
) -> int:
    async with open_any_client(endpoint, config_path, announce=_announce) as client:
        info = await _find_request(client, peer_id)
        if info is None and answer_only:
            click.echo(
                f"Waiting for {label} to run: peerup verify <you>   (Ctrl+C to stop)", err=True
            )
            info = await _wait_request(client, peer_id)
        if info is None:
            click.echo(f"Asking {label} to verify…", err=True)
            try:
                info = await client.start_verify(peer_id)
            except ApiError as exc:
                if exc.code in _FALLBACK_CODES:
                    return await _fallback(client, label, own, peer_id, exc)
                # Both typed at once: one run survives, and it may be the peer's.
                info = await _crossed(client, peer_id, exc)
        else:
            click.echo(f"{label} asked to verify.", err=True)
        for _attempt in range(3):
            for line in _sas_lines(info, label):
                click.echo(line)
            match = await asyncio.to_thread(
                click.confirm, f"Does {label} show the same?", default=False
            )
            try:
                final = await _answer(client, info, label, match)
            except ApiError as exc:
                if exc.code != "verification-failed":
                    raise
                failure: Exception = exc
            else:
                if final.state is not VerifyState.FAILED or final.error_reason != "replaced":
                    return _report(final, label)
                failure = PeerupError(final.error or "replaced")
            # The run was replaced by the peer's (both started at once): answer that one.
            info = await _crossed(client, peer_id, failure)
            click.echo(f"{label} started a verification at the same time; compare this one:")
        raise PeerupError("the verification kept being replaced; try again")


async def _crossed(client: LocalClient, peer_id: str, error: Exception) -> VerifySessionInfo:
    """After a crossed start: the peer's request that replaced ours, or the original error."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(_CROSSED_WAIT):
            return await _wait_request(client, peer_id)
    raise error


async def _find_request(client: LocalClient, peer_id: str) -> VerifySessionInfo | None:
    for s in await client.verify_sessions():
        if s.peer_id == peer_id and s.role == "responder" and s.state is VerifyState.ASKING:
            return s
    return None


async def _wait_request(client: LocalClient, peer_id: str) -> VerifySessionInfo:
    # Polling the list (cheap, local) never misses a request that came in between calls, and
    # also finds one that arrived before this command started.
    async with asyncio.timeout(SESSION_TTL):
        while True:
            found = await _find_request(client, peer_id)
            if found is not None:
                return found
            await asyncio.sleep(_POLL_INTERVAL)


async def _answer(
    client: LocalClient, info: VerifySessionInfo, label: str, match: bool
) -> VerifySessionInfo:
    final = info
    async for s in client.answer_verify(info.id, match):
        final = s
        if s.state is VerifyState.WAITING_PEER:
            click.echo(f"Waiting for {label} to answer…", err=True)
    return final


def _report(final: VerifySessionInfo, label: str) -> int:
    if final.state is VerifyState.VERIFIED:
        click.echo(f"[VERIFIED] {label}: both of you confirmed the same emoji.")
        return int(ExitCode.OK)
    if final.state is VerifyState.REJECTED:
        if not final.local_match:
            click.echo(f"[UNVERIFIED] You said the emoji differ; {label} was told.")
        else:
            click.echo(f"[UNVERIFIED] {label} said the emoji differ on their screen.")
        click.echo(
            "Hint: a difference means you are not talking to the device you think (or a typo "
            "in a name). Do not trust this peer; check its peer ID, then run peerup verify again.",
            err=True,
        )
        return int(ExitCode.FAILED)
    raise PeerupError(
        f"the verification did not complete: {final.error or final.error_reason}",
        hint="run peerup verify again; both devices must be online",
    )


async def _fallback(client: LocalClient, label: str, own: str, peer_id: str, why: ApiError) -> int:
    fp = reference_fingerprint(PeerId.parse(own).raw, PeerId.parse(peer_id).raw)
    reason = (
        f"{label} cannot be reached ({why.message})"
        if why.code == "peer-unreachable"
        else f"{label} does not support the interactive check (the Go peer-up?)"
    )
    click.echo(f"{reason}: comparing the static fingerprint instead.", err=True)
    click.echo(
        "Note: this code is the same every time; it only detects a mix-up of peer IDs, not an "
        "attacker. Prefer the interactive check when both devices are online.",
        err=True,
    )
    emoji = "   ".join(f"{e}  {n}" for e, n in zip(fp.emoji, fp.names, strict=True))
    click.echo("Fingerprint (also what the Go peer-up's `peerup verify` shows):")
    click.echo(f"    {emoji}")
    click.echo(f"    {fp.numeric}")
    match = await asyncio.to_thread(click.confirm, f"Does {label} show the same?", default=False)
    if not match:
        click.echo(f"[UNVERIFIED] {label} not marked verified.")
        return int(ExitCode.FAILED)
    entry = await client.set_verified(peer_id, True)
    click.echo(f"{render.badge(entry.verified)} {label} marked verified ({entry.verified_value}).")
    click.echo(f"Ask {label} to do the same on their device.", err=True)
    return int(ExitCode.OK)
