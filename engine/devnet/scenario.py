"""An anomalous pool on demand: liquidity pulled, price manipulated.

    python -m engine.devnet manipulate [--pool WETH/USDC/3000] [--pull 0.95] [--move 0.10]

What a manipulator does before baiting an arbitrageur, with real transactions
on a running devnet: burn most of a Uniswap V3 pool's liquidity (every
position the world builder and the simulator minted belongs to the world's
V3Caller, which can burn it), then move the thinned pool's price far from the
other DEXes quoting the pair with one swap. An engine serving models
(``models.enabled``) should flag the pool anomalous and skip the
opportunities through it: watch ``arbx watch`` or the dashboard's
opportunity table (tests/test_ml_devnet_anomaly.py checks it).

Transactions go out from an unlocked anvil account without waiting: with
interval mining they share a block, with automine each is its own block, and
with mining off (the tests) they wait for the next mined block. V3 pools only:
a V2 pair's liquidity tokens sit in the V2Caller, which has no burn.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from eth_utils.crypto import keccak

from engine.devnet import config as devnet_config
from engine.devnet import liquidity
from engine.devnet.config import ChainConfig, PoolConfig
from engine.devnet.paths import DEFAULT_CONFIG
from engine.devnet.rpc import TX_GAS, Chain
from engine.devnet.v3 import Pool, V3Dex

BURN_GAS = 1_000_000
SWAP_GAS = TX_GAS  # the thinned pool's swap may cross many ticks


@dataclass(frozen=True)
class Position:
    lower: int
    upper: int
    liquidity: int


@dataclass(frozen=True)
class Manipulation:
    pool: str
    burned: list[Position]  # the liquidity taken out of each position
    txs: list[str]  # the burns, then the swap


def v3_pool(config: PoolConfig) -> Pool:
    if config.kind != "v3" or config.tick_spacing is None:
        raise ValueError(
            f"pool {config.address} is a {config.kind} pool: only V3 pools can be drained "
            "(their positions belong to the devnet's V3Caller)"
        )
    return Pool(config.address, config.fee, config.tick_spacing, config.token0, config.token1)


def find_pool(chain: ChainConfig, name: str) -> PoolConfig:
    """A V3 pool by address, or by "SYMBOL/SYMBOL/FEE" (either token order)."""
    if name.startswith("0x"):
        for pool in chain.pools:
            if pool.address.lower() == name.lower():
                return pool
        raise ValueError(f"{chain.name}: no pool {name}")
    parts = name.split("/")
    if len(parts) != 3 or not parts[2].isdigit():
        raise ValueError(f"--pool {name!r}: expected an address or SYMBOL/SYMBOL/FEE")
    wanted = {chain.token(parts[0]).address, chain.token(parts[1]).address}
    for pool in chain.pools:
        if pool.kind == "v3" and {pool.token0, pool.token1} == wanted and pool.fee == int(parts[2]):
            return pool
    raise ValueError(f"{chain.name}: no V3 pool {name}")


def _int24(value: int) -> bytes:
    return (value & 0xFFFFFF).to_bytes(3, "big")


def positions(dex: V3Dex, pool: Pool) -> list[Position]:
    """Every position the V3Caller holds in ``pool``: each pair of initialized ticks,
    looked up in the pool's ``positions(keccak(owner, lower, upper))``."""
    ticks = [t for t, _, _ in dex.read_ticks(pool)]
    owner = bytes.fromhex(dex.caller.removeprefix("0x"))
    found = []
    for i, lower in enumerate(ticks):
        for upper in ticks[i + 1:]:
            key = keccak(owner + _int24(lower) + _int24(upper))
            out = dex.chain.call(pool.address, dex.pool_art.encode("positions", key))
            amount = int(dex.pool_art.decode_output("positions", out)[0])
            if amount:
                found.append(Position(lower, upper, amount))
    return found


