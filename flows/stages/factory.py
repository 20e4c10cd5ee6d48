"""The stage objects of one flow, built from its settings: one place for the dataflow and the benchmark's
plain loop, so both run exactly the same stages."""

from __future__ import annotations

from flows.settings import FlowSettings
from flows.stages.decision import DecisionStage
from flows.stages.label import LabelStage
from flows.stages.protocol import decision_senders
from flows.stages.streamer import StreamerStage
from flows.stages.user import UserStage


class StageFactory:
    def __init__(self, settings: FlowSettings, senders: int) -> None:
        self.settings = settings
        self.senders = senders  # partitions of the input: the streamer stage's senders

    @property
    def model_lift(self) -> bool:
        """The allocator scores pair lifts with a value model (its requests need pair features)."""
        return self.settings.decisions and self.settings.policy.pair_model != "boost"

    def streamer(self, index: int) -> StreamerStage:
        s = self.settings
        viewers_every = s.policy.price_every_ms if s.policy.capacity_viewers else None
        return StreamerStage(
            index,
            self.senders,
            s.shards,
            s.ttl_ms,
            s.decisions,
            viewers_every,
            decision_shards=s.deciders,
            label_shards=s.label_shards,
        )

    def user(self, index: int) -> UserStage:
        s = self.settings
        return UserStage(
            index,
            s.shards,
            s.ttl_ms,
            s.window_ms,
            s.observe_ms,
            s.decisions,
            s.policy.history_rooms,
            s.online_model,
            pair_features=self.model_lift,
            profile=s.decisions and s.policy.scoring == "value",
            decision_shards=s.deciders,
            label_shards=s.label_shards,
        )

    def label(self, index: int = 0) -> LabelStage:
        """Label shard ``index`` (of ``settings.label_shards``)."""
        s = self.settings
        every = s.policy.round_ms if s.policy.pair_model == "online" else None
        return LabelStage(
            s.shards,
            s.window_ms,
            s.decisions,
            s.online_model,
            snapshot_every_ms=every,
            decision_shards=s.deciders,
            index=index,
        )

    def decision(self, index: int = 0) -> DecisionStage:
        """Decision shard ``index`` (of ``settings.deciders``; they differ only in their senders)."""
        s = self.settings
        value_model = None
        if s.policy.pair_model == "offline":
            from estimation.offline_value import OfflineValue  # LightGBM only when asked for

            assert s.model_dir is not None
            value_model = OfflineValue(s.model_dir)
        senders = decision_senders(s.shards, s.deciders, index, s.label_shards)
        return DecisionStage(senders, s.policy, value_model, label_shards=s.label_shards)
