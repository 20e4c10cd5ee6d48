"""docker-compose.yml agrees with the code: every giftlive command it runs exists with those flags, and the
topics it creates are the events topic and the flow's outputs (flows/outputs.py). Docker itself does not run
on the development machines, so this is what keeps the compose file honest."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from cli.main import main
from flows.outputs import OUTPUTS
from giftlive.config import EVENTS_TOPIC

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def _scripts() -> list[str]:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    scripts = []
    for service in services.values():
        command = service.get("command") or []
        scripts.extend([command] if isinstance(command, str) else command)
    return scripts


def _giftlive_commands() -> list[list[str]]:
    commands = []
    for script in _scripts():
        for line in script.splitlines():
            if re.search(r"(^|\s)giftlive\s", line.strip()):  # the command, not a path like /tmp/giftlive
                words = shlex.split(line.strip())
                commands.append(words[words.index("giftlive") + 1 :])
    return commands


def test_the_compose_file_runs_the_flow_and_the_replay():
    subcommands = {words[0] for words in _giftlive_commands()}
    assert {"run", "replay"} <= subcommands


@pytest.mark.parametrize("words", _giftlive_commands(), ids=lambda w: " ".join(w[:2]))
def test_every_giftlive_command_in_the_compose_file_exists_with_its_flags(words, capsys):
    with pytest.raises(SystemExit) as exited:
        main([words[0], "--help"])
    assert exited.value.code == 0
    help_text = capsys.readouterr().out
    for flag in (w for w in words if w.startswith("--")):
        assert flag in help_text, f"giftlive {words[0]} has no {flag}"


def test_the_topics_it_creates_are_the_events_topic_and_the_flows_outputs():
    loops = [m.group(1) for s in _scripts() for m in re.finditer(r"for t in ([^;]+); do", s)]
    assert len(loops) == 1
    assert set(loops[0].split()) == {EVENTS_TOPIC, *(output.topic for output in OUTPUTS)}


def test_prometheus_scrapes_the_port_the_flow_serves_its_metrics_on():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    run = next(words for words in _giftlive_commands() if words[0] == "run")
    port = run[run.index("--metrics-port") + 1]
    volume = next(
        v for v in services["prometheus"]["volumes"] if v.endswith("/etc/prometheus/prometheus.yml:ro")
    )
    config = yaml.safe_load((COMPOSE.parent / volume.split(":")[0]).read_text())
    targets = [t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]]
    assert targets == [f"flow:{port}"]
    assert f"127.0.0.1:{port}:{port}" in services["flow"]["ports"]
