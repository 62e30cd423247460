"""``python -m engine.devnet demo``: the whole system on this machine (``make demo``).

Starts, as subprocesses and in this order, each logging to ``.devnet/logs/<name>.log``:

1. ``devnet``: ``python -m engine.devnet up --simulate --dev-password`` (two anvil chains,
   the DEXes, the executor, the trader's keystore, the market simulator); waits for its
   config ``.devnet/devnet.json``.
2. The generated configuration, all under ``.devnet/`` (git-ignored):
   ``gateway/.env`` (0600: a fresh RS256 signing key, session secret and the dev login's
   client secret), ``gateway/auth_config.yaml`` (the dashboard, the engine's address, one
   login provider: the local dev login), ``gateway/gateway.db`` (fresh, with a viewer API
   key of the demo's ``viewer`` account) and ``engine.json`` (the devnet's config, its
   price feeds included + the gateway's ``keys engine-config --with-api-keys`` auth
   section + stores under ``.devnet/engine/``) whose ``execution`` section is the YAML
   file ``engine-execution.yaml`` (live execution with the devnet's keystore).
3. ``devlogin``: the local OpenID provider (``gateway/devlogin/provider.mjs``) with the
   demo accounts admin / trader / viewer.
4. ``engine``: ``arbx serve --config .devnet/engine.json``; the keystore password is the
   one the devnet used (``ARBX_KEYSTORE_PASSWORD``, else the devnet's public dev
   password) and reaches the engine through its environment only.
5. ``gateway``: ``python -m gateway --config .devnet/gateway/auth_config.yaml``; waits
   until ``GET /ready`` answers 200.

Then prints the dashboard's URL, the logins and ``arbx watch --token ...`` and waits;
Ctrl-C or SIGTERM stops everything in reverse order. A process that fails to start (or
dies later) has the tail of its log printed and the demo exits non-zero.

``--check`` starts everything, checks that the dashboard's index.html, the gateway's
``/api/v1/status`` (with the viewer API key), ``/api/v1/tokens`` with the devnet's
reference prices, ``arbx status`` against the engine and a full login as ``admin`` answer, waits (bounded) until the engine has recorded an
opportunity or a trade, then stops everything and exits 0 (1 if a check failed).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urljoin

import yaml

from engine.devnet import keystore
from engine.devnet.paths import DEVNET_DIR, REPO_ROOT

DASHBOARD_DIR = REPO_ROOT / "frontend" / "dist"
PROVIDER_SCRIPT = REPO_ROOT / "gateway" / "devlogin" / "provider.mjs"
PROVIDER_NAME = "local"
CLIENT_ID = "arbx-demo"
# The local dev login's accounts. Public on purpose, like the devnet's password: the
# provider and the gateway listen on loopback only.
DEMO_ACCOUNTS = {"admin": "arbx-admin", "trader": "arbx-trader", "viewer": "arbx-viewer"}
STOP_TIMEOUT_S = 20.0


class DemoError(Exception):
    """Something did not start; the message says what and where its log is."""


class Shutdown(Exception):
    """Raised in the main thread by SIGTERM / SIGINT so that cleanup runs."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Shutdown(signal.Signals(signum).name)


def _say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _die_with_parent() -> None:
    """In the child: SIGTERM when the demo itself dies (even by SIGKILL), so that a
    killed demo leaves nothing behind (Linux; elsewhere a no-op)."""
    os.setsid()  # its own process group: Ctrl-C reaches the demo only, which stops it in order
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    """One subprocess in its own process group, its output in ``log``."""

    name: str
    log: Path
    proc: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(cls, name: str, argv: list[str], log: Path, env: dict[str, str]) -> Child:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:  # the child keeps its own descriptor
            proc = subprocess.Popen(
                argv, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads yet
            )
        return cls(name, log, proc)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def failure(self, what: str) -> DemoError:
        state = "still running" if self.alive() else f"exited with {self.proc.returncode}"
        return DemoError(f"{self.name} {what} ({state}); the end of {self.log}:\n"
                         f"{self.tail() or '(empty)'}")

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM, then SIGKILL after ``timeout_s``; then whatever it left in its group."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                _say(f"  {self.name} did not stop within {timeout_s:.0f} s: killed")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # Grandchildren (the devnet's anvils) share the group: none may outlive it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


