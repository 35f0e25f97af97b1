"""Texts the API gives as codes, in the user's language.

The engine and the API say *what* happened with stable codes (a reachability ``reason_code``, an
error ``code``) and an English fallback; this module turns the codes into translated sentences.
Each message is a literal ``translate("Context", "…")`` call so that ``pyside6-lupdate`` finds it;
a unit test checks that every code of :data:`app.core.reach.reachability.REASON_CODES` has one.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

# Called by this name, with literal texts, so that pyside6-lupdate finds every message.
translate = QCoreApplication.translate


def reason_texts() -> dict[str, tuple[str, str]]:
    """Every reachability reason code → (reason, hint), translated."""
    upnp = translate(
        "Reachability",
        "enable UPnP or NAT-PMP on your router, or forward peer-up's port to this machine",
    )
    add_relay = translate(
        "Reachability",
        "To be reachable from outside your network, add a relay both devices can reach: "
        "peerup relay add <address> (run one with peerup relay serve on a machine with a "
        "public address).",
    )
    relay_down = translate(
        "Reachability",
        "Check that the relay in your config is running and reachable (peerup relay list).",
    )
    udp = translate("Reachability", "Allow outbound UDP on your network, or %1.").replace(
        "%1", upnp
    )
    direct_a = translate("Reachability", "For grade A, %1.").replace("%1", upnp)
    double = translate(
        "Reachability",
        "Put the outer router (often the ISP's modem) in bridge mode, or forward peer-up's port "
        "on both routers, or use IPv6 (a port mapping on your own router alone does not reach "
        "through the outer one).",
    )
    double_a = translate(
        "Reachability",
        "For grade A: put the outer router (often the ISP's modem) in bridge mode, or forward "
        "peer-up's port on both routers, or use IPv6 (a port mapping on your own router alone "
        "does not reach through the outer one).",
    )
    return {
        "offline": (
            translate(
                "Reachability",
                "No network connection: this machine has no address beyond loopback and "
                "link-local.",
            ),
            translate(
                "Reachability",
                "Connect to a network; peer-up checks again as soon as an address appears.",
            ),
        ),
        "public-address-confirmed": (
            translate(
                "Reachability", "Publicly dialable: a peer outside reached your public address."
            ),
            "",
        ),
        "port-mapping-confirmed": (
            translate(
                "Reachability",
                "Publicly dialable: your router forwards a port (UPnP/NAT-PMP) and a peer "
                "outside reached it.",
            ),
            "",
        ),
        "dial-back-confirmed": (
            translate("Reachability", "Publicly dialable: a peer outside reached you."),
            "",
        ),
        "no-relay": (
            translate(
                "Reachability",
                "Peers cannot reach you: you have no public address confirmed and no relay "
                "reservation.",
            ),
            translate(
                "Reachability",
                "Check the relay addresses in your config and that the relay is running.",
            ),
        ),
        "no-relay-configured": (
            translate(
                "Reachability",
                "Peers cannot reach you: you have no public address confirmed and no relay "
                "configured.",
            ),
            add_relay,
        ),
        "lan-only": (
            translate(
                "Reachability",
                "Reachable on your network only: peers on your LAN are connected to you "
                "directly, but nobody outside can reach you: no public address is confirmed "
                "and no relay is configured.",
            ),
            add_relay,
        ),
        "lan-only-relay-down": (
            translate(
                "Reachability",
                "Reachable on your network only: peers on your LAN are connected to you "
                "directly, but nobody outside can reach you: no public address is confirmed "
                "and your relay holds no reservation for you.",
            ),
            relay_down,
        ),
        "cgnat": (
            translate(
                "Reachability",
                "Your ISP shares one public IPv4 address among many customers (CGNAT) and you "
                "have no IPv6; peers reach you through the relay.",
            ),
            translate("Reachability", "Ask your ISP for a public IPv4 address, or use IPv6."),
        ),
        "cgnat-endpoint-independent": (
            translate(
                "Reachability",
                "Your ISP shares one public IPv4 address among many customers (CGNAT), but its "
                "NAT keeps one mapping for every destination; direct connections work by hole "
                "punching.",
            ),
            translate(
                "Reachability",
                "For grade A, ask your ISP for a public IPv4 address, or use IPv6 (a port "
                "mapping on your router cannot open your ISP's NAT).",
            ),
        ),
        "double-nat": (
            translate(
                "Reachability",
                "Your router is behind another router (double NAT); the mapping stays the same "
                "for every destination, so direct connections work by hole punching.",
            ),
            double_a,
        ),
        "double-nat-tcp-only": (
            translate(
                "Reachability",
                "Your router is behind another router (double NAT); UDP is blocked or mapped "
                "per destination, but your TCP port keeps one mapping for every destination; "
                "direct connections work over TCP only.",
            ),
            double_a,
        ),
        "double-nat-udp-blocked": (
            translate(
                "Reachability",
                "Your router is behind another router (double NAT) and your network blocks "
                "UDP; peers reach you through the relay.",
            ),
            translate("Reachability", "Allow outbound UDP on your network. %1").replace(
                "%1", double
            ),
        ),
        "double-nat-symmetric": (
            translate(
                "Reachability",
                "Your router is behind another router (double NAT) and a new port is picked for "
                "every destination, which defeats hole punching; connections use the relay.",
            ),
            double,
        ),
        "tcp-only": (
            translate(
                "Reachability",
                "UDP is blocked or mapped per destination, but your TCP port keeps one mapping "
                "for every destination; direct connections work over TCP only.",
            ),
            udp,
        ),
        "udp-blocked": (
            translate(
                "Reachability",
                "Your network blocks UDP and your NAT cannot be measured; peers reach you "
                "through the relay.",
            ),
            udp,
        ),
        "public-address-unconfirmed": (
            translate(
                "Reachability",
                "You have a public address, but no peer outside has confirmed reaching it yet.",
            ),
            translate(
                "Reachability",
                "Make sure your firewall allows inbound connections to peer-up's port.",
            ),
        ),
        "no-nat": (
            translate(
                "Reachability",
                "No NAT between you and the STUN servers; direct connections work by hole "
                "punching.",
            ),
            direct_a,
        ),
        "endpoint-independent": (
            translate(
                "Reachability",
                "Your NAT keeps one mapping for every destination; direct connections work by "
                "hole punching.",
            ),
            direct_a,
        ),
        "symmetric-nat": (
            translate(
                "Reachability",
                "Your NAT picks a new port for every destination (symmetric NAT), which defeats "
                "hole punching; connections use the relay.",
            ),
            translate("Reachability", "To get direct connections, %1.").replace("%1", upnp),
        ),
        "no-stun-servers": (
            translate(
                "Reachability",
                "No STUN servers configured, so how your NAT behaves is unknown; expect relayed "
                "connections.",
            ),
            translate(
                "Reachability", "Add two STUN servers on different IP addresses to your config."
            ),
        ),
        "stun-inconclusive": (
            translate(
                "Reachability",
                "Too few STUN servers answered to tell how your NAT maps ports; expect relayed "
                "connections.",
            ),
            translate(
                "Reachability", "Configure at least two STUN servers on different IP addresses."
            ),
        ),
    }


def reason_text(code: str, reason: str, hint: str) -> tuple[str, str]:
    """A reachability reason and hint in the user's language (the English ones if unknown)."""
    return reason_texts().get(code, (reason, hint))


