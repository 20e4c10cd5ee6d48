"""The Kafka client settings flags shared by every command that talks to a broker."""

from __future__ import annotations

import argparse
from pathlib import Path

from giftlive.kafka_config import CONFIG_FILE_ENV, parse_kafka_config


def add_kafka_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Kafka client settings (SASL, TLS; secrets are never printed)")
    group.add_argument(
        "--kafka-config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a librdkafka setting for every client, e.g. security.protocol=SASL_SSL (repeatable)",
    )
    group.add_argument(
        "--kafka-config-file",
        type=Path,
        metavar="PATH",
        help=f"librdkafka properties file (key=value lines; default ${CONFIG_FILE_ENV}); --kafka-config wins",
    )


def kafka_settings(args: argparse.Namespace) -> dict[str, str]:
    return parse_kafka_config(args.kafka_config, args.kafka_config_file)
