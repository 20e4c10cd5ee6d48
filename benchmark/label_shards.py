"""The label stage sharded by user id (flows/stages/label.py): each label shard holds an online gift model of
its users. This prints, for 1 label shard (one model of every user, as before) and for more, the online
model's quality on the same clicks, the plain loop's time over the flow's stages (one process) and a digest
of the labels and decisions, which must not change with the label shards (every shard learns the delays of
every final label).

Quality: the online model's prediction at each click (before that click's labels) against the click's final
label, on the clicks of the last half of the log (the models are warm by then), with the metric suite of
`giftlive eval` (evaluation/model_comparison.py): RevCap@1% with its bootstrap interval, ROC-AUC, PR-AUC,
calibration (ECE) and log loss of P(gift).

    python benchmark/label_shards.py                        # flow_throughput.py's synthetic world
    python benchmark/label_shards.py --events runs/w400/events.parquet --label-shards 1,2,4,8
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import numpy as np  # noqa: E402
import orjson  # noqa: E402

from evaluation.model_comparison import ModelScores, compare, format_comparison  # noqa: E402
from flows.settings import FlowSettings  # noqa: E402
from flows.stages.protocol import DECISION, LABEL, PREDICTION  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmark"))
from flow_throughput import batches_of, load_records, run_plain, synthetic_log  # noqa: E402


class Collected:
    """The outputs of one run: predictions by click, final amounts by click, a digest of labels and
    decisions (in id order, so the order the shards emit them in does not count)."""

    def __init__(self) -> None:
        self.predictions: dict[str, tuple[int, float, float]] = {}  # click -> (ts, p_gift, value)
        self.amounts: dict[str, float] = {}  # click -> final amount
        self.records: dict[str, list[bytes]] = {LABEL: [], DECISION: []}

    def __call__(self, kind: str, records: list[dict[str, Any]]) -> None:
        if kind == PREDICTION:
            for r in records:
                self.predictions[r["click_id"]] = (r["ts"], r["p_gift"], r["value"])
        elif kind in self.records:
            self.records[kind].extend(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in records)
            if kind == LABEL:
                for r in records:
                    if r["kind"] == "final":
                        self.amounts[r["click_id"]] = r["amount"]

    def digest(self, kind: str) -> str:
        return hashlib.sha256(b"".join(sorted(self.records[kind]))).hexdigest()[:12]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=Path, help="Parquet event log (default: flow_throughput's world)")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "bench", help="synthetic world cache")
    parser.add_argument("--label-shards", default="1,4", help="label shard counts, comma-separated (1,4)")
    parser.add_argument("--shards", type=int, default=4, help="shards of the streamer and user stages (4)")
    parser.add_argument("--limit", type=int, help="only the first N events")
    args = parser.parse_args()
    counts = [int(n) for n in args.label_shards.split(",")]
    log = args.events or synthetic_log(args.cache, 1_000, 15_000, 7)
    records = load_records(log, args.limit)
    batches = batches_of(records, 2_000)
    print(f"event log {log}: {len(records) - 1:,} events; the full flow's stages in one process")
    runs: dict[int, tuple[float, Collected]] = {}
    for n in counts:
        settings = FlowSettings(
            events_path=Path("in-memory"), out_dir=Path("unused"), shards=args.shards, label_shards=n
        )
        collected = Collected()
        (seconds, _cpu), _counts = run_plain(batches, settings, collected)
        runs[n] = seconds, collected
        print(
            f"{n} label shard{'s' if n > 1 else ' '}: {seconds:6.1f} s ({(len(records) - 1) / seconds:,.0f} "
            f"events/s), labels {collected.digest(LABEL)}, decisions {collected.digest(DECISION)}",
            flush=True,
        )
    first = runs[counts[0]][1]
    same = all(got.digest(k) == first.digest(k) for _s, got in runs.values() for k in (LABEL, DECISION))
    print("labels and decisions identical for every label shard count:", "yes" if same else "NO")

    clicks = sorted(first.amounts, key=lambda c: first.predictions[c][0])
    test = clicks[len(clicks) // 2 :]
    amount = np.array([first.amounts[c] for c in test])
    models = {}
    for n, (_s, got) in runs.items():
        p_gift = np.array([got.predictions[c][1] for c in test])
        value = np.array([got.predictions[c][2] for c in test])
        models[f"online L={n}"] = ModelScores(value, p_gift)
    print("\nthe online model's predictions on the last half of the clicks (L label shards, a model each)")
    print(format_comparison(compare(amount, models)))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
