"""A sweep on a real TLS Dask cluster: certificates from openssl, scheduler and worker started by
``dask``, critmin connecting with ``--scheduler tls://``. The result is the in-process result to the
byte, and a client without the cluster's certificates cannot join.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from critmin.sweep.run import run_sweep
from critmin.sweep.store import sha256_file
from tests.sweep.conftest import write_sweep

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificates")
DASK = str(Path(sys.executable).with_name("dask"))
CRITMIN = str(Path(sys.executable).with_name("critmin"))


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(folder: Path, name: str = "ca") -> dict[str, Path]:
    """A certificate authority and one certificate it signs for 127.0.0.1 (scheduler, worker, client)."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=folder)  # fmt: skip
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "node.key", "-out", "node.csr", cwd=folder)  # fmt: skip
    _openssl("x509", "-req", "-in", "node.csr", "-CA", f"{name}.pem", "-CAkey", f"{name}.key",
             "-CAcreateserial", "-days", "2", "-extfile", "san.cnf", "-out", "node.pem", cwd=folder)  # fmt: skip
    return {"ca": folder / f"{name}.pem", "cert": folder / "node.pem", "key": folder / "node.key"}


def tls_environment(certs: dict[str, Path]) -> dict[str, str]:
    """Dask configuration as environment variables: encryption required, every role with the cert."""
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True"}
    env["DASK_DISTRIBUTED__COMM__TLS__CA_FILE"] = str(certs["ca"])
    for role in ("SCHEDULER", "WORKER", "CLIENT"):
        env[f"DASK_DISTRIBUTED__COMM__TLS__{role}__CERT"] = str(certs["cert"])
        env[f"DASK_DISTRIBUTED__COMM__TLS__{role}__KEY"] = str(certs["key"])
    return env


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("tls")
    env = tls_environment(make_certificates(folder / "certs"))
    info = folder / "scheduler.json"
    logs = [open(folder / f"{n}.log", "wb") for n in ("scheduler", "worker")]  # noqa: SIM115
    scheduler = subprocess.Popen(
        [DASK, "scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(info)],
        env=env, stdout=logs[0], stderr=subprocess.STDOUT,
    )  # fmt: skip
    procs = [scheduler]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text(encoding="utf-8"))["address"]
        procs.append(
            subprocess.Popen(
                [DASK, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                env=env,
                stdout=logs[1],
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        yield address, env
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)
        for log in logs:
            log.close()


def test_sweep_on_tls_cluster_equals_in_process(tls_cluster: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    address, env = tls_cluster
    assert address.startswith("tls://127.0.0.1:")
    sweep_file = write_sweep(tmp_path, draws=4, horizon=3)
    out = tmp_path / "tls"
    done = subprocess.run(
        [CRITMIN, "sweep", str(sweep_file), "--scheduler", address, "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    run_sweep(sweep_file, workers=0, out=tmp_path / "inproc", progress=False)
    assert sha256_file(out / "sweep.nc") == sha256_file(tmp_path / "inproc" / "sweep.nc")


def test_client_with_another_authority_cannot_join(tls_cluster: tuple[str, dict[str, str]], sweep_file: Path,
                                                   tmp_path: Path) -> None:  # fmt: skip
    address, _ = tls_cluster
    stranger = tls_environment(make_certificates(tmp_path / "other", name="other-ca"))
    stranger["DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT"] = "5s"
    done = subprocess.run(
        [CRITMIN, "sweep", str(sweep_file), "--scheduler", address, "--out",
         str(tmp_path / "x")],
        env=stranger, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{address}, field '--scheduler': cannot reach a Dask scheduler there" in done.stderr
    assert not (tmp_path / "x" / "sweep.nc").exists()
