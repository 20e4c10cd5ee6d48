"""Subcommands. Each module exposes ``register(subparsers)`` and sets ``run`` on its parser."""

from giftlive.commands import broker, data, demo, replay, run, tail, train

COMMANDS = (
    data.register,
    replay.register,
    run.register,
    train.register,
    tail.register,
    broker.register,
    demo.register,
)
