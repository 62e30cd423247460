"""Record a market frame from a running devnet (``python -m engine.devnet up --simulate``).

    python -m ml.data.devnet --config .devnet/devnet.json --blocks 300 --out .cache/data/devnet.csv

For every new block of each chain it reads every pool's state *at that block*
(V2 ``getReserves``, V3 ``slot0`` + ``liquidity`` through ``eth_call`` with
the block number) and the block's base fee, and maps them with
``engine.models.observe.observation``, the function the engine serves with,
so a recorded series and the engine's live features agree. Rows only for
pools whose state changed (as arbitrage.db's market_series), plus the first
block. Needs web3 only (no torch).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from engine.devnet.config import ChainConfig, load
from engine.devnet.rpc import Chain
from engine.models.observe import observation
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


def record_chain(config: ChainConfig, blocks: int, *, poll_s: float = 0.05,
                 timeout_s: float = 600) -> pd.DataFrame:
    chain = Chain(config.rpc_url)
    tokens = {(config.chain_id, t.address): SimpleNamespace(decimals=t.decimals, symbol=t.symbol)
              for t in config.tokens}
    dex_of = {p.address: p.dex for p in config.pools}
    previous: dict[str, Any] = {}
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
            timestamp = int(header["timestamp"], 16)
            for pool in config.pools:
                state = read_pool(chain, config.chain_id, pool, number)
                prev = previous.get(pool.address)
                obs = observation(state, prev, tokens)
                previous[pool.address] = state
                if prev is not None and vars(prev) == vars(state):
                    continue  # unchanged: no row, like arbitrage.db
                rows.append({
                    "chain_id": config.chain_id, "pool": pool.address, "block": number,
                    "timestamp": timestamp, "price": obs.price, "liquidity": obs.liquidity,
                    "swap_count": obs.swap_count, "volume": obs.volume,
                    "gas_price_gwei": gas_gwei, "dex": dex_of[pool.address], "pair": obs.pair,
                })
        next_block = min(head, last - 1) + 1
    return validate(pd.DataFrame(rows))


def record(config_path: Path, blocks: int) -> pd.DataFrame:
    config = load(config_path)
    return pd.concat([record_chain(c, blocks) for c in config.chains], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path(".devnet/devnet.json"))
    parser.add_argument("--blocks", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path(".cache/data/devnet.csv"))
    args = parser.parse_args()
    frame = record(args.config, args.blocks)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print(f"{len(frame)} rows, {frame['pool'].nunique()} pools -> {args.out}")


if __name__ == "__main__":
    main()