def manipulate(chain: ChainConfig, pool: PoolConfig, *, pull: float = 0.95, move: float = 0.10,
               up: bool = True, sender: str | None = None) -> Manipulation:
    """Burn ``pull`` of every position in ``pool``, then swap its price ``move`` up
    (token0 dearer) or down; returns the transactions sent (not waited for)."""
    if not 0 < pull <= 1:
        raise ValueError(f"--pull {pull}: must be in (0, 1]")
    if not 0 < move < 1:
        raise ValueError(f"--move {move}: must be in (0, 1)")
    target = v3_pool(pool)
    dex = world_v3_dex(chain)
    sender = sender or (dex.chain.accounts[1:] or dex.chain.accounts)[0]
    burned = [Position(p.lower, p.upper, int(p.liquidity * pull)) for p in positions(dex, target)]
    txs = [
        dex.chain.send(dex.caller, dex.burn_calldata(target, b.lower, b.upper, b.liquidity),
                       sender=sender, gas=BURN_GAS)
        for b in burned if b.liquidity
    ]
    # all the input it takes: the price limit (``move``) is what stops the swap
    swap = dex.swap_by_factor_calldata(target, not up, 2**127, move)
    txs.append(dex.chain.send(dex.caller, swap, sender=sender, gas=SWAP_GAS))
    return Manipulation(pool.address, burned, txs)


def world_v3_dex(chain: ChainConfig) -> V3Dex:
    """The world's V3 factory and V3Caller, attached (nothing is deployed)."""
    factory = next(d.factory for d in chain.dexes if d.kind == "v3")
    return V3Dex(Chain(chain.rpc_url), chain.simulator.v3_caller, factory)


# --- command line -------------------------------------------------------------------


def cmd_manipulate(args: argparse.Namespace) -> int:
    world = devnet_config.load(args.config)
    chains = [c for c in world.chains if c.chain_id == args.chain_id or not args.chain_id]
    if not chains:
        raise ValueError(f"{args.config}: no chain {args.chain_id}")
    chain = chains[0]
    pool = find_pool(chain, args.pool)
    dex = world_v3_dex(chain)
    before = dex.read_slot(v3_pool(pool))
    done = manipulate(chain, pool, pull=args.pull, move=args.move, up=not args.down)
    for tx in done.txs:
        receipt = dex.chain.receipt(tx)
        if int(receipt["status"], 16) != 1:
            raise ValueError(f"transaction {tx} reverted")
    after = dex.read_slot(v3_pool(pool))
    t0, t1 = chain.token_by_address(pool.token0), chain.token_by_address(pool.token1)
    print(f"{chain.name}: {t0.symbol}/{t1.symbol} {pool.dex} {pool.fee} ({pool.address})")
    print(f"  in-range liquidity {before[2]} -> {after[2]} "
          f"({len(done.burned)} positions, {args.pull:.0%} of each burned)")
    scale = 10.0 ** (t0.decimals - t1.decimals)
    price_before = liquidity.price_of_sqrt_x96(before[0]) * scale
    price_after = liquidity.price_of_sqrt_x96(after[0]) * scale
    print(f"  price {price_before:.6g} -> {price_after:.6g} {t1.symbol} per {t0.symbol} "
          f"({price_after / price_before - 1:+.1%})")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("manipulate", help="drain a V3 pool's liquidity and push its price "
                                          "(an anomalous pool for the models to flag)")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--chain-id", type=int, default=0, help="default: the first chain")
    p.add_argument("--pool", default="WETH/USDC/3000",
                   help="address or SYMBOL/SYMBOL/FEE of a V3 pool (default %(default)s)")
    p.add_argument("--pull", type=float, default=0.95,
                   help="share of every position's liquidity burned (default %(default)s)")
    p.add_argument("--move", type=float, default=0.10,
                   help="relative price move of the swap (default %(default)s)")
    p.add_argument("--down", action="store_true", help="push token0's price down, not up")
    p.set_defaults(run=cmd_manipulate)
