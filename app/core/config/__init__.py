"""The node configuration file (config.yaml): schema, parsing, loading, editing and template.

The schema follows the reference's node config (spec §11.1), adapted: relay and discovery are
optional, QUIC is off by default, and ``peer_addresses`` / ``forwards`` are ours. Keys the Go
peer-up writes but we do not use (``discovery.rendezvous``, ``telemetry``, …) are accepted and
ignored so that a Go config still loads; any other unknown key is an error with a "did you mean"
hint, because a silently ignored typo (``allowed_peer:``) could expose a service to everyone.

The file is parsed with ruamel.yaml in round-trip mode: every error names the dotted key and the
line, and :class:`ConfigEditor` edits the document in place so the user's comments survive. The
editor re-validates the result before writing it, so it can never save a config that would not
load.

One module per concern, each importing only those above it:

* :mod:`~app.core.config.schema`: the frozen dataclasses, defaults and known keys;
* :mod:`~app.core.config.yamldoc`: round-trip YAML loading and typed, line-aware node reading;
* :mod:`~app.core.config.parse`: the document to a :class:`Config`, one method per section;
* :mod:`~app.core.config.load`: the file checks, then parsing;
* :mod:`~app.core.config.edit`: :class:`ConfigEditor`, comment-keeping edits;
* :mod:`~app.core.config.template`: the commented template and ``peerup init``'s directory.

Import from this package, not from its modules: the names below are the public API. The package
imports only app.core.ids, app.core.peers (the authorized_keys header), app.core.reach (STUN
server syntax), app.core.status (a service entry as front ends show it), app.core.errors,
app.core.files and app.util.
"""

from app.core.config.edit import ConfigEditor
from app.core.config.load import load_config
from app.core.config.parse import parse_config
from app.core.config.schema import (
    CONFIG_VERSION,
    SETTINGS_KEYS,
    AutoRelayConfig,
    Config,
    ForwardConfig,
    RelayServiceConfig,
    ServiceConfig,
    changed_keys,
    config_to_dict,
    saved_forward_id,
    saved_forward_ids,
)
from app.core.config.template import default_config_text, init_config_dir
from app.core.config.yamldoc import parse_duration

__all__ = [
    "CONFIG_VERSION",
    "SETTINGS_KEYS",
    "AutoRelayConfig",
    "Config",
    "ConfigEditor",
    "ForwardConfig",
    "RelayServiceConfig",
    "ServiceConfig",
    "changed_keys",
    "config_to_dict",
    "default_config_text",
    "init_config_dir",
    "load_config",
    "parse_config",
    "parse_duration",
    "saved_forward_id",
    "saved_forward_ids",
]
