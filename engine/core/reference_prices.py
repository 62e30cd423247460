"""Reference prices: USD per whole token, from the chains' price-feed oracles.

The chain layer (engine/chain/oracle.py) reads the configured Chainlink feeds
and sets the answers it accepts here; the API values tokens, pools and
opportunities with them. Floats: display and valuation only, never an amount
a trade is computed from.

Not part of the market's history: a reorg that undoes a feed update is
corrected by the next read of the feeds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.config import ChainConfig, PriceFeedConfig
from engine.core.state import Key, PoolView, TokenInfo, mid_price


@dataclass(frozen=True, slots=True)
class ReferencePrice:
    """One accepted feed answer: ``answer / 10**decimals`` USD per whole token."""

    chain_id: int
    token: str
    feed: str
    answer: int
    decimals: int
    round_id: int
    updated_at: int  # the feed's updatedAt, unix seconds
    block_number: int  # the block it was read at

    @property
    def usd(self) -> float:
        return self.answer / 10**self.decimals


class ReferencePrices:
    """The configured feeds of every chain and their last accepted answers."""

    def __init__(self, chains: Iterable[ChainConfig]) -> None:
        self._feeds: dict[int, dict[str, PriceFeedConfig]] = {}
        self._limits: dict[int, float] = {}
        for chain in chains:
            self._feeds[chain.chain_id] = chain.feeds()
            self._limits[chain.chain_id] = chain.max_oracle_deviation
        self._prices: dict[Key, ReferencePrice] = {}

    @property
    def configured(self) -> bool:
        """Some chain has a price feed."""
        return any(self._feeds.values())

    def feeds(self, chain_id: int) -> Mapping[str, PriceFeedConfig]:
        """The chain's feeds by lowercase token address."""
        return self._feeds.get(chain_id, {})

    def feed(self, chain_id: int, token: str) -> str | None:
        config = self._feeds.get(chain_id, {}).get(token.lower())
        return config.feed if config else None

    def max_deviation(self, chain_id: int) -> float | None:
        return self._limits.get(chain_id)

    def set(self, price: ReferencePrice) -> None:
        self._prices[(price.chain_id, price.token)] = price

    def get(self, chain_id: int, token: str) -> ReferencePrice | None:
        return self._prices.get((chain_id, token.lower()))

    def usd_price(self, chain_id: int, token: str) -> float | None:
        """USD per whole token; None without a feed or before its first accepted answer."""
        price = self._prices.get((chain_id, token.lower()))
        return price.usd if price else None

    def usd_value(self, chain_id: int, token: str, amount: int, decimals: int) -> float | None:
        """``amount`` raw units of ``token`` in USD; None without its price."""
        usd = self.usd_price(chain_id, token)
        return None if usd is None else amount / 10**decimals * usd

    def implied_price(self, chain_id: int, token0: str, token1: str) -> float | None:
        """token1 per token0 as the oracles see it (whole tokens)."""
        usd0, usd1 = self.usd_price(chain_id, token0), self.usd_price(chain_id, token1)
        if usd0 is None or usd1 is None:
            return None
        return usd0 / usd1

    def deviation(self, pool: PoolView, tokens: Mapping[Key, TokenInfo]) -> float | None:
        """|pool mid price / oracle-implied price - 1|; None unless both tokens are priced
        (and the pool has a price)."""
        implied = self.implied_price(pool.chain_id, pool.token0, pool.token1)
        if implied is None:
            return None
        mid = mid_price(pool, tokens)
        if mid <= 0:
            return None
        return abs(mid / implied - 1.0)

    def off_oracle(self, chain_id: int, deviation: float | None) -> bool:
        limit = self._limits.get(chain_id)
        return deviation is not None and limit is not None and deviation > limit
