"""A small two-chain market for the engine tests, and helpers to run them on uvloop.

Each chain has tokens A (native, base) and B, a V2 pair and a V3 pool A/B at
the same price (no opportunity); ``gap_block`` moves the V2 price so that a
cycle V2 <-> V3 becomes profitable.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import grpc.aio
import uvloop

import engine_rs
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.app import EngineApp
from engine.config import EngineConfig, EnvSecrets, parse_config
from engine.core import BlockUpdate, Engine, V2PoolAdded, V3PoolAdded

T = TypeVar("T")

CHAINS = (1, 2)
JWT_SECRET = "test-jwt-secret-of-at-least-32-bytes!!"
KEYS = {"viewer": "viewer-key", "trader": "trader-key", "admin": "admin-key"}
L = 10**22
SQRT2_TICK = engine_rs.get_tick_at_sqrt_ratio(int(2**0.5 * 2**96))


def token_a(chain_id: int) -> str:
    return "0x" + f"{chain_id:x}" + "a" * 39


def token_b(chain_id: int) -> str:
    return "0x" + f"{chain_id:x}" + "b" * 39


def v2_pool(chain_id: int) -> str:
    return "0x" + f"{chain_id:x}" + "1" * 39


def v3_pool(chain_id: int) -> str:
    return "0x" + f"{chain_id:x}" + "2" * 39


def block_hash(chain_id: int, number: int, fork: str = "") -> str:
    return "0x" + hashlib.sha256(f"{chain_id}:{number}:{fork}".encode()).hexdigest()


def config_dict(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    chains = [
        {
            "chain_id": c,
            "name": f"test-{c}",
            "rpc_url": f"http://127.0.0.1:{8545 + c}/secret-key-{c}",
            "tokens": [
                {"address": token_a(c), "symbol": "WETH", "decimals": 18},
                {"address": token_b(c), "symbol": "USD", "decimals": 18},
            ],
            "base_tokens": ["WETH"],
            "max_input": str(10**24),
            "reorg_depth": 16,
        }
        for c in CHAINS
    ]
    config: dict[str, Any] = {
        "chains": chains,
        "api": {"host": "127.0.0.1", "port": 0, "stream_buffer": 8},
        "auth": {
            "api_keys": [
                {"name": f"{role}-client", "sha256": hashlib.sha256(key.encode()).hexdigest(),
                 "role": role}
                for role, key in KEYS.items()
            ],
            "jwt": {"issuer": "arbx-gateway"},
        },
        "store": {"path": str(tmp_path / "arbitrage.db"), "retention_blocks": 1000},
        "metrics": {"enabled": False},
        "logging": {"json": True},
    }
    config.update(overrides)
    return config


def make_config(tmp_path: Path, **overrides: Any) -> EngineConfig:
    return parse_config(
        config_dict(tmp_path, **overrides), secrets=EnvSecrets(jwt_secret=JWT_SECRET)  # type: ignore[arg-type]
    )


def genesis_pools(chain_id: int, block_number: int = 0) -> list[V2PoolAdded | V3PoolAdded]:
    sqrt_price = engine_rs.get_sqrt_ratio_at_tick(SQRT2_TICK)
    return [
        V2PoolAdded(chain_id, v2_pool(chain_id), token_a(chain_id), token_b(chain_id),
                    10**21, 2 * 10**21, 30, "uniswap_v2", block_number),
        V3PoolAdded(chain_id, v3_pool(chain_id), token_a(chain_id), token_b(chain_id), 3000, 60,
                    sqrt_price, SQRT2_TICK, L, [(-887220, L, L), (887220, L, -L)], "uniswap_v3",
                    block_number),
    ]


def populate(engine: Engine) -> None:
    for c in CHAINS:
        engine.add_pools(genesis_pools(c))
        engine.set_head(c, 0, block_hash(c, 0))


def block(chain_id: int, number: int, updates: list[tuple[object, ...]], *, fork: str = "",
          parent_fork: str | None = None, gas_price_wei: int | None = None) -> BlockUpdate:
    parent = block_hash(chain_id, number - 1, fork if parent_fork is None else parent_fork)
    if number - 1 == 0:
        parent = block_hash(chain_id, 0)
    return BlockUpdate(chain_id, number, block_hash(chain_id, number, fork), parent, 1_700_000_000 + number,
                       updates, gas_price_wei)


def gap_update(chain_id: int, reserve1: int = 3 * 10**21) -> tuple[object, ...]:
    """V2 price of A moves from 2 B to 3 B: A is cheap on V3, dear on V2."""
    return ("sync", chain_id, v2_pool(chain_id), 10**21, reserve1)


def reference_market(engine_config: EngineConfig) -> engine_rs.Market:
    """A bare engine_rs.Market with the same parameters, for computing expected results."""
    s, g = engine_config.search, engine_config.gas
    market = engine_rs.Market(s.max_hops, s.min_profit, s.top_k, g.overhead, g.v2_hop, g.v3_hop, g.v3_tick)
    for chain in engine_config.chains:
        for t in chain.tokens:
            market.add_token(chain.chain_id, t.address, t.decimals, t.symbol)
        market.set_base_tokens(chain.chain_id, chain.base_token_addresses(), chain.max_input or 2**128)
        for p in genesis_pools(chain.chain_id):
            if isinstance(p, V2PoolAdded):
                market.add_v2_pool(p.chain_id, p.address, p.token0, p.token1, p.reserve0, p.reserve1,
                                   p.fee_bps, p.dex)
            else:
                market.add_v3_pool(p.chain_id, p.address, p.token0, p.token1, p.fee, p.tick_spacing,
                                   p.sqrt_price_x96, p.tick, p.liquidity, list(p.ticks), p.dex)
    return market


def opp_tuple(o: Any) -> tuple[Any, ...]:
    return (o.chain_id, o.base_token, list(o.pools), list(o.tokens), list(o.zero_for_one),
            int(o.amount_in), [int(a) for a in o.amounts], int(o.amount_out),
            int(o.profit_gross), int(o.gas_units), int(o.gas_cost), int(o.profit_net))


def run(coro: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


@contextlib.asynccontextmanager
async def running_app(config: EngineConfig) -> AsyncIterator[tuple[EngineApp, engine_pb2_grpc.EngineServiceStub, grpc.aio.Channel]]:
    """A started EngineApp (real gRPC server on loopback, real SQLite) and a client stub."""
    app = EngineApp(config)
    await app.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{app.port}")
    try:
        yield app, engine_pb2_grpc.EngineServiceStub(channel), channel
    finally:
        await channel.close()
        await app.stop()


def empty_engine_for(spec: Any, chain_id: int, name: str = "bench-1000") -> Engine:
    """An Engine configured with ``spec``'s tokens and bases on ``chain_id`` (a
    ``tests.market_gen.MarketSpec``), no pools yet and no chain behind it."""
    config = parse_config({
        "chains": [{
            "chain_id": chain_id, "name": name, "rpc_url": "http://127.0.0.1:1/unused",
            "tokens": [{"address": t.address, "symbol": t.symbol, "decimals": t.decimals}
                       for t in spec.tokens],
            "base_tokens": spec.bases[chain_id], "max_input": str(spec.max_input[chain_id]),
        }],
        "auth": {"enabled": False}, "metrics": {"enabled": False},
    }, secrets=EnvSecrets())
    return Engine(config)


def pools_added(spec: Any, chain_id: int) -> list[V2PoolAdded | V3PoolAdded]:
    """``spec``'s pools as the events that add them to an Engine, in spec order."""
    added: list[V2PoolAdded | V3PoolAdded] = []
    for p in spec.pools.values():
        if p.kind == "v2":
            added.append(V2PoolAdded(chain_id, p.address, p.token0, p.token1, p.reserve0,
                                     p.reserve1, p.fee_bps, p.dex, 0))
        else:
            added.append(V3PoolAdded(chain_id, p.address, p.token0, p.token1, p.fee,
                                     p.tick_spacing, p.sqrt_price_x96, p.tick, p.liquidity,
                                     p.tick_rows(), p.dex, 0))
    return added
