"""Record a market frame from a devnet: a running one, or a fresh simulated one.

    python -m ml.data.devnet --config .devnet/devnet.json --blocks 300 --out .cache/data/devnet.csv
    python -m ml.data.devnet --simulate --seed 7 --blocks 3000 --out .cache/data/devnet_sim.csv

For every new block of each chain it reads every pool's state *at that block*
(V2 ``getReserves``, V3 ``slot0`` + ``liquidity`` through ``eth_call`` with
the block number) and the block's base fee, and maps them with
``engine.models.observe.observation``, the function the engine serves with,
so a recorded series and the engine's live features agree. Rows only for
pools whose state changed (as arbitrage.db's market_series), plus the first
block. Needs web3 only (no torch).

``--simulate`` (``simulated_devnet``) needs no running devnet: it starts its
own anvil with the devnet world (``engine.devnet.world``: real Uniswap V2/V3
and PancakeSwap bytecode), mining off, and steps the default market
simulator one second per block, as fast as anvil mines (about 25 blocks/s
here), each block stamped one second after the last.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from engine.devnet.config import ChainConfig, load
from engine.devnet.market import ChainMarket, MarketOptions
from engine.devnet.node import AnvilNode, NodeOptions
from engine.devnet.rpc import Chain
from engine.devnet.world import WorldOptions, build
from engine.models.observe import observation
from engine.models.runtime import PoolObservation
from ml.data.frame import validate

_GET_RESERVES = bytes.fromhex("0902f1ac")
_SLOT0 = bytes.fromhex("3850c7bd")
_LIQUIDITY = bytes.fromhex("1a686502")


def _call(chain: Chain, to: str, data: bytes, block: int) -> bytes:
    result = chain.rpc("eth_call", [{"to": to, "data": "0x" + data.hex()}, hex(block)])
    return bytes.fromhex(result[2:])


def _word(data: bytes, i: int) -> int:
    return int.from_bytes(data[32 * i:32 * i + 32], "big")


def read_pool(chain: Chain, chain_id: int, pool: Any, block: int) -> SimpleNamespace:
    common = {"chain_id": chain_id, "address": pool.address, "token0": pool.token0,
              "token1": pool.token1}
    if pool.kind == "v2":
        data = _call(chain, pool.address, _GET_RESERVES, block)
        return SimpleNamespace(**common, reserve0=_word(data, 0), reserve1=_word(data, 1))
    slot0 = _call(chain, pool.address, _SLOT0, block)
    liquidity = _call(chain, pool.address, _LIQUIDITY, block)
    return SimpleNamespace(**common, sqrt_price_x96=_word(slot0, 0), liquidity=_word(liquidity, 0))


class BlockReader:
    """Every pool of one chain at a block, as the engine observes it (changed pools only)."""

    def __init__(self, chain: Chain, config: ChainConfig) -> None:
        self.chain, self.config = chain, config
        self.tokens = {(config.chain_id, t.address): SimpleNamespace(decimals=t.decimals,
                                                                      symbol=t.symbol)
                       for t in config.tokens}
        self.dex_of = {p.address: p.dex for p in config.pools}
        self.previous: dict[str, Any] = {}  # pool -> its state at the last block read

    def observe(self, number: int) -> list[PoolObservation]:
        """The pools whose state changed since the last block read (all of them the first time)."""
        changed = []
        for pool in self.config.pools:
            state = read_pool(self.chain, self.config.chain_id, pool, number)
            prev = self.previous.get(pool.address)
            self.previous[pool.address] = state
            if prev is None or vars(prev) != vars(state):
                changed.append(observation(state, prev, self.tokens))
        return changed

    def rows(self, number: int, timestamp: int, gas_gwei: float) -> list[dict[str, Any]]:
        """``observe`` as market frame rows."""
        return [{"chain_id": self.config.chain_id, "pool": obs.pool, "block": number,
                 "timestamp": timestamp, "price": obs.price, "liquidity": obs.liquidity,
                 "swap_count": obs.swap_count, "volume": obs.volume, "gas_price_gwei": gas_gwei,
                 "dex": self.dex_of[obs.pool], "pair": obs.pair}
                for obs in self.observe(number)]


def record_chain(config: ChainConfig, blocks: int, *, poll_s: float = 0.05,
                 timeout_s: float = 600) -> pd.DataFrame:
    chain = Chain(config.rpc_url)
    reader = BlockReader(chain, config)
    rows: list[dict[str, Any]] = []
    next_block = chain.block_number()
    last = next_block + blocks
    deadline = time.monotonic() + timeout_s
    while next_block < last and time.monotonic() < deadline:
        head = chain.block_number()
        if head < next_block:
            time.sleep(poll_s)
            continue
        for number in range(next_block, min(head, last - 1) + 1):
            header = chain.rpc("eth_getBlockByNumber", [hex(number), False])
            gas_gwei = int(header.get("baseFeePerGas", "0x0"), 16) / 1e9
            rows += reader.rows(number, int(header["timestamp"], 16), gas_gwei)
        next_block = min(head, last - 1) + 1
    return validate(pd.DataFrame(rows))


class SimulatedDevnet:
    """A fresh devnet world on its own anvil, mining off, and the market simulator on it."""

    def __init__(self, chain: Chain, config: ChainConfig, options: MarketOptions) -> None:
        self.chain, self.config = chain, config
        self.market = ChainMarket(config, options, random.Random(options.seed))
        self.reader = BlockReader(chain, config)
        self.timestamp = int(chain.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def mine(self) -> int:
        """One block, one second after the last; returns its number."""
        self.timestamp += 1
        self.chain.rpc("evm_setNextBlockTimestamp", [self.timestamp])
        self.chain.mine()
        return self.chain.block_number()

    def step(self, seconds: float = 1.0) -> tuple[int, list[PoolObservation]]:
        """``seconds`` of the simulated market in one block: its number and the changed pools."""
        self.market.step(seconds)
        number = self.mine()
        return number, self.reader.observe(number)

    def record(self, blocks: int) -> pd.DataFrame:
        rows: list[dict[str, Any]] = []
        for _ in range(blocks):
            self.market.step(1.0)
            number = self.mine()
            rows += self.reader.rows(number, self.timestamp, self.gas_gwei(number))
        return validate(pd.DataFrame(rows))

    def gas_gwei(self, number: int) -> float:
        header = self.chain.rpc("eth_getBlockByNumber", [hex(number), False])
        return int(header.get("baseFeePerGas", "0x0"), 16) / 1e9

    @contextlib.contextmanager
    def isolated(self) -> Iterator[None]:
        """Everything done inside (blocks, pool states read) is undone afterwards."""
        previous, timestamp = dict(self.reader.previous), self.timestamp
        with self.chain.isolated():
            yield
        self.reader.previous, self.timestamp = previous, timestamp


@contextlib.contextmanager
def simulated_devnet(seed: int = 0, options: MarketOptions | None = None,
                     ) -> Iterator[SimulatedDevnet]:
    """A devnet world (seeded) on a fresh anvil with the default market simulator (or ``options``)."""
    node = AnvilNode(NodeOptions(0, 31337, accounts=10))
    try:
        chain = Chain(node.url)
        config = build(chain, WorldOptions(seed=seed, name="simulated", rpc_url=node.url,
                                           ws_url=node.ws_url, block_time_s=0,
                                           trader=chain.accounts[-1]), log=lambda _: None)
        chain.rpc("evm_setAutomine", [False])  # a block only when mine() asks
        yield SimulatedDevnet(chain, config, options or MarketOptions(seed=seed))
    finally:
        node.stop()


def record(config_path: Path, blocks: int) -> pd.DataFrame:
    config = load(config_path)
    return pd.concat([record_chain(c, blocks) for c in config.chains], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path(".devnet/devnet.json"))
    parser.add_argument("--simulate", action="store_true",
                        help="no running devnet: start one and simulate the market on it")
    parser.add_argument("--seed", type=int, default=0, help="with --simulate")
    parser.add_argument("--blocks", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path(".cache/data/devnet.csv"))
    args = parser.parse_args()
    if args.simulate:
        with simulated_devnet(args.seed) as devnet:
            frame = devnet.record(args.blocks)
    else:
        frame = record(args.config, args.blocks)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print(f"{len(frame)} rows, {frame['pool'].nunique()} pools -> {args.out}")


if __name__ == "__main__":
    main()
