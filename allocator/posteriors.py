"""Per-streamer bandit posteriors: P(gift | shown) as a Beta, log gift amount as a Normal-Inverse-Gamma.

Both are a fixed prior plus exponentially decayed sufficient statistics, so old evidence fades with a stated
half-life and the state is a handful of floats per streamer:

    Beta(a0 + s, b0 + f)            s, f: decayed (fractional) gift / no-gift mass
    NIG(mu0, k0, alpha0, beta0)  +  n, S1, S2: decayed weight, sum and sum of squares of log(amount)

Labels arrive early and get corrected late. ``ClickLedger`` remembers what each open click has contributed so
that a provisional label (q = 0.3), a later one (q = 0.1) and the final label (y = 0) add up to one click with
outcome y, never three.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from giftlive.compact_state import CompactState

DEFAULT_HALF_LIFE_MS = 3 * 86_400_000
FORGET_HALF_LIVES = 6


@dataclass(frozen=True)
class Prior:
    """Beta prior on P(gift) and NIG prior on log(amount), each worth a few clicks / gifts of evidence."""

    gift_a: float = 0.15  # mean 1.5 %, worth 10 clicks
    gift_b: float = 9.85
    log_mu: float = math.log(10.0)
    log_kappa: float = 1.0
    log_alpha: float = 2.0
    log_beta: float = 2.0  # E[sigma^2] = beta / (alpha - 1) = 2 on the log scale: heavy tails


class StreamerPosterior(CompactState):
    """Decayed evidence about one streamer; ``at_ms`` is the event time the sums were last decayed to."""

    __slots__ = ("gifts", "misses", "n", "s1", "s2", "at_ms")

    def __init__(self) -> None:
        self.gifts = 0.0
        self.misses = 0.0
        self.n = 0.0
        self.s1 = 0.0
        self.s2 = 0.0
        self.at_ms = 0

    def decay_to(self, now_ms: int, half_life_ms: int) -> None:
        if now_ms <= self.at_ms:
            return
        d = 0.5 ** ((now_ms - self.at_ms) / half_life_ms)
        self.gifts *= d
        self.misses *= d
        self.n *= d
        self.s1 *= d
        self.s2 *= d
        self.at_ms = now_ms

    def add_outcome(self, gift: float, miss: float) -> None:
        """Add gift / no-gift mass of clicks; negative values take back an earlier provisional share."""
        self.gifts = max(0.0, self.gifts + gift)
        self.misses = max(0.0, self.misses + miss)

    def add_amount(self, log_amount: float, weight: float) -> None:
        """Add (weight > 0) or take back (weight < 0) one gifted click's log amount."""
        self.n = max(0.0, self.n + weight)
        self.s1 += weight * log_amount
        self.s2 += weight * log_amount * log_amount
        if self.n == 0.0:
            self.s1 = self.s2 = 0.0

    def clicks(self) -> float:
        """Decayed click mass behind the Beta: how much evidence there is."""
        return self.gifts + self.misses

    def beta(self, prior: Prior) -> tuple[float, float]:
        """(a, b) of the Beta posterior on P(gift | shown)."""
        return prior.gift_a + self.gifts, prior.gift_b + self.misses

    def nig(self, prior: Prior) -> tuple[float, float, float, float]:
        """(mu, kappa, alpha, beta) of the Normal-Inverse-Gamma posterior on log(amount)."""
        n = self.n
        kappa = prior.log_kappa + n
        mu = (prior.log_kappa * prior.log_mu + self.s1) / kappa
        alpha = prior.log_alpha + n / 2
        if n > 0:
            mean = self.s1 / n
            spread = max(0.0, self.s2 - n * mean * mean)
            shift = prior.log_kappa * n * (mean - prior.log_mu) ** 2 / (2 * kappa)
            beta = prior.log_beta + spread / 2 + shift
        else:
            beta = prior.log_beta
        return mu, kappa, alpha, beta

    def expected_value(self, prior: Prior) -> float:
        """Posterior-mean gift value of one exposure: E[p] * E[amount] (log-normal, sigma² plugged in)."""
        a, b = self.beta(prior)
        mu, _kappa, alpha, beta = self.nig(prior)
        sigma2 = beta / (alpha - 1) if alpha > 1 else beta
        return a / (a + b) * math.exp(mu + sigma2 / 2)


class PosteriorBook(CompactState):
    """Every streamer's posterior, fed by the flow's labels: each click counts once in the end.

    A click's first label adds (q, 1 - q) of gift / no-gift mass; each later label of the same click moves
    the mass by the change in q (the final label's q is 0 or 1) and swaps its log amount in, so the click
    ends as exactly one outcome. Decay is applied at each update's event time; corrections are not decayed
    back to the click's time (they are small and recent). Open clicks are forgotten at their final label.
    """

    __slots__ = ("prior", "half_life_ms", "streamers", "open_clicks")

    def __init__(self, prior: Prior | None = None, half_life_ms: int = DEFAULT_HALF_LIFE_MS) -> None:
        self.prior = prior or Prior()
        self.half_life_ms = half_life_ms
        self.streamers: dict[int, StreamerPosterior] = {}
        self.open_clicks: dict[str, tuple[float, float | None]] = {}  # click id -> (q, log amount) applied

    def learn_label(self, label: dict) -> None:
        """One provisional or final label (labels/records.py); orphans carry no click and are skipped."""
        kind = label["kind"]
        if kind == "orphan":
            return
        streamer = self.streamers.get(label["streamer_id"])
        if streamer is None:
            streamer = self.streamers[label["streamer_id"]] = StreamerPosterior()
        streamer.decay_to(label["ts"], self.half_life_ms)
        q = float(label["gift_prob"])
        x = math.log(label["amount"]) if label["count"] and label["amount"] > 0 else None
        applied_q, applied_x = self.open_clicks.get(label["click_id"], (None, None))
        if applied_q is None:
            streamer.add_outcome(q, 1.0 - q)
        else:
            streamer.add_outcome(q - applied_q, applied_q - q)
        if applied_x != x:
            if applied_x is not None:
                streamer.add_amount(applied_x, -1.0)
            if x is not None:
                streamer.add_amount(x, 1.0)
        if kind == "final":
            self.open_clicks.pop(label["click_id"], None)
        else:
            self.open_clicks[label["click_id"]] = (q, x)

    def posterior(self, streamer_id: int) -> StreamerPosterior:
        return self.streamers.get(streamer_id) or StreamerPosterior()

    def at(self, streamer_id: int, now_ms: int) -> StreamerPosterior:
        """The streamer's posterior with its evidence decayed to ``now_ms``."""
        streamer = self.streamers.get(streamer_id)
        if streamer is None:
            return StreamerPosterior()
        streamer.decay_to(now_ms, self.half_life_ms)
        return streamer

    def sweep(self, now_ms: int) -> None:
        """Forget streamers neither labelled nor read for FORGET_HALF_LIVES half-lives (< 2 % of their
        evidence left)."""
        since = now_ms - FORGET_HALF_LIVES * self.half_life_ms
        for streamer_id in [s for s, p in self.streamers.items() if p.at_ms < since]:
            del self.streamers[streamer_id]
