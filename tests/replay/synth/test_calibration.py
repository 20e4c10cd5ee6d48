"""The default demo world reproduces the published KuaiLive statistics (tolerances from the issue)."""

import hashlib

import pytest

from cli.main import main
from replay.kuailive_stats import compute_stats
from replay.synth.params import WorldParams
from replay.synth.world import synthesize


@pytest.fixture(scope="module")
def stats(tmp_path_factory) -> dict:
    world = tmp_path_factory.mktemp("demo_world")
    synthesize(world, WorldParams(), progress=False)
    return compute_stats(world)


@pytest.mark.parametrize(
    ("key", "target", "tolerance", "relative"),
    [
        ("gift_rate", 0.0148, 0.0025, False),
        ("amount_p50", 2, 0.0, False),
        ("amount_p90", 88, 0.30, True),
        ("amount_p99", 1488, 0.35, True),
        ("price1_share", 0.44, 0.08, False),
        ("user_gini", 0.942, 0.03, False),
        ("user_top1_share", 0.599, 0.08, False),
        ("streamer_gini", 0.930, 0.03, False),
        ("streamer_top1_share", 0.534, 0.10, False),
        ("cold_start_streamer_share", 0.922, 0.04, False),
        ("delay_zero_share", 0.86, 0.06, False),
        ("delay_p90_s", 1000, 0.50, True),
        ("delay_p99_s", 8600, 0.50, True),
        ("watch_p50_s", 5, 0.50, True),
        ("watch_p90_s", 1000, 0.50, True),
        ("first_pair_conversion", 0.0111, 0.25, True),
        ("repeat_click_share", 0.042, 0.25, True),
    ],
)
def test_statistic_matches_kuailive(stats, key, target, tolerance, relative):
    bound = tolerance * target if relative else tolerance
    assert abs(stats[key] - target) <= bound, f"{key} = {stats[key]:.4g}, KuaiLive {target} ± {bound:.4g}"


def test_repeat_pairs_convert_far_more_often(stats):
    # KuaiLive: 11.05% vs 1.11%.
    assert stats["repeat_pair_conversion"] >= 6 * stats["first_pair_conversion"]


def test_demo_world_is_big_enough_to_mean_something(stats):
    assert stats["clicks"] > 400_000 and stats["gifts"] > 5_000


def test_same_seed_same_files_different_seed_different_files(tmp_path):
    def digest(seed: int, name: str) -> str:
        out = tmp_path / f"{name}"
        assert (
            main(
                [
                    "data",
                    "synth",
                    "--out",
                    str(out),
                    "--users",
                    "80",
                    "--streamers",
                    "800",
                    "--days",
                    "2",
                    "--seed",
                    str(seed),
                ]
            )
            == 0
        )
        return hashlib.sha256((out / "click.csv").read_bytes() + (out / "gift.csv").read_bytes()).hexdigest()

    assert digest(1, "a") == digest(1, "b")
    assert digest(1, "a") != digest(2, "c")


def test_stats_json_has_the_documented_keys(tmp_path, capsys):
    import orjson

    out = tmp_path / "w"
    assert (
        main(["data", "synth", "--out", str(out), "--users", "60", "--streamers", "600", "--days", "2"]) == 0
    )
    capsys.readouterr()
    assert main(["data", "stats", str(out), "--json"]) == 0
    stats = orjson.loads(capsys.readouterr().out)
    for key in (
        "clicks",
        "gifts",
        "gift_rate",
        "amount_p50",
        "amount_p90",
        "amount_p99",
        "user_gini",
        "streamer_gini",
        "user_top1_share",
        "streamer_top1_share",
        "cold_start_streamer_share",
        "delay_zero_share",
        "delay_p90_s",
        "delay_p99_s",
        "watch_p50_s",
        "watch_p90_s",
    ):
        assert key in stats


def test_bad_scale_is_a_one_line_error(tmp_path, capsys):
    assert main(["data", "synth", "--out", str(tmp_path / "x"), "--users", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--users" in err
