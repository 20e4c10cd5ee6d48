"""Flow settings: one dataclass, read from environment variables so `python -m bytewax.run` can take them.

GIFTLIVE_EVENTS        Parquet event log to read instead of Kafka (embedded mode)
GIFTLIVE_OUT           folder for training.parquet, labels.parquet, deadletter.parquet
KAFKA_BOOTSTRAP        broker to read the events topic from and write labels/training/dead letters to
GIFTLIVE_FOLLOW        1: keep tailing the topic after its end (production); 0: stop at the end (default)
GIFTLIVE_SHARDS        shards of the streamer and user stages (default 4; a multiple of the workers)
GIFTLIVE_DECISION_SHARDS  shards of the decision stage (default 0: one per worker with `giftlive run`, one
                       per user shard otherwise); decisions of a priced policy do not depend on it
GIFTLIVE_LABEL_SHARDS  shards of the label stage, by user id (default 4); each holds an online model of its
                       users, so the predictions depend on it; labels and decisions do not
GIFTLIVE_LATENESS_MS   how far out of time order a partition may be before events count as late (5000)
GIFTLIVE_TTL_HOURS     idle users, pairs, streamers and rooms are forgotten after this (168 = 7 days)
GIFTLIVE_WINDOW_S      label window W after each click (3600)
GIFTLIVE_OBSERVE_S     provisional label points after the click, comma-separated seconds (60)
GIFTLIVE_EVENTS_TOPIC  the events topic (giftlive.events)
GIFTLIVE_<NAME>_TOPIC  output topics, one per output of flows/outputs.py: DECISIONS, PREDICTIONS, TRAINING,
                       LABELS, DEADLETTER
GIFTLIVE_CAPACITY      allocations one streamer may hold at once (50; each is held 10 min of event time)
GIFTLIVE_PAIR_CAP      allocations of one streamer to one user per hour (3)
GIFTLIVE_EXPLORE       floor on the share of requests served a random cold-start room (0.1)
GIFTLIVE_POLICY_SEED   seed of the allocator's draws (7): same seed and input, same decisions
GIFTLIVE_DECISIONS     0: no decision stage (features, labels and the training table only; faster)
GIFTLIVE_ONLINE_MODEL  0: no online gift model (no per-click predictions)
GIFTLIVE_ALLOCATOR_MODEL  the allocator's pair factor: boost (hand-set, default), online (the online
                       model's pair lift, snapshots every round) or offline (a trained bundle's lift)
GIFTLIVE_MODEL_DIR     models written by `giftlive train` (bundle.json and LightGBM files)
GIFTLIVE_KAFKA_CONFIG  a librdkafka properties file of client settings (SASL, TLS) for every Kafka client
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from allocator.named import DEFAULT_POLICY, NAMED_POLICIES
from allocator.policy import PolicyConfig
from flows.outputs import OUTPUTS, Output, outputs_of
from giftlive.config import EVENTS_TOPIC
from giftlive.errors import UserError
from giftlive.kafka_config import parse_kafka_config

DEFAULT_TOPICS = {output.name: output.topic for output in OUTPUTS}


@dataclass(frozen=True)
class FlowSettings:
    events_path: Path | None = None
    out_dir: Path | None = None
    bootstrap: str | None = None
    follow: bool = False
    events_topic: str = EVENTS_TOPIC
    topics: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TOPICS))  # output name -> topic
    policy: PolicyConfig = field(default_factory=lambda: NAMED_POLICIES[DEFAULT_POLICY].config)
    shards: int = 4
    # Decision shards (user shard j's requests go to j mod D): each repeats the rounds' broadcast work, so
    # one per Bytewax worker is best; 0: one per worker in `run_flow`, one per user shard otherwise.
    decision_shards: int = 0
    # Label shards (user u's labels go to shard u mod L): each holds an online model of its users, so the
    # predictions depend on L (and not on the shards or workers); the labels themselves do not.
    label_shards: int = 4
    lateness_ms: int = 5_000
    ttl_ms: int = 7 * 86_400_000
    window_ms: int = 3_600_000
    observe_ms: tuple[int, ...] = field(default=(60_000,))
    batch_size: int = 2_000
    snapshots: bool = True
    decisions: bool = True  # False: features, labels and the training table only (no impressions needed)
    online_model: bool = True  # the label stage's online gift model and its per-click predictions
    model_dir: Path | None = None  # a trained bundle, for policy.pair_model == "offline"
    kafka_config: dict[str, str] = field(default_factory=dict)  # client settings (giftlive/kafka_config.py)
    broker_timeout_s: float = 30.0  # the broker unreachable this long (wall time) ends the run
    idle_after_s: float = 30.0  # tailing: a partition silent this long (wall time) is not waited for

    def __post_init__(self) -> None:
        self._check_allocator_model()
        if self.events_path is None and self.bootstrap is None:
            raise UserError(
                "no input: set GIFTLIVE_EVENTS to a Parquet event log or KAFKA_BOOTSTRAP to a broker"
            )
        if self.events_path is not None and self.out_dir is None:
            raise UserError("reading a Parquet event log needs an output folder: set GIFTLIVE_OUT (or --out)")
        if self.follow and self.out_dir is not None:
            raise UserError(
                "a tailing flow (GIFTLIVE_FOLLOW=1 / --follow) never reaches the end of its input, so it "
                "cannot finish Parquet files: drop GIFTLIVE_OUT / --out and read the output topics instead"
            )
        if self.shards < 1 or self.window_ms <= 0 or self.lateness_ms < 0 or self.ttl_ms <= 0:
            raise UserError("shards must be >= 1, the window and TTL > 0 and the lateness >= 0")
        if self.label_shards < 1:
            raise UserError(
                f"label shards must be >= 1 (--label-shards / GIFTLIVE_LABEL_SHARDS); got {self.label_shards}"
            )
        if not 0 <= self.decision_shards <= self.shards:
            raise UserError(
                f"decision shards must be between 1 and the shards ({self.shards}), or 0 for one per worker; "
                f"got {self.decision_shards}"
            )

    @property
    def deciders(self) -> int:
        """How many decision shards the flow has (decision_shards, or one per user shard when 0)."""
        return self.decision_shards or self.shards

    def for_workers(self, workers: int) -> FlowSettings:
        """These settings for a run on ``workers`` Bytewax workers in all: one decision shard per worker
        (at most one per user shard) unless decision_shards is set."""
        if self.decision_shards:
            return self
        return replace(self, decision_shards=min(self.shards, workers))

    @property
    def outputs(self) -> tuple[Output, ...]:
        """The outputs this flow writes (decisions and predictions only when their stage runs)."""
        return outputs_of(self.decisions, self.online_model)

    def topic(self, output: Output) -> str:
        return self.topics.get(output.name, output.topic)

    def _check_allocator_model(self) -> None:
        pair_model = self.policy.pair_model
        if self.model_dir is not None and pair_model != "offline":
            raise UserError("--model / GIFTLIVE_MODEL_DIR is used by --allocator-model offline only; add it")
        if pair_model == "boost":
            return
        what = f"allocator model {pair_model!r} (--allocator-model / GIFTLIVE_ALLOCATOR_MODEL)"
        if not self.decisions:
            raise UserError(f"{what} needs the decision stage: drop --no-decisions / GIFTLIVE_DECISIONS=0")
        if pair_model == "online" and not self.online_model:
            raise UserError(
                f"{what} needs the online model: drop --no-online-model / GIFTLIVE_ONLINE_MODEL=0"
            )
        if pair_model == "offline":
            if self.model_dir is None:
                raise UserError(f"{what} needs trained models: pass --model DIR / GIFTLIVE_MODEL_DIR")
            from estimation.bundle import Bundle, fingerprint

            Bundle.load(self.model_dir)  # a clear error now rather than inside a worker
            tagged = replace(self.policy, model_tag=fingerprint(self.model_dir))
            object.__setattr__(self, "policy", tagged)  # decisions name the models they came from

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> FlowSettings:
        env = dict(os.environ if env is None else env)

        def number(name: str, default: float | None) -> float | None:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError:
                raise UserError(f"{name}={raw!r} is not a number") from None

        observe = env.get("GIFTLIVE_OBSERVE_S", "").strip()
        observe_ms = parse_observe(observe, "GIFTLIVE_OBSERVE_S") if observe else (60_000,)
        events = env.get("GIFTLIVE_EVENTS", "").strip()
        out = env.get("GIFTLIVE_OUT", "").strip()
        model_dir = env.get("GIFTLIVE_MODEL_DIR", "").strip()
        return cls(
            events_path=Path(events) if events else None,
            out_dir=Path(out) if out else None,
            bootstrap=None if events else (env.get("KAFKA_BOOTSTRAP", "").strip() or None),
            follow=env.get("GIFTLIVE_FOLLOW", "0").strip() in ("1", "true", "yes"),
            shards=int(number("GIFTLIVE_SHARDS", 4)),
            decision_shards=int(number("GIFTLIVE_DECISION_SHARDS", 0)),
            label_shards=int(number("GIFTLIVE_LABEL_SHARDS", 4)),
            lateness_ms=int(number("GIFTLIVE_LATENESS_MS", 5_000)),
            ttl_ms=int(number("GIFTLIVE_TTL_HOURS", 168) * 3_600_000),
            window_ms=int(number("GIFTLIVE_WINDOW_S", 3600) * 1000),
            observe_ms=observe_ms,
            events_topic=env.get("GIFTLIVE_EVENTS_TOPIC") or EVENTS_TOPIC,
            topics={o.name: env.get(f"GIFTLIVE_{o.name.upper()}_TOPIC") or o.topic for o in OUTPUTS},
            policy=policy_config(
                capacity=number("GIFTLIVE_CAPACITY", None),
                pair_cap=number("GIFTLIVE_PAIR_CAP", None),
                explore=number("GIFTLIVE_EXPLORE", None),
                seed=number("GIFTLIVE_POLICY_SEED", 7),
                where="GIFTLIVE_POLICY / GIFTLIVE_CAPACITY / GIFTLIVE_PAIR_CAP / GIFTLIVE_EXPLORE / "
                "GIFTLIVE_ALLOCATOR_MODEL",
                pair_model=env.get("GIFTLIVE_ALLOCATOR_MODEL", "").strip() or "boost",
                name=env.get("GIFTLIVE_POLICY", "").strip() or DEFAULT_POLICY,
            ),
            model_dir=Path(model_dir) if model_dir else None,
            kafka_config=parse_kafka_config(),
            snapshots=env.get("GIFTLIVE_SNAPSHOTS", "1").strip() not in ("0", "false", "no"),
            decisions=env.get("GIFTLIVE_DECISIONS", "1").strip() not in ("0", "false", "no"),
            online_model=env.get("GIFTLIVE_ONLINE_MODEL", "1").strip() not in ("0", "false", "no"),
        )


def policy_config(
    capacity: float | None,
    pair_cap: float | None,
    explore: float | None,
    seed: float,
    where: str,
    pair_model: str = "boost",
    name: str = DEFAULT_POLICY,
) -> PolicyConfig:
    """The named policy (allocator/named.py) with these settings (None: the policy's own), or a UserError
    naming the options. ``capacity`` is what a streamer takes: viewers for a priced policy, allocations held
    for one with hard caps (PolicyConfig.with_capacity)."""
    named = NAMED_POLICIES.get(name)
    if named is None:
        raise UserError(f"{where}: no policy {name!r}; choose one of {', '.join(NAMED_POLICIES)}")
    if pair_model != "boost" and named.config.scoring != "thompson":
        raise UserError(f"{where}: a model's pair lift (allocator model {pair_model}) is for policy thompson")
    try:
        config = replace(named.config, seed=int(seed), pair_model=pair_model)
        if pair_cap is not None:
            config = replace(config, pair_cap=int(pair_cap))
        if explore is not None:
            config = replace(config, explore=explore)
        if capacity is not None:
            if capacity < 1:
                raise ValueError(f"capacity must be >= 1, got {capacity:g}")
            config = config.with_capacity(int(capacity))
        return config
    except ValueError as exc:
        raise UserError(f"{where}: {exc}") from None


def parse_observe(text: str, what: str) -> tuple[int, ...]:
    """'60,300' (seconds) -> (60000, 300000) ms; a UserError naming ``what`` otherwise."""
    try:
        return tuple(round(float(part) * 1000) for part in text.split(",") if part.strip())
    except ValueError:
        raise UserError(f"{what} {text!r}: give seconds separated by commas, e.g. 60,300") from None