@dataclass
class Options:
    root: Path = DEVNET_DIR
    gateway_port: int = 8080
    engine_port: int = 50051
    base_port: int = 8545
    metrics_port: int = 9464
    login_port: int = 0
    check: bool = False
    check_timeout_s: float = 180.0
    gaps_per_minute: float | None = None


@dataclass
class Files:
    root: Path

    @property
    def devnet_config(self) -> Path:
        return self.root / "devnet.json"

    @property
    def pid_file(self) -> Path:
        return self.root / "devnet.pid"

    @property
    def keystore(self) -> Path:
        return self.root / "keystore" / "trader.json"

    @property
    def gateway_dir(self) -> Path:
        return self.root / "gateway"

    @property
    def gateway_env(self) -> Path:
        return self.gateway_dir / ".env"

    @property
    def gateway_config(self) -> Path:
        return self.gateway_dir / "auth_config.yaml"

    @property
    def gateway_db(self) -> Path:
        return self.gateway_dir / "gateway.db"

    @property
    def engine_config(self) -> Path:
        return self.root / "engine.json"

    @property
    def engine_execution(self) -> Path:
        return self.root / "engine-execution.yaml"

    @property
    def engine_dir(self) -> Path:
        return self.root / "engine"

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a new file gets the mode; an old one would keep its own
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