def error_texts() -> dict[str, str]:
    """API error codes → a translated sentence saying what went wrong."""
    return {
        "daemon-not-running": translate("Errors", "peer-up is not running."),
        "unauthorized": translate("Errors", "Access to peer-up's local API was refused."),
        "unknown-peer": translate("Errors", "No such peer."),
        "not-found": translate("Errors", "Not found."),
        "peer-unreachable": translate("Errors", "The peer cannot be reached right now."),
        "relay-limited": translate(
            "Errors",
            "The only path to the peer is a relay that limits each connection to a few hundred "
            "kilobytes or minutes, so a forward would be cut off. Run your own relay "
            "(peerup relay serve) and add it on both devices, or let them reach each other "
            "directly.",
        ),
        "not-authorized": translate("Errors", "This peer is not authorized."),
        "invalid-name": translate("Errors", "That name is not valid."),
        "invalid-peer-id": translate("Errors", "That is not a valid peer ID."),
        "invalid-network": translate("Errors", "That network name is not valid."),
        "autostart-failed": translate("Errors", "Start at login could not be changed."),
        "already-exists": translate("Errors", "It exists already."),
        "address-in-use": translate("Errors", "The address is in use."),
        "invalid-address": translate("Errors", "That address is not valid."),
        "used-by-forward": translate("Errors", "Another forward uses this address."),
        "permission-denied": translate(
            "Errors", "Only the administrator may listen there (ports below 1024)."
        ),
        "address-not-available": translate("Errors", "This device has no such address."),
        "unknown-host": translate("Errors", "No such host."),
        "cannot-listen": translate("Errors", "peer-up cannot listen there."),
        "connection-refused": translate(
            "Errors", "The connection was refused: no program listens on that port."
        ),
        "timeout": translate("Errors", "No answer in time."),
        "host-unreachable": translate("Errors", "That address cannot be reached."),
        "config-error": translate("Errors", "The config file has an error."),
        "identity-error": translate("Errors", "This device's identity cannot be read."),
        "unsafe-file": translate(
            "Errors",
            "A file that decides who may connect could be changed by other users of this "
            "computer: peer-up does not use it.",
        ),
        "authorized-keys-error": translate(
            "Errors", "The list of authorized peers (authorized_keys) cannot be read."
        ),
        "service-not-found": translate("Errors", "The peer offers no such service."),
        "service-unavailable": translate("Errors", "The service is not available."),
        "forward-not-found": translate("Errors", "No such forward."),
        "forward-not-saved": translate(
            "Errors", "This forward is not saved, so it cannot be stopped: remove it instead."
        ),
        "connection-broken": translate("Errors", "The connection broke."),
        "too-many-connections": translate("Errors", "Too many connections."),
        "relay-unreachable": translate("Errors", "The relay cannot be reached."),
        "reservation-refused": translate("Errors", "The relay refused a reservation."),
        "peer-key-changed": translate(
            "Errors", "A known name now belongs to a different key: verify it again."
        ),
        "verification-failed": translate("Errors", "The verification failed."),
        "verify-unsupported": translate(
            "Errors", "The peer cannot run the interactive check (it may run the Go peer-up)."
        ),
        "not-verified": translate(
            "Errors",
            "The peer admits only verified peers: verify each other first (compare the emoji).",
        ),
        "internal-error": translate("Errors", "peer-up hit an internal error."),
        "connection-lost": translate("Errors", "The connection to peer-up broke."),
        "not-running": translate("Errors", "peer-up's engine is not running."),
        # Pairing: the codes of invites and joins (a join's failure reason, app/core/errors.py
        # PairingError.reason, comes on the watch stream's join-progress).
        "invalid-code": translate("Errors", "That is not a valid code."),
        "pairing-failed": translate("Errors", "The pairing did not complete."),
        "wrong-code": translate(
            "Errors",
            "The other device did not accept the code: it is wrong, has expired, or was "
            "already used. Ask for a new one.",
        ),
        "expired": translate("Errors", "The code has expired. Ask for a new one."),
        "burned": translate(
            "Errors", "The code burned after too many wrong attempts. Ask for a new one."
        ),
        "used": translate("Errors", "The code was already used. Ask for a new one."),
        "cancelled": translate("Errors", "Cancelled: the code no longer works."),
        "unreachable": translate(
            "Errors",
            "The other device cannot be reached. Is it online, and is its invite still open?",
        ),
        "no-inviter-here": translate(
            "Errors",
            "No device on this network is inviting with that number. Both devices must be on "
            "the same network; or use the long code.",
        ),
        "own-code": translate(
            "Errors", "This is this device's own code: enter it on the other device."
        ),
        "tampered": translate(
            "Errors",
            "The pairing was tampered with: someone may be in the middle. Nothing was stored.",
        ),
        "refused": translate(
            "Errors",
            "The relay refused the code: it is wrong, already used, expired, revoked, or "
            "burned. Ask the relay's admin for a new one.",
        ),
        "protocol": translate("Errors", "The other device broke off the pairing."),
        "closed": translate("Errors", "The other device broke off the pairing."),
        "invite-burned": translate(
            "Errors",
            "Too many wrong attempts: the code burned, nobody can join with it any more. If "
            "that was not the other device, someone else has the code.",
        ),
        "invite-expired": translate("Errors", "The code expired before anyone joined."),
        "invite-cancelled": translate(
            "Errors", "The invite was cancelled: the code no longer works."
        ),
        "not-paired": translate(
            "Errors", "This device was not paired by an invite here: use Verify… instead."
        ),
        "engine-error": translate("Errors", "peer-up's engine did not start."),
    }


