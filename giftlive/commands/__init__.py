"""Subcommands. Each module exposes ``register(subparsers)`` and sets ``run`` on its parser."""

from giftlive.commands import broker, data, demo, evaluate, replay, run, tail, train

COMMANDS = (
    data.register,
    replay.register,
    run.register,
    train.register,
    evaluate.register,
    tail.register,
    broker.register,
    demo.register,
)
