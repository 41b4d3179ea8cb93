"""The Spark engine over Spark Connect, as a remote cluster (Databricks Connect among them)
is reached: pyspark's own Connect server, started on the loopback interface for this module,
runs the sample report and gives the embedded engine's numbers.

The server is pyspark's ``sbin/start-connect-server.sh`` (its jar ships with pyspark); it
logs and keeps its pid file in a temporary folder and is stopped by
``sbin/stop-connect-server.sh`` when the module ends, whether its tests pass or not.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import campaign_perf as cp

pytest.importorskip("pyspark")
pytest.importorskip("grpc")  # Spark Connect's client: the [spark] extra installs it
if shutil.which("java") is None:  # pragma: no cover - `make test` installs a Java runtime
    pytest.skip("Spark needs a Java runtime", allow_module_level=True)

import pyspark
from pyspark.sql import SparkSession

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # PySpark's notice about pandas 3
    from pyspark.sql.connect.session import SparkSession as RemoteSession
from _parity import REPORTS
from _parity import normalised as _normalised
from test_spark import DATA, DIMS

from campaign_perf.spark import SparkEventLog, load_events_spark

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

SPARK_HOME = Path(pyspark.__file__).parent
#: Seconds the server may take to listen (a cold JVM on a busy machine); not a test of speed.
STARTUP_LIMIT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie, exited but not yet reaped, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _log_tail(log_dir: Path) -> str:
    text = "".join(p.read_text(errors="replace") for p in sorted(log_dir.glob("*.out")))
    return "\n".join(text.splitlines()[-40:])


@pytest.fixture(scope="module")
def connect_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    """``sc://127.0.0.1:PORT`` of a Spark Connect server (local[2]) running for this module."""
    base = tmp_path_factory.mktemp("spark-connect")
    log_dir, pid_dir = base / "log", base / "pid"
    port = _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOG_DIR": str(log_dir),
        "SPARK_PID_DIR": str(pid_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    conf = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.warehouse.dir": str(base / "warehouse"),
    }
    args = [str(SPARK_HOME / "sbin" / "start-connect-server.sh"), "--master", "local[2]"]
    for key, value in conf.items():
        args += ["--conf", f"{key}={value}"]

    def stop() -> None:
        pids = [int(p.read_text()) for p in pid_dir.glob("*.pid")]
        subprocess.run(
            [str(SPARK_HOME / "sbin" / "stop-connect-server.sh")],
            env=env,
            cwd=base,
            check=False,
            capture_output=True,
        )
        for pid in pids:  # the script sends SIGTERM; wait until the JVM is gone
            for _ in range(120):
                if not _alive(pid):
                    break
                time.sleep(0.5)
            else:
                os.kill(pid, 9)

    request.addfinalizer(stop)  # before starting: a server that half-started is stopped too
    subprocess.run(args, env=env, cwd=base, check=True, capture_output=True)
    pid = int(next(pid_dir.glob("*.pid")).read_text())
    deadline = time.monotonic() + STARTUP_LIMIT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if not _alive(pid) or time.monotonic() > deadline:
                pytest.fail(f"the Spark Connect server did not start:\n{_log_tail(log_dir)}")
            time.sleep(0.5)
    return f"sc://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def remote(connect_url: str) -> Iterator[SparkSession]:
    """A Spark Connect session. Creating one switches pyspark into Connect mode for the
    whole process (an environment variable); it is switched back afterwards, so that
    later tests can start local Spark."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARK_CONNECT_MODE_ENABLED", "1")
        session = SparkSession.builder.remote(connect_url).getOrCreate()
        yield session
        session.stop()


@pytest.fixture(scope="module")
def sample(remote: SparkSession) -> tuple[cp.EventLog, SparkEventLog]:
    """The sample data loaded by the embedded engine and over Spark Connect."""
    events = str(DATA / "events.parquet")
    return cp.load_events(events, **DIMS), load_events_spark(events, remote, **DIMS)


def _temp_views(spark: SparkSession) -> set[str]:
    return {t.name for t in spark.catalog.listTables() if t.isTemporary}


def test_spark_connect_loads_the_sample_like_the_embedded_loader(sample) -> None:
    duck, remote_log = sample
    assert isinstance(remote_log.spark, RemoteSession)  # not a local session in disguise
    assert str(remote_log.summary()) == str(duck.summary())
    pd.testing.assert_frame_equal(remote_log.duplicates, duck.duplicates)


@pytest.mark.parametrize("name", list(REPORTS))
def test_sample_reports_are_identical_over_spark_connect(sample, name: str) -> None:
    duck, remote_log = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected, got = (
            REPORTS[name](cp.Report(log, time_frame="past 30 days", today="as_of"))
            for log in (duck, remote_log)
        )
    table = got.table()
    assert table["sent"].sum() > 0
    pd.testing.assert_frame_equal(table, expected.table())
    pd.testing.assert_series_equal(got.total(), expected.total())


def test_a_messy_csv_gives_the_same_ledger_and_events_then_closes(remote) -> None:
    path = str(DATA / "messy_events.csv")
    views = _temp_views(remote)
    duck = cp.load_events(path, warn=False)
    remote_log = load_events_spark(path, remote, warn=False)
    assert str(remote_log.summary()) == str(duck.summary())
    pd.testing.assert_frame_equal(_normalised(remote_log.rejected), _normalised(duck.rejected))
    pd.testing.assert_frame_equal(_normalised(remote_log.events), _normalised(duck.events))
    pd.testing.assert_frame_equal(cp.Report(remote_log).table(), cp.Report(duck).table())
    assert remote_log.events_view in _temp_views(remote)
    remote_log.close()  # releases what the log cached on the server, and drops its views
    assert _temp_views(remote) == views


def test_a_missing_path_is_a_load_error_over_spark_connect(remote, tmp_path: Path) -> None:
    missing = tmp_path / "no such events.parquet"
    with pytest.raises(cp.LoadError, match=r"no such events\.parquet: cannot be read"):
        load_events_spark(str(missing), remote)
