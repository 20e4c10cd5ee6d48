"""`giftlive replay` (to be written)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("replay", help="(not yet available)")
    parser.set_defaults(run=lambda args: 1)
