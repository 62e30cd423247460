"""Reference prices from the chain's Chainlink price feeds (``AggregatorV3Interface``).

At the initial sync and then every ``oracle_refresh_blocks`` blocks, the
follower reads ``decimals()`` and ``latestRoundData()`` of every configured
feed in one JSON-RPC batch of ``eth_call``s at the block it has just applied,
and sets each answer it accepts in ``Engine.reference_prices``.

An answer is rejected, and the feed's last accepted answer kept, when it is
  non_positive  answer <= 0;
  incomplete    updatedAt == 0, or answeredInRound < roundId;
  stale         the block's timestamp - updatedAt > the feed's max staleness
                (chain time, not the wall clock: a devnet's clock is its own);
  call_failed   the call fails or returns no AggregatorV3 layout (no contract there).
Each rejection is a warning naming the chain, token, feed and reason, logged
once per feed round (not at every read), and counted in
``arbx_oracle_errors_total``.

After each read, the pools whose mid price strays beyond ``max_oracle_deviation``
from the oracles are counted (``arbx_off_oracle_pools``); a pool that goes off
oracle is logged once, and again when it comes back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from engine import metrics
from engine.chain import abi
from engine.chain.blocks import BlockHeader
from engine.chain.connection import RpcClient
from engine.chain.errors import RpcError
from engine.config import ChainConfig
from engine.core.engine import Engine
from engine.core.reference_prices import ReferencePrice

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoundData:
    """``latestRoundData()`` with the feed's ``decimals()``."""

    round_id: int
    answer: int
    started_at: int
    updated_at: int
    answered_in_round: int
    decimals: int


def decode_round(decimals_data: bytes, round_data: bytes) -> RoundData:
    """Raises ValueError when the data is not AggregatorV3's layout."""
    decimals = abi.word(decimals_data, 0)
    if decimals > 36:
        raise ValueError(f"decimals() is {decimals}")
    return RoundData(
        round_id=abi.word(round_data, 0),
        answer=abi.word(round_data, 1, signed=True),
        started_at=abi.word(round_data, 2),
        updated_at=abi.word(round_data, 3),
        answered_in_round=abi.word(round_data, 4),
        decimals=decimals,
    )


def rejection(data: RoundData, block_timestamp: int, max_staleness_s: int) -> tuple[str, str] | None:
    """(reason, detail) when the answer must not be used; None when it is good."""
    if data.answer <= 0:
        return "non_positive", f"answer {data.answer} <= 0"
    if data.updated_at == 0 or data.answered_in_round < data.round_id:
        return "incomplete", (f"round {data.round_id} incomplete (updatedAt {data.updated_at}, "
                              f"answeredInRound {data.answered_in_round})")
    age = block_timestamp - data.updated_at
    if age > max_staleness_s:
        return "stale", f"updated {age} s before the block, max_staleness_s is {max_staleness_s}"
    return None


