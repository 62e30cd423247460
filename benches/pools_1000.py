"""A chain with ~1,000 real pools for the initial-sync benchmark (test_bench_engine_sync.py).

One anvil (the devnet's: Prague, 1e9 block gas limit) with 60 TestTokens
(decimals 6/8/18), two Uniswap V2 factory deployments ("uniswap-v2",
"sushiswap-v2", same bytecode, 0.3 %) and one Uniswap V3 factory with the four
fee tiers (100 enabled as on mainnet). Every pool is created through the real
factory by ``benches/contracts/BenchPools.sol``: V2 pairs funded and minted,
V3 pools initialized and given 3-6 positions (so 4-12 initialized ticks,
spread over several bitmap words) around a price consistent with the tokens'
USD prices. Many pools per transaction, all transactions sent with automine
off in JSON-RPC batches, then mined: ~1,000 pools in a few blocks.

The chain's config (``config()``) names the factories and two base tokens and
lists no pools: the engine discovers them from the factories' events.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

import engine_rs
from engine.devnet import artifacts, liquidity
from engine.devnet.node import AnvilNode, NodeOptions
from engine.devnet.paths import CACHE_DIR
from engine.devnet.rpc import Chain
from engine.devnet.v3 import FEE_TIERS, max_usable_tick, min_usable_tick, sqrt_price_x96_of

CHAIN_ID = 31337
SOURCE = Path(__file__).resolve().parent / "contracts" / "BenchPools.sol"
N_TOKENS = 60
N_V2_PER_DEX = 250  # two V2 DEXes
N_V3 = 500
FEE_WEIGHTS = {100: 1, 500: 3, 3000: 4, 10000: 2}  # a mainnet-like mix of V3 tiers
V2_PER_TX = 10  # ~2.8 M gas each
V3_PER_TX = 4  # ~5-7 M gas each
TX_GAS = 60_000_000
V2_DEXES = ("uniswap-v2", "sushiswap-v2")


@dataclass(frozen=True)
class Token:
    address: str
    symbol: str
    decimals: int
    price_usd: float


@dataclass
class BenchChain:
    node: AnvilNode
    chain: Chain
    tokens: list[Token]
    v2_factories: dict[str, str]
    v3_factory: str
    pools: dict[str, str] = field(default_factory=dict)  # address -> "v2" | "v3"
    initialized_ticks: int = 0
    deploy_s: float = 0.0

    def config(self, **overrides: Any) -> dict[str, Any]:
        """The chain section of an engine config: factories to discover from, two bases."""
        dexes: list[dict[str, Any]] = [
            {"name": name, "kind": "v2", "factory": factory, "fee": 3000}
            for name, factory in self.v2_factories.items()
        ]
        dexes.append({"name": "uniswap-v3", "kind": "v3", "factory": self.v3_factory,
                      "fee_tiers": FEE_TIERS})
        return {
            "chain_id": CHAIN_ID, "name": "bench-1000", "rpc_url": self.node.url,
            "ws_url": self.node.ws_url,
            "tokens": [{"address": t.address, "symbol": t.symbol, "decimals": t.decimals}
                       for t in self.tokens[:2]],
            "base_tokens": [t.symbol for t in self.tokens[:2]],
            "dexes": dexes, "poll_interval_s": 0.05, **overrides,
        }

    def stop(self) -> None:
        self.node.stop()


def bench_pools_artifact() -> artifacts.Artifact:
    """BenchPools compiled with the devnet's solc-js (cached by source hash)."""
    source = SOURCE.read_text()
    cache = CACHE_DIR / "bench-contracts" / f"{hashlib.sha256(source.encode()).hexdigest()[:32]}.json"
    if cache.exists():
        compiled = json.loads(cache.read_text())
    else:
        compiled = artifacts._compile({SOURCE.name: source})["BenchPools"]
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(compiled))
    return artifacts.Artifact("BenchPools", compiled["abi"], bytes.fromhex(compiled["bytecode"]))


def _create2(deployer: str, salt: bytes, init_code_hash: bytes) -> str:
    raw = keccak(b"\xff" + bytes.fromhex(deployer[2:]) + salt + init_code_hash)[12:]
    return "0x" + raw.hex()


def _send_all(chain: Chain, txs: list[dict[str, Any]]) -> list[str]:
    """eth_sendTransaction for each (automine off), in JSON-RPC batches; the tx hashes."""
    hashes: list[str] = []
    for start in range(0, len(txs), 100):
        batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction", "params": [tx]}
                 for i, tx in enumerate(txs[start:start + 100])]
        answers = sorted(chain._session.post(chain.url, json=batch, timeout=600).json(),
                         key=lambda a: a["id"])
        for answer in answers:
            if "error" in answer:
                raise RuntimeError(f"eth_sendTransaction: {answer['error']}")
            hashes.append(answer["result"])
    return hashes


