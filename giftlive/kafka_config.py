"""Kafka client settings beyond the bootstrap address (SASL, TLS, timeouts), for every client the project
opens: `--kafka-config KEY=VALUE` (repeatable) and `--kafka-config-file PATH` (librdkafka properties: one
key=value per line, # comments), or the GIFTLIVE_KAFKA_CONFIG environment variable naming such a file.

Secrets never reach a message: ``describe`` masks the value of every key that names one."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from giftlive.errors import UserError

CONFIG_FILE_ENV = "GIFTLIVE_KAFKA_CONFIG"
_SECRET_WORDS = ("password", "secret", "token", "jaas", "key.pem", "private", "credential")
_OURS = ("bootstrap.servers",)  # set by --bootstrap / KAFKA_BOOTSTRAP, never here


def parse_kafka_config(pairs: Iterable[str] = (), file: Path | None = None) -> dict[str, str]:
    """The settings of ``file`` (else $GIFTLIVE_KAFKA_CONFIG's), overridden by ``pairs`` (KEY=VALUE)."""
    settings: dict[str, str] = {}
    if file is None and os.environ.get(CONFIG_FILE_ENV):
        file = Path(os.environ[CONFIG_FILE_ENV])
    if file is not None:
        try:
            lines = file.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read the Kafka client settings file {file}: {exc}") from None
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if line and not line.startswith(("#", "!")):
                key, value = _pair(line, f"{file}:{number}")
                settings[key] = value
    for pair in pairs:
        key, value = _pair(pair, "--kafka-config")
        settings[key] = value
    return settings


def is_secret(key: str) -> bool:
    return any(word in key.lower() for word in _SECRET_WORDS)


def describe(settings: dict[str, str]) -> str:
    """``key=value, ...`` with every secret's value shown as ***."""
    return ", ".join(f"{k}={'***' if is_secret(k) else v}" for k, v in sorted(settings.items()))


def _pair(text: str, where: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key:
        shown = key if sep else text.split()[0] if text.split() else text
        raise UserError(f"{where}: expected KEY=VALUE (a librdkafka setting), got {shown!r}")
    if key in _OURS:
        raise UserError(f"{where}: set {key} with --bootstrap or KAFKA_BOOTSTRAP, not as a client setting")
    return key, value