class OracleReader:
    """The price feeds of one chain, read through the follower's RPC client."""

    def __init__(self, config: ChainConfig, engine: Engine, client: RpcClient) -> None:
        self.chain_id = config.chain_id
        self.config = config
        self.engine = engine
        self.client = client
        self.prices = engine.reference_prices
        self.feeds = dict(self.prices.feeds(config.chain_id))  # token -> PriceFeedConfig
        self.last_read_block: int | None = None
        self._logged: dict[str, tuple[str, int]] = {}  # token -> (reason, round) last logged
        self._off_oracle: set[str] = set()

    def due(self, block_number: int) -> bool:
        return (
            self.last_read_block is None
            or block_number - self.last_read_block >= self.config.oracle_refresh_blocks
            or block_number < self.last_read_block  # rolled back below the last read
        )

    async def refresh(self, header: BlockHeader) -> int:
        """Read every feed at ``header``'s block; returns how many answers were accepted.

        A failed batch (ConnectionLost, a refused batch) propagates: the
        follower retries at its next round.
        """
        tokens = list(self.feeds)
        calls: list[tuple[str, list[Any]]] = []
        for token in tokens:
            feed = self.feeds[token].feed
            for selector in (abi.DECIMALS, abi.LATEST_ROUND_DATA):
                calls.append(("eth_call", [{"to": feed, "data": "0x" + selector.hex()},
                                           hex(header.number)]))
        results = await self.client.batch(calls)
        accepted = 0
        for i, token in enumerate(tokens):
            if self._accept(token, results[2 * i], results[2 * i + 1], header):
                accepted += 1
        self.last_read_block = header.number
        self._check_pools(header.number)
        return accepted

    def _accept(self, token: str, decimals_raw: Any, round_raw: Any, header: BlockHeader) -> bool:
        feed = self.feeds[token]
        metrics.ORACLE_READS.labels(self.chain_id).inc()
        data, problem = self._decode(decimals_raw, round_raw)
        if data is not None:
            max_staleness = feed.max_staleness_s or self.config.oracle_max_staleness_s
            problem = rejection(data, header.timestamp, max_staleness)
        if data is None or problem is not None:
            assert problem is not None
            self._reject(token, problem, data.round_id if data else -1, header.number)
            return False
        self._logged.pop(token, None)
        self.prices.set(ReferencePrice(
            self.chain_id, token, feed.feed, data.answer, data.decimals, data.round_id,
            data.updated_at, header.number,
        ))
        metrics.ORACLE_PRICE.labels(self.chain_id, token).set(data.answer / 10**data.decimals)
        return True

    @staticmethod
    def _decode(decimals_raw: Any, round_raw: Any) -> tuple[RoundData | None, tuple[str, str] | None]:
        for result in (decimals_raw, round_raw):
            if isinstance(result, RpcError):
                return None, ("call_failed", str(result))
        try:
            return decode_round(abi.to_bytes(decimals_raw or "0x"), abi.to_bytes(round_raw or "0x")), None
        except ValueError as exc:
            return None, ("call_failed", f"not an AggregatorV3Interface feed (no contract?): {exc}")

    def _reject(self, token: str, problem: tuple[str, str], round_id: int, block: int) -> None:
        reason, detail = problem
        metrics.ORACLE_ERRORS.labels(self.chain_id, reason).inc()
        if self._logged.get(token) == (reason, round_id):
            return  # said once for this round
        self._logged[token] = (reason, round_id)
        kept = self.prices.get(self.chain_id, token)
        info = self.engine.view.tokens.get((self.chain_id, token))
        name = f"{info.symbol} ({token})" if info and info.symbol else token
        keeping = (f"keeping round {kept.round_id} ({kept.usd:g} USD, block {kept.block_number})"
                   if kept else "no price yet")
        log.warning(
            f"price feed answer rejected: chain {self.config.name}, token {name}, feed "
            f"{self.feeds[token].feed}: {reason}: {detail}; {keeping}",
            extra={"chain_id": self.chain_id, "token": token, "feed": self.feeds[token].feed,
                   "reason": reason, "round": round_id, "block": block},
        )

    def _check_pools(self, block: int) -> None:
        view = self.engine.view
        off: dict[str, float] = {}
        for pool in self.engine.pools(self.chain_id):
            deviation = self.prices.deviation(pool, view.tokens)
            if deviation is not None and self.prices.off_oracle(self.chain_id, deviation):
                off[pool.address] = deviation
        for address in sorted(off.keys() - self._off_oracle):
            log.warning(
                f"pool off oracle: chain {self.config.name}, pool {address} deviates "
                f"{off[address]:.2%} from the oracle price (max_oracle_deviation "
                f"{self.config.max_oracle_deviation:.2%})",
                extra={"chain_id": self.chain_id, "pool": address, "deviation": off[address],
                       "block": block},
            )
        for address in sorted(self._off_oracle - off.keys()):
            log.info(f"pool back on oracle: chain {self.config.name}, pool {address}",
                     extra={"chain_id": self.chain_id, "pool": address, "block": block})
        self._off_oracle = set(off)
        metrics.OFF_ORACLE_POOLS.labels(self.chain_id).set(len(off))
