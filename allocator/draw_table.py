"""Thompson draws per streamer, kept between rounds: ``rows`` posterior draws of each live streamer's
exposure value. A streamer is drawn when it first becomes a candidate; at the start of a round the draws of
every live streamer that got new labels or whose draws are ``max_age_rounds`` old are renewed in one
vectorised call; a streamer with no news keeps its draws. That is what makes a request cheap: it mostly
only reads the table."""

from __future__ import annotations

from collections.abc import Container

import numpy as np

from allocator.posteriors import PosteriorBook
from allocator.thompson import posterior_arrays, sample_values
from giftlive.compact_state import CompactState


class DrawTable(CompactState):
    __slots__ = ("values", "slot_of", "drawn_in", "by_round", "relabelled", "free")

    def __init__(self, rows: int) -> None:
        self.values = np.empty((256, rows))  # slot -> the streamer's draw in every row
        self.slot_of: dict[int, int] = {}
        self.drawn_in: dict[int, int] = {}  # streamer -> round of its draws
        self.by_round: dict[int, list[int]] = {}  # round -> streamers drawn then (some since redrawn)
        self.relabelled: set[int] = set()  # streamers with labels since their draws
        self.free: list[int] = []

    @property
    def rows(self) -> int:
        return self.values.shape[1]

    def renew(
        self,
        live: Container[int],
        round_index: int,
        max_age_rounds: int,
        now_ms: int,
        rng: np.random.Generator,
        posteriors: PosteriorBook,
    ) -> None:
        """Round start: draw again every live streamer (``live`` supports ``in``) that was relabelled or
        has draws ``max_age_rounds`` old."""
        drawn_in = self.drawn_in
        stale = dict.fromkeys(sorted(s for s in self.relabelled if s in live))  # sorted: a set's order
        # is not part of its pickled state, and the draws must not depend on a resume
        oldest = round_index - max_age_rounds
        for old in [r for r in self.by_round if r <= oldest]:
            for s in self.by_round.pop(old):
                if drawn_in.get(s) != old:
                    continue  # drawn again since
                if s in live:
                    stale[s] = None
                else:
                    self._free(s)  # not live: forget it now, it is drawn afresh if it comes back
        self.draw(list(stale), round_index, now_ms, rng, posteriors)

    def draw(
        self,
        streamers: list[int],
        round_index: int,
        now_ms: int,
        rng: np.random.Generator,
        posteriors: PosteriorBook,
    ) -> None:
        """New draws for ``streamers`` (distinct) from their posteriors at ``now_ms``."""
        if not streamers:
            return
        slots = [self._slot(s) for s in streamers]
        params = posterior_arrays([posteriors.at(s, now_ms) for s in streamers], posteriors.prior)
        self.values[slots] = sample_values(params, rng, self.rows).T
        drawn_in, relabelled = self.drawn_in, self.relabelled
        for s in streamers:
            drawn_in[s] = round_index
            relabelled.discard(s)
        self.by_round.setdefault(round_index, []).extend(streamers)

    def ensure(
        self,
        streamers: list[int],
        round_index: int,
        now_ms: int,
        rng: np.random.Generator,
        posteriors: PosteriorBook,
    ) -> None:
        """Draw the streamers that have no draws yet."""
        missing = [s for s in dict.fromkeys(streamers) if s not in self.slot_of]
        self.draw(missing, round_index, now_ms, rng, posteriors)

    def slots(self, streamers: list[int]) -> np.ndarray:
        slot_of = self.slot_of
        return np.fromiter((slot_of[s] for s in streamers), dtype=np.intp, count=len(streamers))

    def _slot(self, streamer: int) -> int:
        slot = self.slot_of.get(streamer)
        if slot is not None:
            return slot
        if self.free:
            slot = self.free.pop()
        else:
            slot = len(self.slot_of)
            if slot >= len(self.values):
                grown = np.empty((2 * len(self.values), self.rows))
                grown[: len(self.values)] = self.values
                self.values = grown
        self.slot_of[streamer] = slot
        return slot

    def forget(self, keep: set[int] | dict[int, object]) -> None:
        """Free the draws of every streamer not in ``keep`` (e.g. the ones no longer live)."""
        for streamer in [s for s in self.slot_of if s not in keep]:
            self._free(streamer)

    def _free(self, streamer: int) -> None:
        self.free.append(self.slot_of.pop(streamer))
        self.drawn_in.pop(streamer, None)
        self.relabelled.discard(streamer)
