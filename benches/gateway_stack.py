"""The gateway benchmark's processes, each as deployed: the engine's gRPC server
(benches/gateway_engine.py), the gateway (``python -m gateway --config ... --env-file
...``, uvicorn) and the load generator (benches/gateway_load.mjs, Node). Every
process has its own interpreter, so none shares a GIL or an event loop with another;
they do share the machine's cores, which is why each one's CPU time is read from
/proc and reported beside the latencies."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from gateway.auth.keys import KeyRing, new_private_key_pem
from gateway.auth.service import AuthService
from gateway.config import GatewayConfig, env_name, parse_config
from gateway.store import Database
from tests.engine_support import config_dict, free_port

ROOT = Path(__file__).resolve().parent.parent
BENCHES = Path(__file__).resolve().parent
KID = "bench-key-1"
ISSUER, AUDIENCE = "arbx-gateway", "arbx-engine"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def memory_mib(pid: int) -> dict[str, float]:
    """Resident memory now and its peak (VmRSS, VmHWM) in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = round(int(value.split()[0]) / 1024, 1)
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    """n, p50, p99 (nearest rank) and max, in ms."""
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"n": len(ordered), "p50_ms": round(at(0.50), 2), "p99_ms": round(at(0.99), 2),
            "max_ms": round(ordered[-1] * 1000, 2)}


def _wait_line(process: subprocess.Popen[str], prefix: str, what: str) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith(prefix):
        raise RuntimeError(f"{what} did not start: {line!r}")
    return line.strip()


@dataclass
class Usage:
    """CPU seconds of the engine and the gateway over a measured window."""

    engine_cpu_s: float
    gateway_cpu_s: float


