"""`arbx serve` starts from a config file and answers `arbx status` (real processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.engine_support import KEYS, config_dict, free_port

REPO = Path(__file__).resolve().parents[1]


def _arbx(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_serve_then_status(tmp_path: Path) -> None:
    port = free_port()
    data = config_dict(tmp_path)
    data["api"]["port"] = port
    config = tmp_path / "config.json"
    config.write_text(json.dumps(data))
    env = {**os.environ, "ARBX_JWT_SECRET": "cli-test-secret-cli-test-secret-!!"}
    server = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--config", str(config), "--no-chain"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.stderr is not None
        line = server.stderr.readline()  # the first log line: serving
        assert json.loads(line)["msg"] == "engine serving", line
        status = _arbx("status", "--target", f"127.0.0.1:{port}", "--token", KEYS["viewer"], "--json")
        assert status.returncode == 0, status.stderr
        reply = json.loads(status.stdout)
        assert reply["mode"] == "MODE_WATCH" and [c["name"] for c in reply["chains"]] == ["test-1", "test-2"]
        denied = _arbx("status", "--target", f"127.0.0.1:{port}")
        assert denied.returncode == 1 and "UNAUTHENTICATED" in denied.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0
    assert (tmp_path / "arbitrage.db").exists()


def test_config_check_reports_the_key(tmp_path: Path) -> None:
    data = config_dict(tmp_path)
    del data["chains"][0]["name"]
    config = tmp_path / "config.json"
    config.write_text(json.dumps(data))
    result = _arbx("config", "check", "--config", str(config))
    assert result.returncode == 2
    assert "config.json: chains[0].name: Field required" in result.stderr


def test_apikey_new_prints_a_matching_hash() -> None:
    import hashlib

    result = _arbx("apikey", "new", "--role", "viewer")
    key = result.stdout.split("shown once): ")[1].split()[0]
    entry = json.loads(result.stdout.split("entry: ")[1])
    assert entry == {"name": "client", "role": "viewer",
                     "sha256": hashlib.sha256(key.encode()).hexdigest()}
