"""The ground truth of a synthetic world: a queryable model, not a log.

It answers, for any (user, streamer, time): the probability of a click on an impression, the probability of
at least one gift in a clicked session, the expected total gift amount of that session, and it samples the
whole response to a (counterfactual) exposure: click, watch time, gifts with their delays and prices, likes
and comments. The world's own logs are sampled through ``sample_session`` — the one implementation — so an
allocation policy simulated against this model sees exactly the world that produced the logs.

Saved as DIR/truth/params.json + DIR/truth/population.npz; ``GroundTruth.load(DIR)`` restores it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from giftlive.errors import UserError
from replay.synth.draws import Draws, GeneratorDraws
from replay.synth.params import GIFT_TIERS, HOURLY_GIFT_LIFT, WorldParams, china_hour
from replay.synth.population import Population, pair_noise

_LOG_TIERS = np.log(GIFT_TIERS)
_TIER_EDGES = np.concatenate([[-np.inf], (_LOG_TIERS[1:] + _LOG_TIERS[:-1]) / 2, [np.inf]])
_GIFT_GAP_MEDIAN_S = 120.0  # between gifts of one session


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7), vectorised without scipy."""
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(x) * erf)


def snap_to_tier(log_price: np.ndarray) -> np.ndarray:
    """Nearest platform price tier in log space."""
    return GIFT_TIERS[np.searchsorted(_TIER_EDGES, log_price, side="right") - 1]


def expected_tier_price(location: np.ndarray, sigma: float) -> np.ndarray:
    """E[snap(exp(location + sigma * N(0, 1)))], exactly, by tier probabilities."""
    loc = np.asarray(location, dtype=np.float64)[..., None]
    cdf = _normal_cdf((_TIER_EDGES - loc) / sigma)
    return (np.diff(cdf, axis=-1) * GIFT_TIERS).sum(axis=-1)


@dataclass
class Sessions:
    """Sampled responses of clicked sessions (arrays aligned with the clicks) and their gifts."""

    watch_ms: np.ndarray
    engaged: np.ndarray
    gift_click: np.ndarray  # index of the click each gift belongs to
    gift_ts: np.ndarray
    gift_amount: np.ndarray
    like_click: np.ndarray
    like_ts: np.ndarray
    comment_click: np.ndarray
    comment_ts: np.ndarray