class Demo:
    def __init__(self, options: Options) -> None:
        self.o = options
        self.files = Files(options.root.resolve())
        self.children: list[Child] = []
        self.gateway_url = f"http://127.0.0.1:{options.gateway_port}"
        self.login_port = options.login_port or free_port()
        self.viewer_key = ""
        # Whatever the devnet is given (ARBX_KEYSTORE_PASSWORD or its public dev
        # default); it goes to the devnet and the engine through their environment only.
        self._password = keystore.password_from_env(allow_dev_default=True)

    # --- processes --------------------------------------------------------------------

    def _env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k != keystore.PASSWORD_ENV and not k.startswith("ARBX_GATEWAY_")}
        env["PYTHONUNBUFFERED"] = "1"
        env.update(extra)
        return env

    def _start(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        child = Child.start(name, argv, self.files.log(name), env)
        self.children.append(child)
        return child

    def _wait(self, child: Child, what: str, ready: Any, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if not child.alive():
                raise child.failure(f"stopped before {what}")
            if time.monotonic() > deadline:
                raise child.failure(f"did not get {what} within {timeout_s:.0f} s")
            time.sleep(0.2)

    def stop(self) -> None:
        for child in reversed(self.children):
            _say(f"stopping {child.name}")
            child.stop()
        self.children.clear()

    # --- the steps ----------------------------------------------------------------------

    def preflight(self) -> None:
        problems = []
        if not (DASHBOARD_DIR / "index.html").exists():
            problems.append(f"{DASHBOARD_DIR}/index.html is missing: run `make frontend`")
        if shutil.which("node") is None:
            problems.append("node is not on PATH (Node.js 20 runs the local dev login)")
        if not (REPO_ROOT / "node_modules" / "oidc-provider").exists():
            problems.append("node_modules/oidc-provider is missing: run `make npm`")
        fixed = [("--gateway-port", self.o.gateway_port), ("--engine-port", self.o.engine_port),
                 ("--metrics-port", self.o.metrics_port)]
        fixed += [("--base-port", self.o.base_port + i) for i in range(2)] if self.o.base_port else []
        for option, port in fixed:
            if port and _port_open(port):
                problems.append(f"port {port} ({option}) is in use: is another demo running? "
                                f"(or pick another {option})")
        if problems:
            raise DemoError("cannot start the demo:\n  " + "\n  ".join(problems))

    def start_devnet(self) -> None:
        self.files.devnet_config.unlink(missing_ok=True)  # wait for the new one
        argv = [sys.executable, "-m", "engine.devnet", "up", "--simulate", "--dev-password",
                "--config", str(self.files.devnet_config), "--keystore", str(self.files.keystore),
                "--pid-file", str(self.files.pid_file), "--base-port", str(self.o.base_port)]
        if self.o.gaps_per_minute is not None:
            argv += ["--gaps-per-minute", str(self.o.gaps_per_minute)]
        _say("starting the devnet (2 anvil chains, Uniswap V2/V3 + PancakeSwap, executor, "
             "market simulator)")
        child = self._start("devnet", argv,
                            self._env(**{keystore.PASSWORD_ENV: self._password}))
        self._wait(child, "its config " + str(self.files.devnet_config),
                   self.files.devnet_config.exists, timeout_s=300)

    def write_gateway_files(self) -> None:
        from gateway.auth.api_keys import PREFIX, hash_key
        from gateway.auth.keys import new_private_key_pem
        from gateway.config import env_name
        from gateway.store import ApiKeyRow, Database

        d = self.files.gateway_dir
        d.mkdir(parents=True, exist_ok=True)
        kid = "demo-" + time.strftime("%Y%m%d-%H%M%S")
        pem = new_private_key_pem().strip().replace("\n", "\\n")
        client_secret = secrets.token_urlsafe(32)
        self._client_secret = client_secret
        _write_private(self.files.gateway_env, "\n".join([
            "# Generated by `python -m engine.devnet demo` at every start; secrets of the demo's",
            "# gateway (see gateway/env.example). Never commit.",
            f"ARBX_GATEWAY_SESSION_SECRET={secrets.token_urlsafe(48)}",
            f'{env_name("SIGNING_KEY_", kid)}="{pem}"',
            f"{env_name('OAUTH_', PROVIDER_NAME)}_CLIENT_SECRET={client_secret}",
            "",
        ]))
        redirect = f"{self.gateway_url}/api/v1/auth/callback/{PROVIDER_NAME}"
        self._redirect_uri = redirect
        config = f"""\
# Generated by `python -m engine.devnet demo` at every start (see
# gateway/auth_config.example.yaml for every option). Secrets: .env beside this file.
server:
  host: 127.0.0.1
  port: {self.o.gateway_port}
  dashboard_dir: {json.dumps(str(DASHBOARD_DIR))}
  docs: true

engine:
  target: 127.0.0.1:{self.o.engine_port}
  status_poll_s: 2

database:
  path: gateway.db

tokens:
  issuer: arbx-gateway
  audience: arbx-engine
  signing_keys: [{json.dumps(kid)}]

# One provider: the local dev login (gateway/devlogin/provider.mjs, demo accounts
# only). Real GitHub / Google logins need an OAuth app's client id here and its
# secret in .env: see gateway/auth_config.example.yaml.
providers:
  - name: {PROVIDER_NAME}
    preset: oidc
    display_name: local dev login (demo accounts)
    client_id: {CLIENT_ID}
    server_metadata_url: http://127.0.0.1:{self.login_port}/.well-known/openid-configuration

roles:
  default: viewer
  admins:
    logins: ["{PROVIDER_NAME}:admin"]
  traders:
    logins: ["{PROVIDER_NAME}:trader"]

cors:
  origins: []   # the dashboard is served by the gateway itself

logging:
  level: INFO
  json: true
"""
        self.files.gateway_config.write_text(config)
        # A fresh database with one viewer API key, owned by the demo's viewer account
        # (the same user the dev login signs in as "viewer"): for `arbx watch` and --check.
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.files.gateway_db) + suffix).unlink(missing_ok=True)
        db = Database(self.files.gateway_db)
        try:
            user = db.upsert_login(PROVIDER_NAME, "viewer", "viewer@example.test", "viewer",
                                   "User viewer", "viewer", None)
            key_id = secrets.token_hex(4)
            self.viewer_key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
            db.insert_api_key(ApiKeyRow(key_id, user.id, "demo viewer (arbx watch)", "viewer",
                                        f"{PREFIX}{key_id}", hash_key(self.viewer_key),
                                        time.time(), None, None, None))
        finally:
            db.close()

    def write_engine_config(self) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "gateway", "keys", "engine-config", "--config",
             str(self.files.gateway_config), "--with-api-keys"],
            cwd=REPO_ROOT, env=self._env(), capture_output=True, text=True, timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise DemoError(f"python -m gateway keys engine-config failed:\n{result.stderr}")
        auth = json.loads(result.stdout)["auth"]
        if hashlib.sha256(self.viewer_key.encode()).hexdigest() not in {
                k["sha256"] for k in auth.get("api_keys", [])}:
            raise DemoError("the gateway's engine-config lacks the demo's viewer API key")
        document: dict[str, Any] = json.loads(self.files.devnet_config.read_text())
        for suffix in ("arbitrage.db", "trades.db"):  # fresh chains, fresh stores
            for extra in ("", "-wal", "-shm"):
                (self.files.engine_dir / (suffix + extra)).unlink(missing_ok=True)
        document.update({
            "api": {"host": "127.0.0.1", "port": self.o.engine_port},
            "auth": {"enabled": True, **auth},
            "store": {"path": "engine/arbitrage.db"},
            "metrics": {"enabled": True, "host": "127.0.0.1", "port": self.o.metrics_port},
            "logging": {"level": "INFO", "json": True},
            # a per-component YAML file (engine/config.py): trading and its risk limits
            "execution": self.files.engine_execution.name,
        })
        execution = {
            "mode": "live",
            "keystore": str(self.files.keystore),
            "password_env": keystore.PASSWORD_ENV,  # the value: the engine's environment
            "trades_db": "engine/trades.db",  # relative to engine.json's folder
            "risk": {"max_in_flight": 8, "min_profit_net": "1",
                     "daily_loss_limit_wei": str(10**18)},
        }
        for path, text in (
            (self.files.engine_execution,
             "# The engine's execution section (see engine.json), as YAML.\n"
             + yaml.safe_dump(execution, sort_keys=False)),
            (self.files.engine_config, json.dumps(document, indent=2) + "\n"),
        ):
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text)
            tmp.replace(path)

    def start_devlogin(self) -> None:
        node = shutil.which("node")
        assert node is not None
        child = self._start(
            "devlogin",
            [node, str(PROVIDER_SCRIPT), str(self.login_port), self._redirect_uri, CLIENT_ID],
            self._env(ARBX_DEVLOGIN_CLIENT_SECRET=self._client_secret,
                      ARBX_DEVLOGIN_ACCOUNTS=json.dumps(DEMO_ACCOUNTS)),
        )
        self._wait(child, f"listening on port {self.login_port}",
                   lambda: "listening" in child.tail(5), timeout_s=60)

    def start_engine(self) -> None:
        child = self._start(
            "engine",
            [sys.executable, "-m", "engine.cli", "serve", "--config", str(self.files.engine_config)],
            self._env(**{keystore.PASSWORD_ENV: self._password}),
        )
        self._wait(child, f"its gRPC port {self.o.engine_port} open",
                   lambda: _port_open(self.o.engine_port), timeout_s=120)

    def start_gateway(self) -> None:
        import httpx

        child = self._start(
            "gateway",
            [sys.executable, "-m", "gateway", "--config", str(self.files.gateway_config)],
            self._env(),
        )

        def ready() -> bool:
            try:
                return httpx.get(f"{self.gateway_url}/ready", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        self._wait(child, f"ready ({self.gateway_url}/ready)", ready, timeout_s=120)

    def start_all(self) -> None:
        started = time.monotonic()
        self.preflight()
        self.start_devnet()
        _say(f"  devnet up: {self.files.devnet_config}")
        self.write_gateway_files()
        self.write_engine_config()
        _say(f"  configs written: {self.files.gateway_config}, {self.files.engine_config}")
        self.start_devlogin()
        _say(f"  local dev login on http://127.0.0.1:{self.login_port}")
        self.start_engine()
        _say(f"  engine serving on 127.0.0.1:{self.o.engine_port} (live trading)")
        self.start_gateway()
        _say(f"  gateway ready on {self.gateway_url} ({time.monotonic() - started:.0f} s in all)")

    @staticmethod
    def _arbx() -> str:
        script = Path(sys.executable).parent / "arbx"
        if shutil.which("arbx") == str(script) or not script.exists():
            return "arbx"
        with contextlib.suppress(ValueError):
            return str(script.relative_to(Path.cwd()))
        return str(script)

    def banner(self) -> str:
        target = "" if self.o.engine_port == 50051 else f" --target 127.0.0.1:{self.o.engine_port}"
        logs = "\n".join(f"    {c.name:<9} {c.log}" for c in self.children)
        logins = "\n".join(f"    {role:<7} login {user!r:<9} password {pw!r}"
                           for role, (user, pw) in zip(("admin", "trader", "viewer"),
                                                       DEMO_ACCOUNTS.items(), strict=True))
        return f"""
==============================================================================
 arbx demo running: 2 chains with a market simulator, the engine trading live
------------------------------------------------------------------------------
  Dashboard   {self.gateway_url}/
              (use 127.0.0.1, not localhost: the login returns there)
  Sign in with "local dev login (demo accounts)":
{logins}
    (any other login is refused; GitHub / Google need your OAuth app's client id
     in {self.files.gateway_config})
  Opportunity stream from the engine (viewer API key, valid for this run):
    {self._arbx()} watch{target} --token {self.viewer_key}
  Logs:
{logs}
  Ctrl-C stops everything.
==============================================================================
"""

    def watch(self) -> None:
        """Until a signal; a child that dies stops the demo."""
        while True:
            for child in self.children:
                if not child.alive():
                    raise child.failure("stopped unexpectedly")
            time.sleep(0.5)

    # --- --check ------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Every check's failure (empty: all passed); prints what it verified."""
        import httpx

        failures: list[str] = []
        headers = {"X-API-Key": self.viewer_key}
        with httpx.Client(base_url=self.gateway_url, timeout=10) as http:
            page = http.get("/")
            expected = (DASHBOARD_DIR / "index.html").read_text()
            if page.status_code == 200 and page.text == expected:
                _say("  ok: GET / serves the dashboard's index.html")
            else:
                failures.append(f"GET / answered {page.status_code}, not the dashboard's index.html")

            status = self._poll(lambda: http.get("/api/v1/status", headers=headers),
                                lambda r: r.status_code == 200 and r.json()["pools"] > 0, 60)
            if status is not None and status.status_code == 200:
                s = status.json()
                _say(f"  ok: GET /api/v1/status (viewer API key): {len(s['chains'])} chains, "
                     f"{s['pools']} pools, {s['cycles']} cycles")
            else:
                failures.append("GET /api/v1/status with the viewer API key: " + (
                    f"{status.status_code} {status.text[:300]}" if status is not None else "no answer"))

            feeds = sum(len(c.get("price_feeds", {})) for c in
                        json.loads(self.files.devnet_config.read_text())["chains"])
            priced = self._poll(
                lambda: [t for t in http.get("/api/v1/tokens", headers=headers).json()
                         if t["usd_price"] is not None],
                lambda tokens: len(tokens) == feeds, 30)
            if priced is not None and len(priced) == feeds > 0:
                _say(f"  ok: GET /api/v1/tokens: {feeds} reference prices from the devnet's "
                     "price feeds")
            else:
                failures.append(f"GET /api/v1/tokens: {len(priced or [])} of the {feeds} "
                                "price feeds' tokens carry a usd_price")

            arbx = subprocess.run(
                [sys.executable, "-m", "engine.cli", "status", "--target",
                 f"127.0.0.1:{self.o.engine_port}", "--json"],
                cwd=REPO_ROOT, env=self._env(ARBX_TOKEN=self.viewer_key), capture_output=True,
                text=True, timeout=60, check=False,
            )
            if arbx.returncode == 0 and json.loads(arbx.stdout).get("chains"):
                _say("  ok: arbx status against the engine (the same API key)")
            else:
                failures.append(f"arbx status failed: {arbx.stderr.strip()[-500:]}")

            try:
                role = self._login("admin", DEMO_ACCOUNTS["admin"])
            except Exception as exc:  # noqa: BLE001 - reported as a failed check
                role = f"error: {exc}"
            if role == "admin":
                _say("  ok: signing in through the local dev login as 'admin' gives role admin")
            else:
                failures.append(f"login as admin: {role}")
            refused = self._login("admin", "not-the-password")
            if refused.startswith("401"):
                _say("  ok: a wrong password is refused")
            else:
                failures.append(f"login as admin with a wrong password: {refused}")

            _say(f"  waiting up to {self.o.check_timeout_s:.0f} s for an opportunity or a trade")
            started = time.monotonic()

            def activity() -> tuple[int, list[dict[str, Any]]]:
                opps = http.get("/api/v1/opportunities", params={"page_size": 100}, headers=headers)
                trades = http.get("/api/v1/trades", params={"page_size": 100}, headers=headers)
                if opps.status_code != 200 or trades.status_code != 200:
                    return 0, []
                return len(opps.json()["opportunities"]), trades.json()["trades"]

            seen = self._poll(activity, lambda a: a[0] > 0 or len(a[1]) > 0,
                              self.o.check_timeout_s, interval_s=1.0)
            if seen is not None and (seen[0] or seen[1]):
                # a moment more for a trade to follow the first opportunity (informational)
                if not seen[1]:
                    seen = self._poll(activity, lambda a: len(a[1]) > 0, 20, interval_s=1.0) or seen
                opps, trades = seen
                statuses: dict[str, int] = {}
                for t in trades:
                    statuses[t["status"]] = statuses.get(t["status"], 0) + 1
                earning = sum(1 for t in trades if t["status"] == "mined"
                              and int(t.get("profit_realized") or 0) > 0)
                _say(f"  ok: after {time.monotonic() - started:.0f} s: {opps} opportunities "
                     f"recorded, {len(trades)} trades {statuses or ''}, "
                     f"{earning} mined with a realized profit")
            else:
                failures.append(f"no opportunity or trade within {self.o.check_timeout_s:.0f} s")
        return failures

    @staticmethod
    def _poll(fetch: Any, done: Any, timeout_s: float, interval_s: float = 0.5) -> Any:
        deadline = time.monotonic() + timeout_s
        last = None
        while True:
            with contextlib.suppress(Exception):
                last = fetch()
                if done(last):
                    return last
            if time.monotonic() > deadline:
                return last
            time.sleep(interval_s)

    def _login(self, login: str, password: str) -> str:
        """The browser's authorization-code flow through the dev login; the role granted."""
        import httpx

        with httpx.Client(follow_redirects=True, timeout=20) as browser:
            page = browser.get(f"{self.gateway_url}/api/v1/auth/login/{PROVIDER_NAME}")
            for _ in range(4):  # the login form, then the consent form
                if page.request.url.path.startswith("/api/v1/auth/callback"):
                    break
                form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page.text,
                                 re.DOTALL)
                if page.status_code != 200 or form is None:
                    return f"{page.status_code} at {page.request.url}"
                fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(
                    r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"',
                    form.group(2))}
                if 'name="login"' in form.group(2):
                    fields.update({"login": login, "password": password})
                page = browser.post(urljoin(str(page.request.url), html.unescape(form.group(1))),
                                    data=fields)
            if page.status_code != 200:
                return f"callback answered {page.status_code}"
            return str(page.json().get("role"))


