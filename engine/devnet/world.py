"""Builds the devnet world on one chain: tokens, two V2 DEXes, a V3 DEX,
pools with liquidity, the executor, a funded trading account and USD price
feeds for the main tokens.

Everything random comes from ``random.Random(f"{seed}:{chain_id}")`` and the
deployment order is fixed, so the same seed on a fresh anvil gives the same
addresses, pools and liquidity.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from web3 import Web3

from engine.devnet import artifacts, feeds, liquidity, spec, tokens
from engine.devnet.config import (
    ChainConfig,
    DexConfig,
    PoolConfig,
    PriceFeedConfig,
    SimulatorConfig,
    TokenConfig,
)
from engine.devnet.rpc import Chain
from engine.devnet.spec import PoolSpec, RangeSpec, TokenSpec
from engine.devnet.v2 import V2Dex, V2Protocol, sort_tokens
from engine.devnet.v3 import FEE_TIERS, V3Dex, sqrt_price_x96_of

# Balances of the market makers (the V2Caller / V3Caller contracts): far
# beyond anything the pools hold, so no simulated trade runs dry.
MARKET_MAKER_TOKENS = 2**200
MARKET_MAKER_WETH = 10**30  # wei: 10^12 ether
DEPLOYER_ETH = 2**220
TRADER_ETH = 10_000 * 10**18
TRADER_WETH = 100 * 10**18
EXECUTOR_FLOAT_USD = 250_000.0  # per token: lets the executor trade from its own balance too
PRICE_JITTER = 0.0005  # relative spread of a pool's starting price around the reference
TVL_SPREAD = 0.25  # lognormal sigma of a pool's liquidity around the spec
WIDTH_SPREAD = 0.2  # lognormal sigma of a position's width


@dataclass(frozen=True)
class WorldOptions:
    seed: int
    name: str
    rpc_url: str
    ws_url: str
    block_time_s: int
    trader: str


def build(chain: Chain, options: WorldOptions, log: Callable[[str], None] = print) -> ChainConfig:
    chain_id = chain.chain_id()
    rng = random.Random(f"{options.seed}:{chain_id}")
    deployer = chain.sender
    chain.set_balance(deployer, DEPLOYER_ETH)

    token_configs = _deploy_tokens(chain)
    by_symbol = {t.symbol: t for t in token_configs}

    uniswap_v2 = V2Dex(chain, V2Protocol.UNISWAP)
    pancake_v2 = V2Dex(chain, V2Protocol.PANCAKESWAP, caller=uniswap_v2.caller)
    uniswap_v3 = V3Dex(chain)
    v2_dexes = {spec.UNISWAP_V2: uniswap_v2, spec.PANCAKESWAP_V2: pancake_v2}
    market_makers = (uniswap_v2.caller, uniswap_v3.caller)
    _fund(chain, token_configs, market_makers)

    pools: list[PoolConfig] = []
    for pool_spec in spec.POOLS:
        token_a, token_b = by_symbol[pool_spec.token_a], by_symbol[pool_spec.token_b]
        if pool_spec.dex in v2_dexes:
            pools.append(_v2_pool(v2_dexes[pool_spec.dex], pool_spec, token_a, token_b, rng))
        else:
            pools.append(_v3_pool(uniswap_v3, pool_spec, token_a, token_b, rng))
    log(f"  {options.name}: {len(token_configs)} tokens, {len(pools)} pools")

    dexes = [
        DexConfig(
            name=spec.UNISWAP_V2,
            kind="v2",
            factory=uniswap_v2.factory,
            init_code_hash="0x" + uniswap_v2.init_code_hash.hex(),
            fee=uniswap_v2.fee_pips,
        ),
        DexConfig(
            name=spec.PANCAKESWAP_V2,
            kind="v2",
            factory=pancake_v2.factory,
            init_code_hash="0x" + _pancake_init_code_hash(chain, pancake_v2).hex(),
            fee=pancake_v2.fee_pips,
        ),
        DexConfig(
            name=spec.UNISWAP_V3,
            kind="v3",
            factory=uniswap_v3.factory,
            init_code_hash="0x" + uniswap_v3.init_code_hash.hex(),
            fee_tiers=dict(FEE_TIERS),
        ),
    ]
    executor = _deploy_executor(chain, dexes, options.trader)
    _fund_executor(chain, token_configs, executor)
    chain.set_balance(options.trader, TRADER_ETH)
    tokens.wrap_eth(chain, by_symbol[spec.WETH].address, options.trader, TRADER_WETH)
    price_feeds = _deploy_feeds(chain, by_symbol)
    chain.set_interval_mining(options.block_time_s)

    return ChainConfig(
        name=options.name,
        chain_id=chain_id,
        rpc_url=options.rpc_url,
        ws_url=options.ws_url,
        block_time_s=options.block_time_s,
        deployer=deployer,
        trader=options.trader,
        executor=executor,
        tokens=token_configs,
        dexes=dexes,
        pools=pools,
        price_feeds=price_feeds,
        simulator=SimulatorConfig(v2_caller=uniswap_v2.caller, v3_caller=uniswap_v3.caller),
    )


# --- tokens -------------------------------------------------------------------


def _deploy_tokens(chain: Chain) -> list[TokenConfig]:
    out = []
    for token in spec.TOKENS:
        if token.symbol == spec.WETH:
            address = tokens.deploy_weth(chain)
        else:
            address = tokens.deploy_token(chain, token.name, token.symbol, token.decimals)
        out.append(_token_config(token, address))
    return out


def _token_config(token: TokenSpec, address: str) -> TokenConfig:
    return TokenConfig(
        symbol=token.symbol,
        name=token.name,
        address=address,
        decimals=token.decimals,
        reference_price_usd=token.price_usd,
    )


def _fund(chain: Chain, token_configs: list[TokenConfig], holders: tuple[str, ...]) -> None:
    for holder in holders:
        for token in token_configs:
            if token.symbol == spec.WETH:
                tokens.wrap_eth(chain, token.address, holder, MARKET_MAKER_WETH)
            else:
                tokens.mint(chain, token.address, holder, MARKET_MAKER_TOKENS)


def _deploy_feeds(chain: Chain, by_symbol: dict[str, TokenConfig]) -> dict[str, PriceFeedConfig]:
    """A USD feed per main token, answering its reference price (the simulator moves it)."""
    out = {}
    for symbol in spec.PRICE_FEEDS:
        token = by_symbol[symbol]
        answer = feeds.answer_of(token.reference_price_usd, spec.FEED_DECIMALS)
        feed = feeds.deploy(chain, f"{symbol} / USD", spec.FEED_DECIMALS, answer)
        out[token.address] = PriceFeedConfig(feed=feed, max_staleness_s=spec.FEED_MAX_STALENESS_S)
    return out


# --- pools ----------------------------------------------------------------------


def _ordered(a: TokenConfig, b: TokenConfig) -> tuple[TokenConfig, TokenConfig]:
    t0, _ = sort_tokens(a.address, b.address)
    return (a, b) if t0 == a.address else (b, a)


def _start_price(t0: TokenConfig, t1: TokenConfig, rng: random.Random) -> float:
    """token1 units per token0 unit, jittered around the reference prices."""
    base = liquidity.raw_price(
        t0.reference_price_usd, t1.reference_price_usd, t0.decimals, t1.decimals
    )
    return base * math.exp(rng.gauss(0, PRICE_JITTER))


def _v2_pool(
    dex: V2Dex, pool: PoolSpec, a: TokenConfig, b: TokenConfig, rng: random.Random
) -> PoolConfig:
    t0, t1 = _ordered(a, b)
    price = _start_price(t0, t1, rng)
    tvl = pool.tvl_usd * math.exp(rng.gauss(0, TVL_SPREAD))
    amount0 = liquidity.raw_amount(tvl / 2, t0.reference_price_usd, t0.decimals)
    amount1 = int(amount0 * price)
    pair = dex.create_pair(t0.address, t1.address)
    dex.fund(pair, amount0, amount1, use_mint=True)
    return PoolConfig(
        address=pair,
        dex=pool.dex,
        kind="v2",
        fee=dex.fee_pips,
        token0=t0.address,
        token1=t1.address,
    )


def _v3_pool(
    dex: V3Dex, pool: PoolSpec, a: TokenConfig, b: TokenConfig, rng: random.Random
) -> PoolConfig:
    if pool.fee is None:
        raise ValueError(f"V3 pool {pool.token_a}/{pool.token_b} needs a fee tier")
    t0, t1 = _ordered(a, b)
    price = _start_price(t0, t1, rng)
    tvl = pool.tvl_usd * math.exp(rng.gauss(0, TVL_SPREAD))
    created = dex.create_pool(t0.address, t1.address, pool.fee, sqrt_price_x96_of(price))
    stable = {t0.symbol, t1.symbol} <= spec.STABLES
    for position in spec.STABLE_RANGES if stable else spec.VOLATILE_RANGES:
        lower, upper, amount = _position(position, price, tvl, t1, created.tick_spacing, rng)
        dex.mint(created, lower, upper, amount)
    return PoolConfig(
        address=created.address,
        dex=pool.dex,
        kind="v3",
        fee=pool.fee,
        tick_spacing=created.tick_spacing,
        token0=t0.address,
        token1=t1.address,
    )


def _position(
    position: RangeSpec,
    price: float,
    tvl_usd: float,
    t1: TokenConfig,
    spacing: int,
    rng: random.Random,
) -> tuple[int, int, int]:
    width = position.half_width
    if width is not None:
        width = min(width * math.exp(rng.gauss(0, WIDTH_SPREAD)), 0.9)
    lower, upper = liquidity.position_ticks(price, width, spacing)
    value1 = liquidity.raw_amount(tvl_usd * position.share, t1.reference_price_usd, t1.decimals)
    return lower, upper, liquidity.liquidity_for_value(price, lower, upper, value1)


# --- executor -------------------------------------------------------------------


def _pancake_init_code_hash(chain: Chain, dex: V2Dex) -> bytes:
    """PancakeSwap publishes its own constant; it must match the pair bytecode."""
    out = chain.call(dex.factory, dex.factory_art.encode("INIT_CODE_PAIR_HASH"))
    (published,) = dex.factory_art.decode_output("INIT_CODE_PAIR_HASH", out)
    if bytes(published) != dex.init_code_hash:
        raise RuntimeError(
            "PancakeFactory.INIT_CODE_PAIR_HASH differs from keccak(PancakePair bytecode): "
            "the unpacked build/ is inconsistent (rerun `make npm`)"
        )
    return bytes(published)


def _deploy_executor(chain: Chain, dexes: list[DexConfig], trader: str) -> str:
    """ArbExecutor owned by the deployer, every factory whitelisted, the trader as executor."""
    executor_art = artifacts.executor()
    executor = chain.deploy(executor_art.constructor(chain.sender))
    for dex in dexes:
        init_code_hash = bytes.fromhex(dex.init_code_hash.removeprefix("0x"))
        chain.transact(executor, executor_art.encode("setFactory", dex.factory, init_code_hash))
    chain.transact(executor, executor_art.encode("setExecutor", Web3.to_checksum_address(trader)))
    return executor


def _fund_executor(chain: Chain, token_configs: list[TokenConfig], executor: str) -> None:
    for token in token_configs:
        amount = liquidity.raw_amount(EXECUTOR_FLOAT_USD, token.reference_price_usd, token.decimals)
        if token.symbol == spec.WETH:
            tokens.wrap_eth(chain, token.address, executor, amount)
        else:
            tokens.mint(chain, token.address, executor, amount)
