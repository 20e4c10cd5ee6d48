"""`giftlive tail` (to be written)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("tail", help="(not yet available)")
    parser.set_defaults(run=lambda args: 1)
