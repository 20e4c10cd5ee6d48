"""Last-touch attribution of gifts to clicks, with provisional and final labels on event time.

Every click opens a window of ``window_ms``. A gift is credited to the user's latest click in the same live
room at or before the gift, if the gift is at most ``window_ms`` after that click; otherwise it is an orphan.
Labels come out at observation points (``observe_ms`` after the click, and when the user leaves) and as a
final label once the window has closed. A provisional label of a click that has not gifted yet leaves
``gift_prob`` and ``expected_amount`` empty: labels/label_corrector.py fills them in one place for all
shards, and learns from the final labels.

The caller drives time: ``due(t)`` emits every label whose observation point is strictly before ``t``,
in (time, click id) order, so labels and the survival model do not depend on how time was chunked.
"""

from __future__ import annotations

import heapq
from typing import Any

from giftlive.compact_state import CompactState
from labels.click_window import ClickWindow
from labels.records import FINAL, PROVISIONAL, orphan_label

DEFAULT_WINDOW_MS = 3_600_000
DEFAULT_OBSERVE_MS: tuple[int, ...] = (60_000,)
_FINAL_POINT = -1
FIRST_GIFT_MS = "_first_gift_ms"  # carried by final labels from the book to the corrector, not output


def point_name(observe_ms: int) -> str:
    """Label-id suffix of an observation point: ``60s``, or ``1500ms`` when not whole seconds."""
    return f"{observe_ms // 1000}s" if observe_ms % 1000 == 0 else f"{observe_ms}ms"


class LabelBook(CompactState):
    __slots__ = ("window_ms", "observe_ms", "windows", "latest", "schedule")

    def __init__(self, window_ms: int = DEFAULT_WINDOW_MS, observe_ms: tuple[int, ...] = DEFAULT_OBSERVE_MS):
        self.window_ms = window_ms
        self.observe_ms = tuple(sorted(ms for ms in observe_ms if 0 <= ms < window_ms))
        self.windows: dict[str, ClickWindow] = {}
        self.latest: dict[tuple[int, int], str] = {}  # (user, live) -> the click a gift there would go to
        self.schedule: list[tuple[int, str, int]] = []  # (due time, click id, observation index or -1)

    def open(self, click: dict[str, Any], segment: str, row: Any) -> bool:
        """Start the window of ``click``; ``row`` (its features) comes back with the final label.

        False (and nothing changes) if a click with this id already has an open window."""
        if click["id"] in self.windows:
            return False
        window = ClickWindow(click, segment, row)
        self.windows[window.click_id] = window
        self.latest[(window.user_id, window.live_id)] = window.click_id
        for i, ms in enumerate(self.observe_ms):
            heapq.heappush(self.schedule, (window.ts + ms, window.click_id, i))
        heapq.heappush(self.schedule, (window.ts + self.window_ms, window.click_id, _FINAL_POINT))
        return True

    def credit(self, gift: dict[str, Any]) -> dict[str, Any] | None:
        """Attribute ``gift``; returns an orphan label when no click can take it."""
        click_id = self.latest.get((gift["user_id"], gift["live_id"]))
        window = self.windows.get(click_id) if click_id is not None else None
        if window is None or gift["ts"] - window.ts > self.window_ms:
            return orphan_label(gift)
        window.credit(gift["ts"], gift["amount"])
        return None

    def leave(self, dwell: dict[str, Any]) -> dict[str, Any] | None:
        """The provisional label at leave for the click this dwell closes, if its window is still open."""
        click_id = self.latest.get((dwell["user_id"], dwell["live_id"]))
        window = self.windows.get(click_id) if click_id is not None else None
        if window is None or window.ts != dwell["ts"] - dwell["watch_ms"]:
            return None
        return self._provisional(window, dwell["ts"], "leave")

    def due(self, before_ms: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(labels, training rows) for every observation point strictly before ``before_ms``."""
        labels: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        schedule = self.schedule
        while schedule and schedule[0][0] < before_ms:
            at, click_id, point = heapq.heappop(schedule)
            window = self.windows[click_id]
            if point == _FINAL_POINT:
                labels.append(self._final(window))
                rows.append(self._training_row(window))
            else:
                labels.append(self._provisional(window, at, point_name(self.observe_ms[point])))
        return labels, rows

    def _provisional(self, window: ClickWindow, at: int, point: str) -> dict[str, Any]:
        gift_prob, expected = (1.0, window.amount) if window.count else (None, None)
        return self._label(window, f"{window.click_id}@{point}", PROVISIONAL, at, gift_prob, expected)

    def _final(self, window: ClickWindow) -> dict[str, Any]:
        del self.windows[window.click_id]
        key = (window.user_id, window.live_id)
        if self.latest.get(key) == window.click_id:
            del self.latest[key]
        at = window.ts + self.window_ms
        label = self._label(
            window, f"{window.click_id}@final", FINAL, at, float(window.count > 0), window.amount
        )
        label[FIRST_GIFT_MS] = window.first_gift_delay_ms  # for the corrector, which takes it off
        return label

    @staticmethod
    def _label(
        window: ClickWindow, label_id: str, kind: str, at: int, prob: float | None, expected: float | None
    ) -> dict:
        return {
            "label_id": label_id,
            "kind": kind,
            "click_id": window.click_id,
            "gift_id": None,
            "user_id": window.user_id,
            "streamer_id": window.streamer_id,
            "live_id": window.live_id,
            "click_ts": window.ts,
            "ts": at,
            "elapsed_ms": at - window.ts,
            "segment": window.segment,
            "amount": window.amount,
            "count": window.count,
            "gift_prob": prob,
            "expected_amount": expected,
        }

    @staticmethod
    def _training_row(window: ClickWindow) -> dict[str, Any]:
        row = dict(window.row)
        row["label_amount"] = window.amount
        row["label_count"] = window.count
        row["label_first_gift_ms"] = window.first_gift_delay_ms
        return row

    def __len__(self) -> int:
        return len(self.windows)
