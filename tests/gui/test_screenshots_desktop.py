"""The real tray menu of a real ``peerup-tray`` on a desktop, in English and German.

Under Xvfb with the trayer tray host: the tray (its engine in-process) knows two peers, both real
``peerup daemon`` processes it connects to, and has a forward open to one of them; xdotool
right-clicks its icon and opens the Peers submenu with the keyboard; ImageMagick's ``import``
captures the top right of the screen (panel, icon, menu, submenu) and ``/usr/bin/convert`` paints
the black root window around them light grey. With
``PEERUP_SCREENSHOTS=<dir>`` (``make screenshots``) the capture is saved as
``<dir>/tray-menu-desktop.png`` and ``tray-menu-desktop-de.png``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import pytest

from app.api.client import open_local_client
from app.api.transport import ApiEndpoint, endpoint_for_config
from tests.gui.desktop import (
    PANEL_HEIGHT,
    Geometry,
    desktop_env,
    embedded_icon,
    require,
    session_bus,
    tray_process,
    trayer,
    visible_windows,
    wait_for,
    xdotool,
    xvfb,
)
from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.nodes import make_node_dir

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SCREEN_WIDTH = 1024  # as tests.gui.desktop.xvfb starts it
MARGIN = 16
CONVERT = "/usr/bin/convert"  # ImageMagick's; /usr/local/bin/convert can be a stand-in


async def _connect_and_forward(endpoint: ApiEndpoint, daemons: list[DaemonProcess]) -> None:
    """Through the tray's API: connect to each daemon; open a forward to the second's ssh."""
    async with open_local_client(endpoint) as api:
        for d in daemons:
            async with open_local_client(d.endpoint) as other:
                address = (await other.status()).listen_addresses[0]
            await api.connect(d.node.peer_id, [address])
        await api.open_forward(daemons[1].node.peer_id, "ssh", "127.0.0.1:0")
        deadline = time.monotonic() + 30
        while (await api.status()).connected_peers < len(daemons):
            assert time.monotonic() < deadline, "the tray's peers did not connect"
            await asyncio.sleep(0.1)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_real_tray_menu_on_a_desktop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    require("import")
    if not Path(CONVERT).exists():
        pytest.skip(f"not installed: {CONVERT} (imagemagick; make test installs it)")
    desktop = make_node_dir(tmp_path, "desktop")
    nas = make_node_dir(tmp_path, "nas", services={"ssh": "127.0.0.1:22"})
    laptop = make_node_dir(
        tmp_path, "laptop", names={"desktop": desktop.peer_id, "nas": nas.peer_id}
    )
    for other in (desktop, nas):
        other.authorize(laptop)
        laptop.authorize(other)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("PEERUP_RUNTIME_DIR", str(runtime))
    endpoint = endpoint_for_config(laptop.config_path)
    daemons: list[DaemonProcess] = []
    try:
        daemons += [start_daemon(desktop), start_daemon(nas)]
        with xvfb() as display, session_bus() as bus:
            env = desktop_env(display, bus, runtime)
            with (
                trayer(env, tmp_path / "trayer.log"),
                tray_process(
                    env, laptop.config_path, tmp_path / "tray.log", "--lang", lang
                ) as tray,
            ):
                icon = wait_for("the icon embedded in trayer", lambda: embedded_icon(env), 30)

                def api_up() -> bool | None:
                    return (endpoint.socket_path.exists() and endpoint.cookie_path.exists()) or None

                wait_for("the in-process engine's API", api_up, 30)
                asyncio.run(_connect_and_forward(endpoint, daemons))
                time.sleep(1.0)  # the watch stream reaches the menu

                before = set(visible_windows(env, "peerup-tray"))
                # At the icon's bottom left corner: the menu opens below and to the left of the
                # pointer, so the icon stays in the picture.
                x, y = icon.x + 1, icon.y + icon.height - 2
                xdotool(env, "mousemove", str(x), str(y), "click", "3")

                def new_windows(count: int) -> list[Geometry] | None:
                    found = [
                        g
                        for w, g in visible_windows(env, "peerup-tray").items()
                        if w not in before and g.height > 40
                    ]
                    return found if len(found) >= count else None

                [menu] = wait_for("the tray menu", lambda: new_windows(1))
                # The status line is not selectable: Down selects Peers, Right opens it.
                xdotool(env, "key", "Down", "Right")
                menus = wait_for("the Peers submenu", lambda: new_windows(2))
                xdotool(env, "mousemove", str(SCREEN_WIDTH - 2), str(PANEL_HEIGHT + 2))
                time.sleep(0.5)  # the submenu has painted
                left = max(0, min(g.x for g in menus) - MARGIN)
                bottom = max(g.y + g.height for g in menus) + MARGIN
                shot = tmp_path / "tray-menu.png"
                subprocess.run(
                    [
                        *("import", "-window", "root"),
                        *("-crop", f"{SCREEN_WIDTH - left}x{bottom}+{left}+0", "+repage"),
                        str(shot),
                    ],
                    env=env,
                    check=True,
                    timeout=30,
                )
                # Xvfb's root window is black: paint the desktop around the menus light grey.
                subprocess.run(
                    [
                        *(CONVERT, str(shot), "-fill", "#dfe3e8"),
                        *("-draw", f"color 0,{bottom - 1} floodfill"),
                        # No dates in the file: an unchanged picture stays the same bytes.
                        *("-strip", "-define", "png:exclude-chunks=date,time", str(shot)),
                    ],
                    check=True,
                    timeout=30,
                )
                assert shot.stat().st_size > 1000
                assert menu in menus
                assert tray.proc.poll() is None, tray.log()[-3000:]
    finally:
        for d in daemons:
            d.stop()
    out = os.environ.get("PEERUP_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        suffix = "" if lang == "en" else f"-{lang}"
        (Path(out) / f"tray-menu-desktop{suffix}.png").write_bytes(shot.read_bytes())
