"""What the devnet world contains: tokens, DEXes and pools, as data.

Prices and sizes are in US dollars at the time the world is seeded; the
builder turns them into raw token amounts with each token's decimals and
varies them with the seed (see :mod:`engine.devnet.world`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenSpec:
    symbol: str
    name: str
    decimals: int
    price_usd: float


@dataclass(frozen=True)
class PoolSpec:
    dex: str  # a DEX name below
    token_a: str  # symbols
    token_b: str
    tvl_usd: float
    fee: int | None = None  # V3 fee tier (pips); V2 pools take their DEX's fee


WETH = "WETH"

TOKENS: tuple[TokenSpec, ...] = (
    TokenSpec(WETH, "Wrapped Ether", 18, 3_000.0),
    TokenSpec("USDC", "USD Coin", 6, 1.0),
    TokenSpec("USDT", "Tether USD", 6, 1.0),
    TokenSpec("WBTC", "Wrapped BTC", 8, 60_000.0),
    TokenSpec("DAI", "Dai Stablecoin", 18, 1.0),
    TokenSpec("LINK", "ChainLink Token", 18, 15.0),
    TokenSpec("UNI", "Uniswap", 18, 8.0),
)

UNISWAP_V2 = "uniswap-v2"
PANCAKESWAP_V2 = "pancakeswap-v2"
UNISWAP_V3 = "uniswap-v3"

POOLS: tuple[PoolSpec, ...] = (
    # Uniswap V2 (0.30 %)
    PoolSpec(UNISWAP_V2, WETH, "USDC", 20e6),
    PoolSpec(UNISWAP_V2, WETH, "USDT", 10e6),
    PoolSpec(UNISWAP_V2, "WBTC", WETH, 10e6),
    PoolSpec(UNISWAP_V2, WETH, "DAI", 6e6),
    PoolSpec(UNISWAP_V2, "LINK", WETH, 4e6),
    PoolSpec(UNISWAP_V2, "UNI", WETH, 3e6),
    PoolSpec(UNISWAP_V2, "USDC", "USDT", 5e6),
    PoolSpec(UNISWAP_V2, "DAI", "USDC", 4e6),
    PoolSpec(UNISWAP_V2, "WBTC", "USDC", 5e6),
    # PancakeSwap V2 (0.20 %): thinner books on the same pairs
    PoolSpec(PANCAKESWAP_V2, WETH, "USDC", 8e6),
    PoolSpec(PANCAKESWAP_V2, WETH, "USDT", 5e6),
    PoolSpec(PANCAKESWAP_V2, "WBTC", WETH, 4e6),
    PoolSpec(PANCAKESWAP_V2, "LINK", WETH, 2e6),
    PoolSpec(PANCAKESWAP_V2, "USDC", "USDT", 3e6),
    PoolSpec(PANCAKESWAP_V2, "WBTC", "USDC", 2e6),
    PoolSpec(PANCAKESWAP_V2, "UNI", WETH, 1e6),
    # Uniswap V3: every fee tier in use
    PoolSpec(UNISWAP_V3, WETH, "USDC", 30e6, fee=500),
    PoolSpec(UNISWAP_V3, WETH, "USDC", 10e6, fee=3000),
    PoolSpec(UNISWAP_V3, WETH, "USDT", 10e6, fee=500),
    PoolSpec(UNISWAP_V3, "WBTC", WETH, 10e6, fee=3000),
    PoolSpec(UNISWAP_V3, "WBTC", WETH, 5e6, fee=500),
    PoolSpec(UNISWAP_V3, "USDC", "USDT", 20e6, fee=100),
    PoolSpec(UNISWAP_V3, "DAI", "USDC", 10e6, fee=100),
    PoolSpec(UNISWAP_V3, "LINK", WETH, 4e6, fee=3000),
    PoolSpec(UNISWAP_V3, "UNI", WETH, 2e6, fee=10000),
    PoolSpec(UNISWAP_V3, "WBTC", "USDC", 5e6, fee=3000),
)


@dataclass(frozen=True)
class RangeSpec:
    """A V3 position: ``half_width`` is the relative distance of each bound from
    the price (0.01 = ±1 %; None = full range), ``share`` its part of the pool's value."""

    half_width: float | None
    share: float


# From full range down to a few ticks around the price, as on mainnet.
VOLATILE_RANGES: tuple[RangeSpec, ...] = (
    RangeSpec(None, 0.20),
    RangeSpec(0.25, 0.20),
    RangeSpec(0.05, 0.25),
    RangeSpec(0.01, 0.25),
    RangeSpec(0.002, 0.10),
)
STABLE_RANGES: tuple[RangeSpec, ...] = (
    RangeSpec(None, 0.10),
    RangeSpec(0.01, 0.20),
    RangeSpec(0.002, 0.40),
    RangeSpec(0.0005, 0.30),
)
STABLES = frozenset({"USDC", "USDT", "DAI"})

# Chainlink-style USD price feeds (contracts/PriceFeed.sol) for the main tokens:
# the wrapped native token, WBTC and the stablecoins. 8 decimals, as Chainlink's USD feeds.
PRICE_FEEDS: tuple[str, ...] = (WETH, "WBTC", "USDC", "USDT", "DAI")
FEED_DECIMALS = 8
FEED_MAX_STALENESS_S = 3600  # Chainlink's ETH / USD heartbeat; the simulator refreshes far sooner
