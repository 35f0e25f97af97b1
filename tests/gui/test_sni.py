"""``peerup-tray`` as a StatusNotifierItem, the tray of GNOME (AppIndicator) and KDE.

A private D-Bus session bus, and on it a small ``org.kde.StatusNotifierWatcher`` written here
(dbus-fast, at the message level, so it sees who registers). Qt uses the D-Bus tray only when
the watcher's name is owned as the tray icon is created, so the watcher starts first. The item
must register, and its menu (``com.canonical.dbusmenu`` at ``/MenuBar``) must list the tray's
actions.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest
from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus

from app.api.transport import endpoint_for_config
from tests.gui.desktop import desktop_env, session_bus, tray_process, wait_for, xvfb

pytestmark = [pytest.mark.gui, pytest.mark.slow]

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
PROPERTIES = "org.freedesktop.DBus.Properties"
STEP = 30.0

EXPECTED_ACTIONS = [
    "Peers",
    "Forwards",
    "Open peer-up…",
    "Test reachability now",
    "Copy diagnostics",
    "Pause",
    "Quit",
]


class Watcher:
    """The watcher side of the StatusNotifierItem protocol: records registrations."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus
        self.items: list[tuple[str, str]] = []  # (sender, service argument)
        self.registered = asyncio.Event()
        bus.add_message_handler(self.handle)

    def _properties(self) -> dict[str, Variant]:
        return {
            "IsStatusNotifierHostRegistered": Variant("b", True),
            "ProtocolVersion": Variant("i", 0),
            "RegisteredStatusNotifierItems": Variant("as", [s for _, s in self.items]),
        }

    def handle(self, msg: Message) -> Message | bool | None:
        if msg.message_type is not MessageType.METHOD_CALL or msg.path != WATCHER_PATH:
            return None
        if msg.interface == WATCHER and msg.member == "RegisterStatusNotifierItem":
            assert msg.sender is not None
            self.items.append((msg.sender, msg.body[0]))
            self.registered.set()
            return Message.new_method_return(msg)
        if msg.interface == WATCHER and msg.member == "RegisterStatusNotifierHost":
            return Message.new_method_return(msg)
        if msg.interface == PROPERTIES and msg.member == "Get":
            return Message.new_method_return(msg, "v", [self._properties()[msg.body[1]]])
        if msg.interface == PROPERTIES and msg.member == "GetAll":
            return Message.new_method_return(msg, "a{sv}", [self._properties()])
        return None


def _labels(layout: list[Any]) -> list[str]:
    """The visible labels of a dbusmenu layout's top level (separators have none)."""
    _id, _props, children = layout
    labels = []
    for child in children:
        _cid, props, _sub = child.value
        if "label" in props and props.get("visible", Variant("b", True)).value:
            labels.append(props["label"].value.replace("&", ""))
    return labels


async def _check(address: str, start_tray: Any, socket_path: Path) -> list[str]:
    bus = await MessageBus(bus_address=address).connect()
    try:
        await bus.request_name(WATCHER)
        watcher = Watcher(bus)
        with start_tray() as tray:
            async with asyncio.timeout(STEP):
                await watcher.registered.wait()
            sender, service = watcher.items[0]
            destination = service if not service.startswith("/") else sender
            reply = await bus.call(
                Message(
                    destination=destination,
                    path="/MenuBar",
                    interface="com.canonical.dbusmenu",
                    member="GetLayout",
                    signature="iias",
                    body=[0, -1, []],
                )
            )
            assert reply is not None
            assert reply.message_type is MessageType.METHOD_RETURN, reply.body
            _revision, layout = reply.body

            # SIGTERM (a session ending) quits like Quit: the engine stops, the exit code is 0.
            api_up = lambda: socket_path.exists() or None  # noqa: E731
            await asyncio.to_thread(wait_for, "the in-process engine's API", api_up, STEP)
            tray.proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(tray.proc.wait, STEP)
            assert code == 0, tray.log()[-3000:]
            return _labels(layout)
    finally:
        bus.disconnect()


def test_status_notifier_item_registers_with_the_menu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("PEERUP_RUNTIME_DIR", str(runtime))
    config_path = tmp_path / "config" / "config.yaml"

    with xvfb() as display, session_bus() as bus:
        env = desktop_env(display, bus, runtime)
        labels = asyncio.run(
            _check(
                bus,
                lambda: tray_process(env, config_path, tmp_path / "tray.log"),
                endpoint_for_config(config_path).socket_path,
            )
        )
    assert not endpoint_for_config(config_path).socket_path.exists()  # the engine stopped
    # The first line is the status; the actions follow.
    assert labels[0].startswith(("Connecting", "Online", "Offline")), labels
    assert [label for label in labels if label in EXPECTED_ACTIONS] == EXPECTED_ACTIONS
