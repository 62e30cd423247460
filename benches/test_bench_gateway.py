"""Gateway benchmarks, every part in its own process as deployed (benches/gateway_stack.py):
the engine's real gRPC server, the gateway (``python -m gateway``: uvicorn, uvloop,
httptools) and a Node load generator (benches/gateway_load.mjs).

- REST: 100 concurrent users (one connection each; half with an API key, half with a
  JWT access token) calling GET /api/v1/status and /api/v1/pools in turn; p50 / p99
  (goal p99 <= 10 ms, seed budget 100 ms). Baseline in the same run: the same users
  calling GET /health (no auth, no engine call): the floor of uvicorn + the middleware +
  the client on this machine. Each load runs with the gateway's shared engine reads
  (``engine.read_cache_s``, the default) and without them (0: a gRPC call per request).
- WebSocket fan-out: 200 clients subscribed to ``opportunities``; engine event
  (``published_unix_nanos`` of the batch) -> received by each client; p50 / p99 (goal
  p99 <= 20 ms, seed budget 50 ms); baseline: the same events to 1 client (the
  engine -> gRPC -> gateway -> WebSocket path without the fan-out). Then the same with
  Node's own WebSocket client, which offers permessage-deflate as browsers do (it
  costs the generator more CPU). The gateway's RSS idle and with 200 clients.

Each measure also reports the CPU seconds the load generator, the gateway and the
engine spent in it: they share the machine's cores. Figures go to extra_info and
stdout; nothing asserts on time. ``ARBX_GATEWAY_PYSPY=DIR`` records a py-spy
flame graph (SVG) of the gateway under each load into DIR.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gateway_stack import GatewayStack, load_command, memory_mib, percentiles

USERS = 100
REQUESTS_PER_USER = 20
WS_CLIENTS = 200
WS_EVENTS = 100  # p99 over 200 x 100 receipts: not decided by one event's tail


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayStack]:
    running = GatewayStack(tmp_path_factory.mktemp("gateway-bench"), users=USERS)
    yield running
    running.stop()


class Profile:
    """py-spy recording the gateway while a load runs (only with ARBX_GATEWAY_PYSPY)."""

    def __init__(self, stack: GatewayStack, name: str) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        folder = os.environ.get("ARBX_GATEWAY_PYSPY")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            py_spy = Path(sys.executable).with_name("py-spy")  # pip install py-spy (constraints.txt)
            self.process = subprocess.Popen(
                [str(py_spy), "record", "--pid", str(stack.gateway.pid), "--rate", "250",
                 "--nonblocking", "--output", str(Path(folder) / f"{name}.svg")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)  # attached before the load starts

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(2)  # SIGINT: py-spy writes the flame graph and exits
            self.process.wait(60)


def _run_load(stack: GatewayStack, mode: str, spec: dict[str, Any],
              profile_name: str) -> tuple[dict[str, Any], dict[str, float]]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec_file:
        json.dump(spec, spec_file)
    profile = Profile(stack, profile_name)
    start = stack.usage()
    done = subprocess.run(load_command(mode, stack.url, Path(spec_file.name)),
                          check=False, capture_output=True, text=True, timeout=600)
    usage = stack.usage_since(start)
    profile.stop()
    os.unlink(spec_file.name)
    assert done.returncode == 0, done.stderr + "\ngateway log:\n" + stack.log("gateway")
    return json.loads(done.stdout.strip().splitlines()[-1]), usage


def _rest(stack: GatewayStack, think_s: float, paths: list[str], auth: bool,
          profile_name: str) -> dict[str, Any]:
    spec = {"keys": stack.credentials, "per_user": REQUESTS_PER_USER, "think_s": think_s,
            "paths": paths, "auth": auth}
    reads = stack.shared_reads()
    result, usage = _run_load(stack, "rest", spec, profile_name)
    stats: dict[str, Any] = percentiles(result["seconds"])
    stats["requests_per_s"] = round(len(result["seconds"]) / result["wall_s"], 1)
    stats["load_generator_cpu_s"] = round(result["cpu_s"], 2)
    stats["wall_s"] = round(result["wall_s"], 2)
    stats.update(usage)
    stats["loadavg_1m"] = round(os.getloadavg()[0], 2)  # the shared machine's other work
    after = stack.shared_reads()
    asked = {source: after.get(source, 0) - reads.get(source, 0) for source in ("cache", "engine")}
    if sum(asked.values()):
        stats["engine_calls"] = int(asked["engine"])
        stats["shared_reads_from_cache"] = round(asked["cache"] / sum(asked.values()), 3)
    return stats


@pytest.mark.parametrize(
    ("label", "think_s", "read_cache_s"),
    [
        # Dashboard users: each asks about once a second (~100 requests/s in all).
        ("with 1 s think time", 1.0, None),
        ("with 1 s think time, no shared reads", 1.0, 0.0),
        # Scripts hammering back to back: measures the saturation queue, not latency.
        ("back to back, no shared reads", 0.0, 0.0),
        ("back to back", 0.0, None),
    ],
)
def test_rest_100_concurrent_users(benchmark: Any, stack: GatewayStack, label: str,
                                   think_s: float, read_cache_s: float | None) -> None:
    stack.restart_gateway(**({} if read_cache_s is None else
                             {"engine": {"read_cache_s": read_cache_s}}))
    name = label.replace(" ", "_").replace(",", "")

    def load() -> dict[str, Any]:
        floor = _rest(stack, think_s, ["/health"], False, f"rest_floor_{name}")
        api = _rest(stack, think_s, ["/api/v1/status", "/api/v1/pools"], True, f"rest_{name}")
        return {"floor (GET /health)": floor, "API (status, pools)": api}

    results = benchmark.pedantic(load, rounds=1, iterations=1)
    benchmark.extra_info.update(results)
    print(f"\ngateway REST, {USERS} concurrent users {label}:")
    for what, stats in results.items():
        print(f"  {what}: {stats}")


def test_ws_fanout_200_clients(benchmark: Any, stack: GatewayStack) -> None:
    stack.restart_gateway()  # the default settings

    def fan_out(clients: int, client: str = "raw") -> dict[str, Any]:
        spec = {"key": stack.credentials[0], "clients": clients, "events": WS_EVENTS,
                "client": client}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec_file:
            json.dump(spec, spec_file)
        profile = Profile(stack, f"ws_{clients}_{client}_clients")
        process = subprocess.Popen(load_command("ws", stack.url, Path(spec_file.name)),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stdout is not None
        ready = process.stdout.readline().strip()
        assert ready == "READY", ready + process.communicate(timeout=30)[1]
        memory = memory_mib(stack.gateway.pid)
        start = stack.usage()
        for _ in range(WS_EVENTS):
            stack.new_block(1)
            time.sleep(0.05)  # one block every 50 ms
        out, err = process.communicate(timeout=120)
        usage = stack.usage_since(start)
        profile.stop()
        os.unlink(spec_file.name)
        assert process.returncode == 0, err + "\ngateway log:\n" + stack.log("gateway")
        result = json.loads(out.strip().splitlines()[-1])
        stats: dict[str, Any] = percentiles(result["seconds"])
        stats["load_generator_cpu_s"] = round(result["cpu_s"], 2)
        stats["wall_s"] = round(result["wall_s"], 2)
        stats.update(usage)
        stats["loadavg_1m"] = round(os.getloadavg()[0], 2)
        stats["gateway_rss_mib"] = memory["VmRSS"]
        return stats

    def load() -> dict[str, Any]:
        idle = memory_mib(stack.gateway.pid)
        one = fan_out(1)
        many = fan_out(WS_CLIENTS)
        browser_like = fan_out(WS_CLIENTS, "runtime")
        return {"1 client (baseline)": one, f"{WS_CLIENTS} clients": many,
                f"{WS_CLIENTS} clients offering compression (Node's WebSocket)": browser_like,
                "gateway_rss_idle_mib": idle["VmRSS"],
                "gateway_peak_rss_mib": memory_mib(stack.gateway.pid)["VmHWM"]}

    results = benchmark.pedantic(load, rounds=1, iterations=1)
    benchmark.extra_info.update(results)
    print("\nengine event -> WebSocket clients:")
    for what, stats in results.items():
        print(f"  {what}: {stats}")