def run(options: Options) -> int:
    demo = Demo(options)
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        demo.start_all()
        if options.check:
            _say("checking")
            failures = demo.check()
            for failure in failures:
                print(f"  FAILED: {failure}", file=sys.stderr, flush=True)
            code = 1 if failures else 0
            _say("check " + ("passed" if code == 0 else "FAILED"))
        else:
            _say(demo.banner())
            demo.watch()
    except Shutdown as reason:
        _say(f"stopping ({reason})")
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        for s in previous:  # a second Ctrl-C must not interrupt the orderly stop
            signal.signal(s, signal.SIG_IGN)
        demo.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    _say("demo stopped")
    return code


def add_parser(sub: Any) -> None:
    demo = sub.add_parser(
        "demo", help="devnet + engine (live trading) + gateway + dashboard + local dev login",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d = Options()
    demo.add_argument("--gateway-port", type=int, default=d.gateway_port,
                      help="the gateway and the dashboard (default %(default)s)")
    demo.add_argument("--engine-port", type=int, default=d.engine_port,
                      help="the engine's gRPC port (default %(default)s)")
    demo.add_argument("--base-port", type=int, default=d.base_port,
                      help="chain i listens on base-port + i; 0: free ports (default %(default)s)")
    demo.add_argument("--metrics-port", type=int, default=d.metrics_port,
                      help="the engine's Prometheus port; 0: a free one (default %(default)s)")
    demo.add_argument("--login-port", type=int, default=d.login_port,
                      help="the local dev login (OpenID provider); 0: a free one (default)")
    demo.add_argument("--dir", type=Path, default=d.root, dest="root",
                      help="where every generated file and log goes (default .devnet)")
    demo.add_argument("--check", action="store_true",
                      help="start everything, verify it answers and trades, stop, exit 0")
    demo.add_argument("--check-timeout", type=float, default=d.check_timeout_s,
                      dest="check_timeout_s",
                      help="seconds --check waits for an opportunity or a trade (default %(default)s)")
    demo.add_argument("--gaps-per-minute", type=float, default=None,
                      help="the simulator's gap-opening swaps per minute and chain "
                           "(default: the devnet's)")
    demo.set_defaults(run=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    if args.engine_port == 0 or args.gateway_port == 0:
        print("error: --engine-port and --gateway-port need a port number (not 0)", file=sys.stderr)
        return 2
    return run(Options(
        root=args.root, gateway_port=args.gateway_port, engine_port=args.engine_port,
        base_port=args.base_port, metrics_port=args.metrics_port, login_port=args.login_port,
        check=args.check, check_timeout_s=args.check_timeout_s,
        gaps_per_minute=args.gaps_per_minute,
    ))
