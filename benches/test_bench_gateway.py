"""Gateway benchmarks against the real engine (tests/gateway_support.py):

- REST: 100 concurrent users (API keys) calling GET /api/v1/status and /api/v1/pools;
  p50 / p99 latency (goal p99 <= 10 ms, seed budget 100 ms).
- WebSocket fan-out: 200 clients subscribed to ``opportunities``; engine event
  (``published_unix_nanos`` of the batch) -> received by each client; p50 / p99
  (goal p99 <= 20 ms, seed budget 50 ms), and the gateway's RSS with 200 clients.

The load runs in a subprocess (its own interpreter), so the client does not share
the gateway's GIL; engine and gateway share this process (threads with their own
event loops). Figures go to extra_info and stdout; nothing asserts on time.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests/gateway_support.py
from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

from tests.gateway_support import (  # noqa: F401 - fixtures
    GatewayServer,
    engine_proc,
    gateway,
    gateway_pem,
    gateway_port,
    oidc,
)

REST_LOAD = textwrap.dedent("""
    import asyncio, json, random, sys, time
    import httpx
    url, keys, per_user = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
    think_s = float(sys.argv[4])  # a user's pause between requests (0: back to back)
    async def user(client, key, out):
        headers = {"Authorization": "Bearer " + key}
        rng = random.Random(key)
        await asyncio.sleep(rng.uniform(0, think_s))  # users do not start in lockstep
        for i in range(per_user):
            path = "/api/v1/status" if i % 2 else "/api/v1/pools"
            t = time.perf_counter()
            r = await client.get(path, headers=headers)
            out.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
    async def main():
        out = []
        limits = httpx.Limits(max_connections=len(keys), max_keepalive_connections=len(keys))
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
            await asyncio.gather(*(user(client, k, []) for k in keys[:5]))  # warm-up
            await asyncio.gather(*(user(client, k, out) for k in keys))
        print(json.dumps(out))
    asyncio.run(main())
""")

WS_LOAD = textwrap.dedent("""
    import asyncio, json, sys, time
    from websockets.asyncio.client import connect
    url, key, clients, events = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    async def client(ready, out):
        async with connect(url, max_queue=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": key}))
            await ws.send(json.dumps({"type": "subscribe", "topics": ["opportunities"]}))
            while True:
                m = json.loads(await ws.recv())
                if m["type"] in ("event", "snapshot"):
                    break
            ready.release()
            got = 0
            while got < events:
                m = json.loads(await ws.recv())
                now = time.time_ns()
                if m["type"] == "event" and not m["data"]["snapshot"]:
                    out.append((now - m["data"]["published_unix_nanos"]) / 1e9)
                    got += 1
    async def main():
        ready, out = asyncio.Semaphore(0), []
        tasks = [asyncio.create_task(client(ready, out)) for _ in range(clients)]
        for _ in range(clients):
            await ready.acquire()
        print("READY", flush=True)
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
        print(json.dumps(out), flush=True)
    asyncio.run(main())
""")


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"n": len(ordered), "p50_ms": round(at(0.50), 3), "p99_ms": round(at(0.99), 3),
            "max_ms": round(ordered[-1] * 1000, 3)}


def _keys(gateway: GatewayServer, n: int) -> list[str]:
    ctx = gateway.ctx

    async def make() -> list[str]:
        keys = []
        for i in range(n):
            user = await ctx.db.call(ctx.db.upsert_login, "bench", f"user{i}", None, f"u{i}",
                                     None, "viewer", None)
            keys.append((await ctx.auth.api_keys.create(user.id, "bench", "viewer", None)).key)
        return keys

    return gateway.thread.run(make())


@pytest.mark.parametrize(
    ("label", "think_s"),
    [
        # Dashboard users: each asks about once a second (~100 requests/s in all).
        ("with 1 s think time", 1.0),
        # Scripts hammering back to back: measures the saturation queue, not latency.
        ("back to back", 0.0),
    ],
)
def test_rest_100_concurrent_users(benchmark: Any, gateway: GatewayServer, label: str,
                                   think_s: float) -> None:
    keys = _keys(gateway, 100)

    def load() -> list[float]:
        done = subprocess.run([sys.executable, "-c", REST_LOAD, gateway.url, json.dumps(keys), "20",
                               str(think_s)], capture_output=True, text=True, timeout=300, check=True)
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    samples = benchmark.pedantic(load, rounds=1, iterations=1)
    stats = _percentiles(samples)
    stats["requests_per_s"] = round(len(samples) / max(sum(samples), 1e-9) * 100, 1) if think_s == 0 else None
    benchmark.extra_info.update(stats)
    print(f"\ngateway REST, 100 concurrent users {label}: {stats}")


def test_ws_fanout_200_clients(benchmark: Any, gateway: GatewayServer, engine_proc: Any) -> None:
    key = _keys(gateway, 1)[0]
    events = 20

    def load() -> list[float]:
        process = subprocess.Popen(
            [sys.executable, "-c", WS_LOAD, gateway.url.replace("http", "ws") + "/ws", key, "200",
             str(events)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "READY"
        stop = threading.Event()
        for _ in range(events):
            engine_proc.new_block(1)
            stop.wait(0.05)  # one block per 50 ms
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        return json.loads(out)  # type: ignore[no-any-return]

    samples = benchmark.pedantic(load, rounds=1, iterations=1)
    stats = _percentiles(samples)
    stats["gateway_and_engine_max_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    benchmark.extra_info.update(stats)
    print(f"\nengine event -> 200 WebSocket clients: {stats}")