class GroundTruth:
    """The latent model behind a synthetic world."""

    def __init__(self, params: WorldParams, population: Population) -> None:
        self.params = params
        self.population = population

    # ---- persistence -------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        truth_dir = Path(directory) / "truth"
        truth_dir.mkdir(parents=True, exist_ok=True)
        (truth_dir / "params.json").write_text(json.dumps(dataclasses.asdict(self.params), indent=2))
        np.savez(truth_dir / "population.npz", **self.population.arrays())

    @classmethod
    def load(cls, directory: Path) -> GroundTruth:
        truth_dir = Path(directory) / "truth"
        if not (truth_dir / "params.json").exists():
            raise UserError(
                f"{directory} has no ground truth (truth/params.json); only synthetic worlds written by "
                "`giftlive data synth` have one"
            )
        params = WorldParams(**json.loads((truth_dir / "params.json").read_text()))
        with np.load(truth_dir / "population.npz") as data:
            population = Population(**{name: data[name] for name in data.files})
        return cls(params, population)

    # ---- pair traits -------------------------------------------------------------------------------
    def affinity(self, users: np.ndarray, streamers: np.ndarray) -> np.ndarray:
        """Pair gift log-odds shift: stored for favourites, hash-derived noise for every other pair."""
        stored = self.population.favourite_affinity(users, streamers)
        noise = self.params.pair_noise_sigma * pair_noise(self.params.seed, users, streamers)
        return np.where(np.isnan(stored), noise, stored)

    def is_favourite(self, users: np.ndarray, streamers: np.ndarray) -> np.ndarray:
        return ~np.isnan(self.population.favourite_affinity(users, streamers))

    # ---- probabilities and expectations ------------------------------------------------------------
    def p_click(self, users: np.ndarray, streamers: np.ndarray) -> np.ndarray:
        """P(click | the room is shown to the user)."""
        p, pop = self.params, self.population
        logit = (
            p.click_base
            + pop.click_bias[users]
            + p.click_favourite_lift * self.is_favourite(users, streamers)
        )
        return _sigmoid(logit)

    def pair_gift_logit(self, users: np.ndarray, streamers: np.ndarray) -> np.ndarray:
        """The gift log-odds of a pair before the hour of day: user, streamer and pair traits."""
        p, pop = self.params, self.population
        return p.gift_base + pop.propensity[users] + pop.appeal[streamers] + self.affinity(users, streamers)

    def gift_logit(self, users: np.ndarray, streamers: np.ndarray, ts: np.ndarray) -> np.ndarray:
        return self.pair_gift_logit(users, streamers) + HOURLY_GIFT_LIFT[china_hour(ts)]

    def p_gift(
        self, users: np.ndarray, streamers: np.ndarray, ts: np.ndarray, load: np.ndarray | None = None
    ) -> np.ndarray:
        """P(at least one gift in the session | click); a ``load`` (viewers) past capacity saturates it."""
        return self.saturate(_sigmoid(self.gift_logit(users, streamers, ts)), streamers, load)

    def saturate(self, prob: np.ndarray, streamers: np.ndarray, load: np.ndarray | None) -> np.ndarray:
        """P(gift) at a room's load: unchanged up to the streamer's capacity, shrinking past it."""
        if load is None:
            return prob
        capacity = self.population.capacity[streamers]
        return prob * capacity / (capacity + np.maximum(np.asarray(load, dtype=np.float64) - capacity, 0.0))

    def user_profile(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        """For one user and every streamer: P(click | shown) and the pair gift logit (the parts of a room's
        value that depend on neither time nor load), for a scorer that values many rooms for one user."""
        streamers = np.arange(self.population.appeal.size, dtype=np.int64)
        users = np.full(streamers.size, user, dtype=np.int64)
        return self.p_click(users, streamers), self.pair_gift_logit(users, streamers)

    @staticmethod
    def hour_lift(ts_ms: int) -> float:
        """The gift log-odds lift of the hour of day (China time) at ``ts_ms``."""
        return float(HOURLY_GIFT_LIFT[china_hour(np.array([ts_ms]))[0]])

    @staticmethod
    def sigmoid(x: np.ndarray) -> np.ndarray:
        return _sigmoid(x)

    def expected_gifts_given_gift(self) -> float:
        return 1.0 / (1.0 - self.params.extra_gift_prob)

    def expected_amount(
        self, users: np.ndarray, streamers: np.ndarray, ts: np.ndarray, load: np.ndarray | None = None
    ) -> np.ndarray:
        """E[total gift amount of the session | click] — the truth EV of a click."""
        return self.p_gift(users, streamers, ts, load) * self.amount_if_gift(users)

    def amount_if_gift(self, users: np.ndarray) -> np.ndarray:
        """E[total gift amount of the session | it has a gift]: the user's alone (wealth), whoever the
        streamer; so a scorer over many rooms for one user computes it once."""
        p = self.params
        wealth = self.population.wealth[users]
        token = p.token_gift_share
        immediate = token + (1 - token) * expected_tier_price(wealth, p.price_sigma)
        delayed = token + (1 - token) * expected_tier_price(wealth + p.delayed_price_lift, p.price_sigma)
        first = p.immediate_gift_share * immediate + (1 - p.immediate_gift_share) * delayed
        later = (self.expected_gifts_given_gift() - 1.0) * delayed
        return first + later

    def expected_value_of_exposure(
        self, users: np.ndarray, streamers: np.ndarray, ts: np.ndarray
    ) -> np.ndarray:
        """E[gift amount | the room is shown] = P(click) * E[amount | click]."""
        return self.p_click(users, streamers) * self.expected_amount(users, streamers, ts)

    # ---- sampling ----------------------------------------------------------------------------------
    def sample_clicks(self, users: np.ndarray, streamers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return rng.random(np.size(users)) < self.p_click(users, streamers)

    def sample_session(
        self,
        users: np.ndarray,
        streamers: np.ndarray,
        ts: np.ndarray,
        room_end: np.ndarray,
        rng: np.random.Generator | Draws,
        load: np.ndarray | None = None,
    ) -> Sessions:
        """Watch time, gifts (time, price), likes and comments of clicked sessions; nothing after room end.

        ``load`` (viewers) saturates gifting through ``p_gift``, the one place it acts, so a session sampled
        under a load averages to ``expected_amount`` under the same load. ``rng`` is a numpy Generator (one
        stream for every session) or ``Draws`` such as KeyedDraws (each session's own, replay/synth/draws.py).
        """
        draw = GeneratorDraws(rng) if isinstance(rng, np.random.Generator) else rng
        p = self.params
        n = np.size(users)
        users = np.asarray(users, dtype=np.int64)
        ts = np.asarray(ts, dtype=np.int64)
        room_left_ms = np.maximum(np.asarray(room_end, dtype=np.int64) - ts, 0)
        favourite = self.is_favourite(users, streamers)
        engaged = draw.random(n) < _sigmoid(p.engaged_base + p.engaged_favourite_lift * favourite)
        gifted = draw.random(n) < self.p_gift(users, streamers, ts, load)

        # Gifts: 1 + geometric extras; the first is immediate or log-normally delayed, later ones follow it.
        extras = draw.geometric(1.0 - p.extra_gift_prob, n) - 1
        n_gifts = np.where(gifted, 1 + extras, 0)
        gift_click = np.repeat(np.arange(n, dtype=np.int64), n_gifts)
        is_first = np.ones(gift_click.size, dtype=bool)
        is_first[1:] = gift_click[1:] != gift_click[:-1]
        first_delay = np.where(
            draw.random(gift_click) < p.immediate_gift_share,
            0.0,
            draw.lognormal(np.log(p.delay_median_s), p.delay_sigma, gift_click),
        )
        step = draw.lognormal(np.log(_GIFT_GAP_MEDIAN_S), 1.2, gift_click)
        increments = np.where(is_first, first_delay, step)
        group_start = np.flatnonzero(is_first)
        csum = np.cumsum(increments)
        base = np.repeat(
            csum[group_start] - increments[group_start], np.diff(np.append(group_start, csum.size))
        )
        delay_s = csum - base
        delayed = delay_s > 0
        log_price = self.population.wealth[users[gift_click]] + p.price_sigma * draw.standard_normal(
            gift_click
        )
        tiered = snap_to_tier(log_price + p.delayed_price_lift * delayed)
        gift_amount = np.where(draw.random(gift_click) < p.token_gift_share, 1.0, tiered)

        # Watch: skips are seconds, engaged sessions minutes; gifting sessions last at least to the last gift,
        # except a few gifts that arrive after the viewer left (the log's timestamps allow it).
        skip = draw.lognormal(np.log(p.skip_median_s), p.skip_sigma, n)
        long = draw.lognormal(np.log(p.engaged_median_s), p.engaged_sigma, n)
        watch_s = np.where(engaged, long, skip)
        last_delay = np.zeros(n)
        np.maximum.at(last_delay, gift_click, delay_s)
        gift_watch = draw.lognormal(np.log(p.gift_watch_median_s), 1.1, n)
        after_leave = draw.random(n) < p.gift_after_leave_share
        stays = np.maximum(gift_watch, last_delay + draw.lognormal(np.log(60.0), 1.0, n))
        leaves_early = last_delay * draw.uniform(0.3, 0.95, n)
        gift_session_watch = np.where((last_delay > 0) & after_leave, leaves_early, stays)
        watch_s = np.where(gifted, gift_session_watch, watch_s)
        watch_ms = np.minimum((watch_s * 1000).astype(np.int64), room_left_ms)
        gift_ts = ts[gift_click] + np.minimum((delay_s * 1000).astype(np.int64), room_left_ms[gift_click])

        active = engaged | gifted
        like_click, like_ts = _scatter_in_session(
            np.where(active, p.like_rate_engaged, p.like_rate_skip), ts, watch_ms, draw
        )
        comment_click, comment_ts = _scatter_in_session(
            np.where(active, p.comment_rate_engaged, p.comment_rate_skip), ts, watch_ms, draw
        )
        return Sessions(
            watch_ms=watch_ms,
            engaged=engaged,
            gift_click=gift_click,
            gift_ts=gift_ts,
            gift_amount=gift_amount,
            like_click=like_click,
            like_ts=like_ts,
            comment_click=comment_click,
            comment_ts=comment_ts,
        )


def _scatter_in_session(
    rate: np.ndarray, ts: np.ndarray, watch_ms: np.ndarray, draw: Draws
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts per session, at uniform times while the viewer is in the room."""
    counts = draw.poisson(rate)
    owner = np.repeat(np.arange(rate.size, dtype=np.int64), counts)
    offset = (draw.random(owner) * watch_ms[owner]).astype(np.int64)
    return owner, ts[owner] + offset