class GatewayStack:
    """Engine and gateway processes on loopback. ``users`` viewers are made through the
    gateway's own AuthService before it starts (it loads them at start-up): even ones
    call with an API key, odd ones with a JWT access token of a session, as a program
    and a dashboard would. ``restart_gateway`` runs the gateway again with other
    settings against the same engine and users."""

    def __init__(self, workdir: Path, users: int) -> None:
        self.workdir = workdir
        self.pem = new_private_key_pem()
        ring = KeyRing.from_pems({KID: self.pem}, [KID])
        engine_config = config_dict(workdir, auth={
            "api_keys": [], "jwt": ring.engine_config(ISSUER, AUDIENCE)})
        (workdir / "engine.json").write_text(json.dumps(engine_config))
        self.engine = subprocess.Popen(
            [sys.executable, str(BENCHES / "gateway_engine.py"), str(workdir / "engine.json")],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(workdir / "engine.log", "w"), text=True)  # noqa: SIM115 - lives with it
        self.engine_port = int(_wait_line(self.engine, "READY", "the engine").split()[1])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings: dict[str, Any] = {}
        config = self._write_gateway_config()
        self.credentials = asyncio.run(self._make_users(config, ring, users))
        self.gateway = self._start_gateway()

    def _write_gateway_config(self, **overrides: dict[str, Any]) -> GatewayConfig:
        raw: dict[str, Any] = {
            "server": {"host": "127.0.0.1", "port": self.port, "docs": False},
            "engine": {"target": f"127.0.0.1:{self.engine_port}"},
            "database": {"path": str(self.workdir / "gateway.db")},
            # an hour: the bench's tokens must not expire during the run
            "tokens": {"issuer": ISSUER, "audience": AUDIENCE, "signing_keys": [KID],
                       "access_ttl_s": 3600},
            "providers": [],
            # limits on, so their cost is measured, but high enough for the load: every
            # user comes from 127.0.0.1, and back-to-back users ask faster than 20/s
            "rate_limits": {"per_ip": {"rate_per_s": 100_000, "burst": 100_000},
                            "per_user": {"rate_per_s": 100_000, "burst": 100_000}},
        }
        for section, values in overrides.items():
            raw[section] = {**raw.get(section, {}), **values}
        (self.workdir / "auth_config.yaml").write_text(yaml.safe_dump(raw))
        escaped = self.pem.strip().replace("\n", "\\n")
        (self.workdir / ".env").write_text(
            f"ARBX_GATEWAY_SESSION_SECRET={'bench-session-secret-' * 3}\n"
            f'{env_name("SIGNING_KEY_", KID)}="{escaped}"\n')
        return parse_config(raw)

    @staticmethod
    async def _make_users(config: GatewayConfig, ring: KeyRing, n: int) -> list[str]:
        db = Database(config.database.path)
        try:
            auth = AuthService(config, db, ring)
            await auth.load()
            credentials = []
            for i in range(n):
                user = await db.call(db.upsert_login, "bench", f"user{i}", None, f"u{i}", None,
                                     "viewer", None)
                if i % 2 == 0:
                    key = await auth.api_keys.create(user.id, "bench", "viewer", None)
                    credentials.append(key.key)
                else:
                    session = await auth.sessions.start(user, "127.0.0.1", "bench")
                    credentials.append(auth.tokens.access_token(
                        user.id, user.role, session.session_id)[0])
            return credentials
        finally:
            db.close()

    def _start_gateway(self) -> subprocess.Popen[bytes]:
        gateway = subprocess.Popen(
            [sys.executable, "-m", "gateway", "--config", str(self.workdir / "auth_config.yaml"),
             "--env-file", str(self.workdir / ".env")],
            cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "gateway.log", "w"))  # noqa: SIM115
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if gateway.poll() is not None:
                raise RuntimeError("the gateway exited:\n" + self.log("gateway"))
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return gateway
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the gateway did not become ready:\n" + self.log("gateway"))

    def restart_gateway(self, **overrides: dict[str, Any]) -> None:
        """The gateway again, its config changed by ``overrides`` ({section: {key: value}})."""
        if overrides == self.settings:
            return
        self._stop_gateway()
        self._write_gateway_config(**overrides)
        self.settings = overrides
        self.gateway = self._start_gateway()

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text()[-4000:]

    def shared_reads(self) -> dict[str, float]:
        """The gateway's shared engine reads so far, by source (cache, engine)."""
        text = httpx.get(self.url + "/metrics", timeout=5).text
        found = re.findall(r'^arbx_gateway_engine_shared_reads_total\{source="(\w+)"\} (\S+)$',
                           text, re.MULTILINE)
        return {source: float(value) for source, value in found}

    def new_block(self, chain_id: int = 1) -> None:
        assert self.engine.stdin is not None and self.engine.stdout is not None
        self.engine.stdin.write(f"block {chain_id}\n")
        self.engine.stdin.flush()
        _wait_line(self.engine, "ok", "the block")

    def usage(self) -> Usage:
        return Usage(cpu_seconds(self.engine.pid), cpu_seconds(self.gateway.pid))

    def usage_since(self, start: Usage) -> dict[str, float]:
        now = self.usage()
        return {"engine_cpu_s": round(now.engine_cpu_s - start.engine_cpu_s, 2),
                "gateway_cpu_s": round(now.gateway_cpu_s - start.gateway_cpu_s, 2)}

    def _stop_gateway(self) -> None:
        self.gateway.terminate()
        try:
            self.gateway.wait(15)
        except subprocess.TimeoutExpired:
            self.gateway.kill()

    def stop(self) -> None:
        self._stop_gateway()
        assert self.engine.stdin is not None
        self.engine.stdin.close()
        try:
            self.engine.wait(15)
        except subprocess.TimeoutExpired:
            self.engine.kill()


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("node (Node.js 20) is needed for the gateway's load generator")
    return found


def load_command(mode: str, url: str, spec_path: Path) -> list[str]:
    runtime = node()
    major = int(subprocess.run([runtime, "--version"], capture_output=True, text=True,
                               check=True).stdout.strip().lstrip("v").split(".")[0])
    # Node 20 has its WebSocket client behind a flag (on by default from Node 22)
    flags = ["--experimental-websocket"] if mode == "ws" and major < 22 else []
    return [runtime, *flags, str(BENCHES / "gateway_load.mjs"), mode, url, str(spec_path)]
