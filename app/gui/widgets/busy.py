"""A long step under way: what it is, a busy bar, and a Cancel that cancels its request.

A dialog runs each slow request (one that dials a peer, or waits on the network) through
:meth:`BusyRow.run`: the row shows while the request's task runs, and Cancel cancels that task,
which closes its API request. One step at a time: starting another cancels the one before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.api.client import LocalClient
from app.api.errors import ApiError
from app.gui.tasks import TaskSet
from app.gui.widgets.banner import MessageBanner

T = TypeVar("T")

translate = QCoreApplication.translate


class BusyRow(QWidget):
    """A label, an indeterminate progress bar and Cancel; hidden while nothing runs.

    Attributes:
        label: What is under way.
        cancel_button: Cancels the step's task.
    """

    def __init__(self, tasks: TaskSet, parent: QWidget | None = None) -> None:
        """Create the row (hidden); its steps' tasks are kept in ``tasks`` (the owner's)."""
        super().__init__(parent)
        self._tasks = tasks
        self._task: asyncio.Task[None] | None = None
        self.label = QLabel()
        self.label.setAccessibleName(translate("BusyRow", "What is under way"))
        bar = QProgressBar()
        bar.setRange(0, 0)  # no end known: the bar moves to show that something happens
        bar.setTextVisible(False)
        bar.setMaximumWidth(120)
        bar.setAccessibleName(translate("BusyRow", "In progress"))
        self.cancel_button = QPushButton(translate("BusyRow", "Cancel"))
        self.cancel_button.setAccessibleName(translate("BusyRow", "Cancel what is under way"))
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    @property
    def busy(self) -> bool:
        """Whether a step runs."""
        return self._task is not None

    def run(self, text: str, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``coro`` as the step ``text`` (cancelling the step before, if one still runs)."""
        self.cancel()
        task = self._tasks.spawn(self._step(coro))
        # A task cancelled before its first step never awaits ``coro``: close it then.
        task.add_done_callback(lambda _task: coro.close())
        self._task = task
        self.label.setText(text)
        self.show()
        return task

    async def _step(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        finally:
            if self._task is asyncio.current_task():
                self._task = None
                self.hide()

    def cancel(self) -> None:
        """Cancel the step under way, if any (its request closes)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            self.hide()


class ApiSteps:
    """A dialog's API requests: each in its own client, its error shown in the dialog's banner.

    Slow requests run through :meth:`step` (the busy row with Cancel); quick ones (a port check
    while the user types) through :meth:`quick`, whose task the caller cancels when a newer one
    supersedes it.
    """

    def __init__(
        self,
        client: Callable[[], AbstractAsyncContextManager[LocalClient]],
        banner: MessageBanner,
        busy: BusyRow,
        tasks: TaskSet,
    ) -> None:
        """Run requests with clients from ``client`` (``bridge.client``), kept in ``tasks``."""
        self._client = client
        self.banner = banner
        self.busy = busy
        self._tasks = tasks

    def step(
        self,
        text: str,
        request: Callable[[LocalClient], Awaitable[T]],
        done: Callable[[T], None] | None = None,
        failed: Callable[[ApiError], None] | None = None,
    ) -> asyncio.Task[None]:
        """Run a slow request as the step ``text`` (progress, Cancel).

        Args:
            text: What is under way, in words.
            request: The request, given a client.
            done: Called with its result once it succeeded (the banner is cleared first).
            failed: Called with the error after the banner showed it.

        Returns:
            The step's task.
        """
        return self.busy.run(text, self._call(request, done, failed))

    def quick(
        self,
        request: Callable[[LocalClient], Awaitable[T]],
        done: Callable[[T], None],
        failed: Callable[[ApiError], None],
    ) -> asyncio.Task[None]:
        """Run a quick request (a check while the user types) without progress.

        Its error goes to ``failed`` only (the caller says it beside the field), and the banner
        is left as it is.
        """
        return self._tasks.spawn(self._call(request, done, failed, quiet=True))

    async def _call(
        self,
        request: Callable[[LocalClient], Awaitable[T]],
        done: Callable[[T], None] | None,
        failed: Callable[[ApiError], None] | None,
        *,
        quiet: bool = False,
    ) -> None:
        try:
            async with self._client() as client:
                result = await request(client)
        except ApiError as exc:
            if not quiet:
                self.banner.show_api_error(exc)
            if failed is not None:
                failed(exc)
            return
        if not quiet:
            self.banner.clear_message()
        if done is not None:
            done(result)
