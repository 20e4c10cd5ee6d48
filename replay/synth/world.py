"""Sample a synthetic KuaiLive world and write it in the exact KuaiLive schema, with its ground truth.

Feed requests (user, time) are served by the organic feed (the logging policy), each impression is clicked
or not (click.csv / negative.csv), clicked sessions are sampled from the ground truth (watch, gifts, likes,
comments). Work goes in time-ordered batches so the full scale (~17.6M impressions) fits in a few GB.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from giftlive.errors import UserError
from replay.synth.feed import OrganicFeed
from replay.synth.kuailive_writer import KuaiLiveWriter
from replay.synth.params import WorldParams, sample_china_times
from replay.synth.population import Population, sample_population
from replay.synth.rooms import Rooms, sample_rooms
from replay.synth.truth import GroundTruth

_BATCH_REQUESTS = 2_000_000

IMPRESSION_SCHEMA = pa.schema(
    [
        ("file", pa.string()),  # click | negative | lost (a click that never reached the click log)
        ("row", pa.int64()),  # data row in that file (-1 for lost clicks)
        ("user_id", pa.int64()),
        ("streamer_id", pa.int64()),
        ("live_id", pa.int64()),
        ("timestamp", pa.int64()),
        ("propensity", pa.float64()),  # logging policy's probability of showing this room to this user now
    ]
)


@dataclass
class SynthReport:
    directory: Path
    rooms: int = 0
    requests: int = 0
    impressions: int = 0
    clicks: int = 0
    lost_clicks: int = 0
    gifts: int = 0
    likes: int = 0
    comments: int = 0
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)


def sample_requests(params: WorldParams, activity: np.ndarray, rng: np.random.Generator):
    """Feed requests: Poisson count per user, evening-heavy China-time hours; sorted by time."""
    counts = rng.poisson(activity * params.days)
    users = np.repeat(np.arange(activity.size, dtype=np.int64), counts)
    n = users.size
    ts = sample_china_times(params, n, rng)
    order = np.argsort(ts, kind="stable")
    return users[order], ts[order]


@dataclass
class WorldModel:
    """A synthetic world as a simulator needs it: its truth, rooms, organic feed and feed requests (user,
    time; sorted by time), re-derived from the saved parameters with the very draws ``synthesize`` made."""

    truth: GroundTruth
    rooms: Rooms
    feed: OrganicFeed
    request_users: np.ndarray
    request_ts: np.ndarray


def _derive(
    params: WorldParams, rng: np.random.Generator
) -> tuple[Population, Rooms, np.ndarray, np.ndarray]:
    """Population, rooms and feed requests: the first draws of a world, in this order."""
    population = sample_population(params, rng)
    rooms = sample_rooms(params, population.room_rate, population.room_minutes, rng)
    users, ts = sample_requests(params, population.activity, rng)
    return population, rooms, users, ts


def load_world(directory: Path) -> WorldModel:
    """The world in ``directory`` (written by `giftlive data synth`); a UserError when it has no truth or
    was written by a generator that draws differently."""
    truth = GroundTruth.load(directory)
    population, rooms, users, ts = _derive(truth.params, np.random.default_rng(truth.params.seed))
    if not np.array_equal(population.activity, truth.population.activity):
        raise UserError(
            f"{directory} was written by another version of the world generator: its rooms and requests "
            "cannot be re-derived; synthesize it again with `giftlive data synth`"
        )
    return WorldModel(truth, rooms, OrganicFeed(truth.population, rooms), users, ts)


def synthesize(out_dir: Path, params: WorldParams, progress: bool = True) -> SynthReport:
    started = time.monotonic()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(params.seed)
    population, rooms, users, ts = _derive(params, rng)
    truth = GroundTruth(params, population)
    truth.save(out_dir)
    feed = OrganicFeed(population, rooms)
    report = SynthReport(directory=out_dir, rooms=rooms.size, requests=int(users.size))
    _say(
        progress,
        f"synth: {params.users:,} users, {params.streamers:,} streamers, {rooms.size:,} rooms, "
        f"{users.size:,} feed requests over {params.days} days",
    )

    writer = KuaiLiveWriter(out_dir)
    impressions_path = out_dir / "truth" / "impressions.parquet"
    late: dict[str, list[np.ndarray]] = {"gift": [], "like": [], "comment": []}
    with pq.ParquetWriter(impressions_path, IMPRESSION_SCHEMA) as impressions:
        for start in range(0, users.size, _BATCH_REQUESTS):
            batch = slice(start, start + _BATCH_REQUESTS)
            _simulate_batch(
                truth, feed, rooms, users[batch], ts[batch], rng, writer, impressions, late, report
            )
            _say(
                progress,
                f"synth: {min(start + _BATCH_REQUESTS, users.size):,}/{users.size:,} requests, "
                f"{report.clicks:,} clicks, {report.gifts:,} gifts, {time.monotonic() - started:.0f}s",
            )
    for kind, parts in late.items():
        writer.write_interactions(
            kind, np.concatenate(parts, axis=1) if parts else np.zeros((4, 0), np.int64)
        )
    writer.write_rooms(rooms)
    writer.write_profiles(population, rng)
    writer.close()
    report.files = writer.files
    report.seconds = time.monotonic() - started
    return report


def _simulate_batch(
    truth: GroundTruth,
    feed: OrganicFeed,
    rooms: Rooms,
    users: np.ndarray,
    ts: np.ndarray,
    rng: np.random.Generator,
    writer: KuaiLiveWriter,
    impressions: pq.ParquetWriter,
    late: dict[str, list[np.ndarray]],
    report: SynthReport,
) -> None:
    served = feed.serve(users, ts, rng)
    users, ts, room = users[served.request], ts[served.request], served.room
    streamer, live_id = rooms.streamer[room], rooms.live_id[room]
    clicked = truth.sample_clicks(users, streamer, rng)
    logged = clicked & (rng.random(users.size) >= truth.params.click_log_loss)

    neg = ~clicked
    neg_rows = writer.write_negatives(users[neg], live_id[neg], streamer[neg], ts[neg])
    c = np.flatnonzero(clicked)
    sessions = truth.sample_session(users[c], streamer[c], ts[c], rooms.end[room[c]], rng)
    in_log = logged[c]
    click_rows = writer.write_clicks(
        users[c][in_log], live_id[c][in_log], streamer[c][in_log], ts[c][in_log], sessions.watch_ms[in_log]
    )

    file = np.where(clicked, np.where(logged, "click", "lost"), "negative")
    row = np.full(users.size, -1, dtype=np.int64)
    row[neg] = neg_rows
    row[c[in_log]] = click_rows
    impressions.write_table(
        pa.table(
            {
                "file": file,
                "row": row,
                "user_id": users,
                "streamer_id": streamer,
                "live_id": live_id,
                "timestamp": ts,
                "propensity": served.propensity,
            },
            schema=IMPRESSION_SCHEMA,
        )
    )

    def rows_of(owner: np.ndarray, when: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        cols = [users[c][owner], live_id[c][owner], streamer[c][owner], when]
        if extra is not None:
            cols.append(extra.astype(np.int64))
        return np.stack(cols)

    late["gift"].append(rows_of(sessions.gift_click, sessions.gift_ts, sessions.gift_amount))
    late["like"].append(rows_of(sessions.like_click, sessions.like_ts))
    late["comment"].append(rows_of(sessions.comment_click, sessions.comment_ts))
    report.impressions += int(users.size)
    report.clicks += int(in_log.sum())
    report.lost_clicks += int((~in_log).sum())
    report.gifts += int(sessions.gift_click.size)
    report.likes += int(sessions.like_click.size)
    report.comments += int(sessions.comment_click.size)


def _say(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)
