"""`python -m engine.devnet demo --check` (what `make demo` runs, checked and stopped):
the devnet, the local dev login, the engine trading live and the gateway with the
dashboard start from nothing on free ports, answer, record an opportunity or a
trade, and stop leaving no process behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from engine.devnet import artifacts
from engine.devnet.demo import DASHBOARD_DIR
from engine.devnet.node import ANVIL_BIN
from engine.devnet.paths import REPO_ROOT
from tests.engine_support import free_port

pytestmark = pytest.mark.chain


def _processes_with(marker: str) -> list[str]:
    """Processes whose environment holds ``marker`` (every descendant of the demo
    inherits it: the devnet's anvils, node, the engine, the gateway)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # gone, or not ours
            continue
    return found


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_demo_check_starts_everything_and_stops_clean(tmp_path: Path) -> None:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`", pytrace=False)
    if not artifacts.EXECUTOR_ARTIFACT.exists():
        pytest.fail("contracts/out is missing: run `cd contracts && tools/forge build`", pytrace=False)
    if not (DASHBOARD_DIR / "index.html").exists():
        pytest.fail("frontend/dist is missing: run `make frontend`", pytrace=False)
    marker = f"arbx-demo-test-{uuid.uuid4().hex}"
    gateway_port, engine_port, metrics_port = free_port(), free_port(), free_port()
    env = {**os.environ, "ARBX_DEMO_TEST_MARKER": marker}
    env.pop("ARBX_KEYSTORE_PASSWORD", None)  # the devnet's public dev password
    result = subprocess.run(
        [sys.executable, "-m", "engine.devnet", "demo", "--check", "--dir", str(tmp_path),
         "--gateway-port", str(gateway_port), "--engine-port", str(engine_port),
         "--metrics-port", str(metrics_port), "--base-port", "0", "--check-timeout", "120"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=480, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "check passed" in output and "FAILED" not in output, output
    for line in ("GET / serves the dashboard's index.html", "GET /api/v1/status",
                 "10 reference prices from the devnet's price feeds",
                 "arbx status", "role admin", "wrong password is refused", "opportunities recorded"):
        assert line in output, output

    assert _processes_with(marker) == [], output
    for port in (gateway_port, engine_port, metrics_port):
        assert not _listening(port), f"port {port} still answers"

    # Everything it generated is where it said, secrets private and the password nowhere.
    env_file = tmp_path / "gateway" / ".env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "gateway" / "auth_config.yaml").exists()
    # the engine's execution section is a per-component YAML file beside engine.json
    assert json.loads((tmp_path / "engine.json").read_text())["execution"] == "engine-execution.yaml"
    assert "mode: live" in (tmp_path / "engine-execution.yaml").read_text()
    for name in ("devnet", "devlogin", "engine", "gateway"):
        assert (tmp_path / "logs" / f"{name}.log").exists()
    from engine.devnet.keystore import DEV_PASSWORD

    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix not in (".db",):
            assert DEV_PASSWORD not in path.read_text(errors="replace"), path
    assert DEV_PASSWORD not in output
