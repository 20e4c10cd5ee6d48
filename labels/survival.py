"""How likely a click that has not gifted yet still will: delay survival learned from matured clicks.

For each segment we count matured clicks (their label window closed), the gifted ones, and the first-gift
delays of the gifted ones on a log-spaced grid. Matured clicks are fully observed, so the Kaplan-Meier
estimate of S(e) = P(first gift later than e | a gift within the window) is the share of gifted clicks whose
first gift came after e, read from the grid with linear interpolation between grid points.

A click still silent at elapsed time e then gifts with probability
    q = p·S(e) / (p·S(e) + 1 − p)
where p is the click's prior gift probability (the segment's base rate until a model exists).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from giftlive.compact_state import CompactState

# Grid of delays (ms) on which S is tabulated: 0, 1 s, 2 s, 5 s ... up to the label window.
_GRID_MS = (
    0,
    1_000,
    2_000,
    5_000,
    10_000,
    20_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    1_200_000,
    1_800_000,
    2_700_000,
    3_600_000,
    7_200_000,
    14_400_000,
    28_800_000,
    86_400_000,
)

# Priors (pseudo-counts) so the first clicks get sensible estimates: KuaiLive's 1.48 % gift rate, and a
# delay prior where 80 % of gifts come in the first second and the rest spread evenly over the window.
PRIOR_GIFT_RATE = 0.0148
PRIOR_CLICKS = 200.0
PRIOR_GIFTS = 5.0
PRIOR_SAME_SECOND = 0.8
PRIOR_AMOUNT = 20.0


def delay_grid(window_ms: int) -> tuple[int, ...]:
    """The standard grid cut at the window, with the window itself as last point."""
    return (*(g for g in _GRID_MS if g < window_ms), window_ms)


class _Segment(CompactState):
    __slots__ = ("clicks", "gifted", "delays", "amounts")

    def __init__(self, bins: int) -> None:
        self.clicks = 0.0
        self.gifted = 0.0
        self.delays = [0.0] * bins  # gifted clicks by first-gift delay bin (bin i: grid[i-1] < d <= grid[i])
        self.amounts = [0.0] * bins  # their final amounts, same bins


class DelaySurvival(CompactState):
    """Base rates, S(e) and late-gift amounts per segment, learned online from matured clicks."""

    __slots__ = ("window_ms", "grid", "segments")

    def __init__(self, window_ms: int) -> None:
        self.window_ms = window_ms
        self.grid = delay_grid(window_ms)
        self.segments: dict[str, _Segment] = {}

    def _segment(self, name: str) -> _Segment:
        segment = self.segments.get(name)
        if segment is None:
            segment = self.segments[name] = _Segment(len(self.grid))
        return segment

    def learn_one(self, segment: str, first_gift_delay_ms: int | None, amount: float) -> None:
        """One matured click: its first-gift delay (None if it never gifted) and its final amount."""
        seg = self._segment(segment)
        seg.clicks += 1
        if first_gift_delay_ms is None:
            return
        seg.gifted += 1
        i = min(bisect_left(self.grid, first_gift_delay_ms), len(self.grid) - 1)
        seg.delays[i] += 1
        seg.amounts[i] += amount

    def base_rate(self, segment: str) -> float:
        """Share of matured clicks that gifted, shrunk towards the prior."""
        seg = self.segments.get(segment)
        clicks, gifted = (seg.clicks, seg.gifted) if seg else (0.0, 0.0)
        return (gifted + PRIOR_GIFT_RATE * PRIOR_CLICKS) / (clicks + PRIOR_CLICKS)

    def _prior_survival(self, elapsed_ms: int) -> float:
        if elapsed_ms < 1_000:
            return 1.0 - PRIOR_SAME_SECOND * elapsed_ms / 1_000 if elapsed_ms > 0 else 1.0
        return (1.0 - PRIOR_SAME_SECOND) * max(0.0, 1.0 - elapsed_ms / self.window_ms)

    def _later_than(self, counts: list[float], elapsed_ms: int) -> float:
        """Mass of ``counts`` with delay > elapsed, interpolated linearly inside the bin holding elapsed."""
        grid = self.grid
        if elapsed_ms >= grid[-1]:
            return 0.0
        i = bisect_right(grid, elapsed_ms)  # first grid point strictly above elapsed: its bin straddles it
        above = sum(counts[i + 1 :])
        lo, hi = grid[i - 1] if i > 0 else 0, grid[i]
        inside = counts[i] * (hi - elapsed_ms) / (hi - lo) if hi > lo else 0.0
        return above + inside

    def survival(self, segment: str, elapsed_ms: int) -> float:
        """S(e): probability that a gifted click's first gift comes later than ``elapsed_ms``."""
        seg = self.segments.get(segment)
        gifted = seg.gifted if seg else 0.0
        late = self._later_than(seg.delays, elapsed_ms) if seg else 0.0
        return (late + PRIOR_GIFTS * self._prior_survival(elapsed_ms)) / (gifted + PRIOR_GIFTS)

    def late_amount(self, segment: str, elapsed_ms: int) -> float:
        """Mean final amount of gifted clicks whose first gift came later than ``elapsed_ms``."""
        seg = self.segments.get(segment)
        if seg is None:
            return PRIOR_AMOUNT
        late = self._later_than(seg.delays, elapsed_ms)
        amount = self._later_than(seg.amounts, elapsed_ms)
        return (amount + PRIOR_AMOUNT) / (late + 1.0)


def corrected_gift_probability(prior: float, survival: float) -> float:
    """P(gift within the window | none yet at e) = p·S / (p·S + 1 − p)."""
    numerator = prior * survival
    denominator = numerator + 1.0 - prior
    return numerator / denominator if denominator > 0 else 0.0