def build(seed: int = 1) -> BenchChain:
    import time

    started = time.perf_counter()
    rng = random.Random(seed)
    node = AnvilNode(NodeOptions(0, CHAIN_ID, accounts=2))
    try:
        chain = Chain(node.url)
        token_art = artifacts.helpers()["TestToken"]
        tokens = []
        for i in range(N_TOKENS):
            symbol, decimals, price = (("WETH", 18, 3000.0) if i == 0 else ("USDC", 6, 1.0)
                                       if i == 1 else (f"T{i:02d}", rng.choice((18, 18, 18, 6, 8)),
                                                       math.exp(rng.uniform(-3, 8))))
            address = chain.deploy(token_art.constructor(symbol, symbol, decimals)).lower()
            tokens.append(Token(address, symbol, decimals, price))
        v2_factory_art = artifacts.v2("UniswapV2Factory")
        v2_factories = {name: chain.deploy(v2_factory_art.constructor(chain.sender)).lower()
                        for name in V2_DEXES}
        v3_factory_art = artifacts.v3("UniswapV3Factory")
        v3_factory = chain.deploy(v3_factory_art.constructor()).lower()
        chain.transact(v3_factory, v3_factory_art.encode("enableFeeAmount", 100, 1))
        helper_art = bench_pools_artifact()
        helper = chain.deploy(helper_art.constructor()).lower()
        bench = BenchChain(node, chain, tokens, v2_factories, v3_factory)

        def pair(hub_share: float = 0.3) -> tuple[Token, Token]:
            a = rng.choice(tokens[:2]) if rng.random() < hub_share else rng.choice(tokens)
            b = rng.choice([t for t in tokens if t is not a])
            return (a, b) if int(a.address, 16) < int(b.address, 16) else (b, a)

        v2_hash = keccak(artifacts.v2("UniswapV2Pair").bytecode)
        v2_rows: list[tuple[str, str, str, int, int]] = []
        for factory in v2_factories.values():
            taken: set[tuple[str, str]] = set()
            while len(taken) < N_V2_PER_DEX:
                t0, t1 = pair()
                if (t0.address, t1.address) in taken:
                    continue
                taken.add((t0.address, t1.address))
                tvl = math.exp(rng.uniform(math.log(2e4), math.log(5e7)))
                amount0 = liquidity.raw_amount(tvl / 2, t0.price_usd, t0.decimals)
                amount1 = liquidity.raw_amount(tvl / 2, t1.price_usd, t1.decimals)
                v2_rows.append((factory, t0.address, t1.address, amount0, amount1))
                salt = keccak(bytes.fromhex(t0.address[2:]) + bytes.fromhex(t1.address[2:]))
                bench.pools[_create2(factory, salt, v2_hash)] = "v2"

        v3_hash = keccak(artifacts.v3("UniswapV3Pool").bytecode)
        v3_rows: list[tuple[Any, ...]] = []
        taken3: set[tuple[str, str, int]] = set()
        fees = list(FEE_WEIGHTS)
        while len(v3_rows) < N_V3:
            t0, t1 = pair()
            fee = rng.choices(fees, weights=[FEE_WEIGHTS[f] for f in fees])[0]
            if (t0.address, t1.address, fee) in taken3:
                continue
            taken3.add((t0.address, t1.address, fee))
            spacing = FEE_TIERS[fee]
            price = liquidity.raw_price(t0.price_usd, t1.price_usd, t0.decimals, t1.decimals)
            sqrt_price = sqrt_price_x96_of(price * math.exp(rng.gauss(0, 0.002)))
            tick = engine_rs.get_tick_at_sqrt_ratio(sqrt_price)
            positions: list[tuple[int, int, int]] = []
            for _ in range(rng.randint(3, 6)):
                if rng.random() < 0.2:
                    lower, upper = min_usable_tick(spacing), max_usable_tick(spacing)
                else:  # 0.1 % to 60 % either side, on the spacing grid, holding the price
                    width = max(1, round(math.exp(rng.uniform(math.log(10), math.log(5000)))
                                         / spacing))
                    base = tick // spacing
                    lower = max((base - rng.randint(1, width)) * spacing, min_usable_tick(spacing))
                    upper = min((base + rng.randint(1, width)) * spacing, max_usable_tick(spacing))
                positions.append((lower, upper, rng.randint(10**15, 10**21)))
            bench.initialized_ticks += len({t for lo, up, _ in positions for t in (lo, up)})
            v3_rows.append((v3_factory, t0.address, t1.address, fee, sqrt_price, positions))
            salt = keccak(bytes.fromhex(t0.address[2:]).rjust(32, b"\0")
                          + bytes.fromhex(t1.address[2:]).rjust(32, b"\0") + fee.to_bytes(32, "big"))
            bench.pools[_create2(v3_factory, salt, v3_hash)] = "v3"

        txs = [
            {"from": chain.sender, "to": helper, "gas": hex(TX_GAS),
             "data": "0x" + helper_art.encode("createV2", v2_rows[i:i + V2_PER_TX]).hex()}
            for i in range(0, len(v2_rows), V2_PER_TX)
        ] + [
            {"from": chain.sender, "to": helper, "gas": hex(TX_GAS),
             "data": "0x" + helper_art.encode("createV3", v3_rows[i:i + V3_PER_TX]).hex()}
            for i in range(0, len(v3_rows), V3_PER_TX)
        ]
        chain.rpc("evm_setAutomine", [False])
        hashes = _send_all(chain, txs)
        while int(chain.rpc("txpool_status")["pending"], 16):
            chain.mine()
        for tx_hash in hashes:
            receipt = chain.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is None or int(receipt["status"], 16) != 1:
                raise RuntimeError(f"a pool-creating transaction failed: {tx_hash} {receipt}")
        for address in list(bench.pools)[:: max(1, len(bench.pools) // 20)]:
            if len(chain.rpc("eth_getCode", [address, "latest"])) <= 2:
                raise RuntimeError(f"pool {address}: no contract at its CREATE2 address")
        bench.deploy_s = time.perf_counter() - started
        return bench
    except BaseException:
        node.stop()
        raise