def error_text(code: str, message: str) -> str:
    """An error in the user's language by its code; the API's English message if unknown."""
    return error_texts().get(code, message)


def verify_failure_texts() -> dict[str, str]:
    """Why a verification run ended without a result (its ``error_reason``), translated."""
    return {
        "tampered": translate(
            "Verify",
            "The check failed: a message was changed on the way. Someone may be intercepting "
            "the connection.",
        ),
        "protocol": translate("Verify", "The other device sent something unexpected."),
        "expired": translate(
            "Verify", "The verification expired: it must be finished within 10 minutes."
        ),
        "peer-aborted": translate("Verify", "The other device ended the verification."),
        "cancelled": translate("Verify", "The verification was cancelled."),
        "closed": translate("Verify", "The connection to the other device broke."),
        "replaced": translate(
            "Verify", "The other device started a verification at the same time."
        ),
        "crossed": translate("Verify", "The other device started a verification at the same time."),
        "busy": translate("Verify", "Too many verifications at once. Try again later."),
        "store": translate("Verify", "The result could not be saved."),
        "finished": translate("Verify", "This verification is already over."),
        "not-found": translate("Verify", "This verification no longer exists."),
        "unsupported": translate(
            "Errors", "The peer cannot run the interactive check (it may run the Go peer-up)."
        ),
    }


def verify_failure_text(reason: str | None, message: str | None) -> str:
    """Why a verification ended, in the user's language (the API's English text if unknown)."""
    return verify_failure_texts().get(reason or "", message or reason or "")
