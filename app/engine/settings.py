"""The settings store: the running node's one writer of config.yaml.

Every capability that changes the config (a name bound by an invite, a service exposed with
``persist``, a relay added) edits it through :meth:`SettingsStore.edit`, which round-trips the
YAML (the user's comments survive), validates, writes atomically and hands the new
:class:`~app.core.config.Config` to everyone who reads :attr:`SettingsStore.config`; then the
node applies what changed (see :mod:`app.engine.liveconfig`) and tells every client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from app.core.config import Config, ConfigEditor

__all__ = ["SettingsStore"]


class SettingsStore:
    """Holds the current config and is the only code that writes its file.

    Args:
        config: The config the node started with.
        on_change: Called with the old and the new config after every successful edit.
    """

    def __init__(
        self, config: Config, *, on_change: Callable[[Config, Config], None] | None = None
    ) -> None:
        self._config = config
        self._on_change = on_change

    @property
    def config(self) -> Config:
        """The current config (replaced, never mutated, by each edit)."""
        return self._config

    @contextmanager
    def edit(self) -> Iterator[ConfigEditor]:
        """Edit config.yaml: the block changes the editor; on a clean exit it is saved.

        Raises:
            ConfigError: The edits made the config invalid (nothing is written), or the file
                cannot be written.
        """
        editor = ConfigEditor.open(self._config.path)
        yield editor
        old, self._config = self._config, editor.save()
        if self._on_change is not None:
            self._on_change(old, self._config)
