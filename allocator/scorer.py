"""A value for every live room, for policies that pick among all eligible live rooms at once.

The allocator never imports a world: whoever builds it (the simulator, with a synthetic world's truth, say)
injects a scorer. It gets the user, the live rooms and their streamers and the request time, and returns the
value of showing each room to that user now (the oracle: P(click | shown) x E[gift amount | click])."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Scorer(Protocol):
    def __call__(self, user_id: int, live_ids: np.ndarray, streamers: np.ndarray, now_ms: int) -> np.ndarray:
        """One value per room (>= 0; higher is better)."""
        ...
