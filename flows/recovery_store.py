"""A Bytewax recovery store that remembers the settings its state was written with.

Bytewax resumes whatever keys it finds: a run resumed with other shard counts, another policy or other
label windows would restore part of the old state under the new layout and go on silently wrong (user
shard "u3" of 4 is not user shard "u3" of 8). So a new store records the settings that shape the state
(giftlive-settings.json beside Bytewax's partitions) and a resumed run must match them. The worker count
is left to Bytewax's partitions; the decision shards it implies are compared.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from allocator.policy import PolicyConfig
from flows.settings import FlowSettings
from giftlive.errors import UserError

SETTINGS_FILE = "giftlive-settings.json"
# Where a setting comes from, when its name alone does not say (the decision shards follow the workers).
SET_BY = {
    "shards": "--shards",
    "label_shards": "--label-shards",
    "decision_shards": "one per worker, at most --shards: --workers x --processes",
    "decisions": "--no-decisions",
    "online_model": "--no-online-model",
}


def state_settings(settings: FlowSettings) -> dict[str, Any]:
    """The settings that decide which keys hold state and what that state means."""
    return {
        "shards": settings.shards,
        "label_shards": settings.label_shards,
        "decision_shards": settings.deciders,
        "decisions": settings.decisions,
        "online_model": settings.online_model,
        "events_topic": settings.events_topic,
        "window_ms": settings.window_ms,
        "observe_ms": list(settings.observe_ms),
        "lateness_ms": settings.lateness_ms,
        "ttl_ms": settings.ttl_ms,
        "policy": _as_json(settings.policy),
    }


def _as_json(policy: PolicyConfig) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(policy), default=str))


def open_recovery_store(directory: Path, workers: int, settings: FlowSettings):  # -> RecoveryConfig
    """The store in ``directory``: initialised with one partition per worker and the settings when new;
    when resumed, refused with one line naming what differs from the settings it was written with."""
    from bytewax.recovery import RecoveryConfig, init_db_dir

    if directory.exists() and not directory.is_dir():
        raise UserError(f"--recovery {directory} is a file; give a directory")
    wanted = state_settings(settings)
    recorded = directory / SETTINGS_FILE
    if not directory.exists() or not any(directory.iterdir()):
        directory.mkdir(parents=True, exist_ok=True)
        init_db_dir(directory, workers)
        recorded.write_text(json.dumps(wanted, indent=1, sort_keys=True) + "\n")
    elif recorded.exists():  # a store from before this file existed resumes unchecked
        _check(recorded, wanted)
    return RecoveryConfig(str(directory))


def _check(recorded: Path, wanted: dict[str, Any]) -> None:
    try:
        written = json.loads(recorded.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"{recorded}: unreadable ({exc}); start from an empty recovery directory") from None
    # A policy field added since the store was written is at the behaviour it was written with when it is
    # at its default, so it passes (whether the state objects' shape changed too is checked as they are
    # restored: giftlive/compact_state.py).
    before = _flat({"policy": _as_json(PolicyConfig())}) | _flat(written)
    differ = [
        f"{name} {_show(before.get(name))} -> {_show(value)}"
        + (f" ({SET_BY[name]})" if name in SET_BY else "")
        for name, value in _flat(wanted).items()
        if before.get(name) != value
    ]
    if differ:
        raise UserError(
            f"--recovery {recorded.parent} holds state written with other settings ({'; '.join(differ)}): "
            "resume with the settings it was written with, or start from an empty recovery directory"
        )


def _flat(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings with the policy's fields as "policy.<field>" (so an error names the field that moved)."""
    flat = {name: value for name, value in settings.items() if name != "policy"}
    flat.update({f"policy.{name}": value for name, value in (settings.get("policy") or {}).items()})
    return flat


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value
