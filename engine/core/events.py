"""What the chain layer feeds the engine, and what the engine publishes.

Inputs (chain layer -> ``Engine``): ``TokenAdded``, ``V2PoolAdded`` /
``V3PoolAdded`` (``PoolAdded``), ``BlockUpdate``, and rollbacks through
``Engine.rollback``. Outputs (``Engine`` -> subscribers): ``PriceEvent`` and
``OpportunityEvent``.

Amounts are Python ints; addresses are "0x" hex strings (any case in,
lowercase out). Timestamps ``*_ns`` are Unix nanoseconds (``time.time_ns()``)
so that latency can be measured across processes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import engine_rs

# One market update, exactly as engine_rs.Market.apply_updates takes it:
#   ("sync", chain_id, pool, reserve0, reserve1)                V2 Sync
#   ("swap", chain_id, pool, sqrt_price_x96, liquidity, tick)  V3 Swap
#   ("mint", chain_id, pool, tick_lower, tick_upper, amount)   V3 Mint
#   ("burn", chain_id, pool, tick_lower, tick_upper, amount)   V3 Burn
MarketUpdate = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class TokenAdded:
    chain_id: int
    address: str
    decimals: int
    symbol: str = ""


@dataclass(frozen=True, slots=True)
class V2PoolAdded:
    """A V2 pair's full state as ``Market.add_v2_pool`` takes it, read at ``block_number``."""

    chain_id: int
    address: str
    token0: str
    token1: str
    reserve0: int
    reserve1: int
    fee_bps: int = 30
    dex: str = ""
    block_number: int = 0


@dataclass(frozen=True, slots=True)
class V3PoolAdded:
    """A V3 pool's full state as ``Market.add_v3_pool`` takes it, read at ``block_number``.

    ``ticks`` lists ``(tick, liquidity_gross, liquidity_net)`` of every initialized tick.
    """

    chain_id: int
    address: str
    token0: str
    token1: str
    fee: int
    tick_spacing: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    ticks: Sequence[tuple[int, int, int]]
    dex: str = ""
    block_number: int = 0


PoolAdded = V2PoolAdded | V3PoolAdded


@dataclass(frozen=True, slots=True)
class BlockUpdate:
    """One block of one chain: its identity and every pool update its logs carry, in log order.

    ``updates`` may be empty (a block without pool events still advances the
    head and is kept for reorg detection). ``gas_price_wei``, when given, is
    used to cost opportunities from this block on. ``observed_ns`` is when the
    chain layer received the block's logs (the start of the latency budget).
    """

    chain_id: int
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    updates: list[MarketUpdate]
    gas_price_wei: int | None = None
    observed_ns: int = field(default_factory=time.time_ns)


@dataclass(frozen=True, slots=True)
class Rollback:
    """Undo every block of ``chain_id`` above ``to_number`` (the common ancestor of a reorg)."""

    chain_id: int
    to_number: int


@dataclass(frozen=True, slots=True)
class RollbackResult:
    chain_id: int
    to_number: int
    # Blocks of the chain that were undone, newest first: (number, hash).
    removed_blocks: list[tuple[int, str]]
    # Pools of the chain whose state had been read above ``to_number``: they
    # were removed and must be read again and re-added by the chain layer.
    removed_pools: list[str]


# --- published --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceEvent:
    """Pools whose state a block changed (or, with ``snapshot``, every pool), as they are after it."""

    chain_id: int
    block_number: int
    block_hash: str
    pools: list[engine_rs.PoolView]
    observed_ns: int
    published_ns: int
    snapshot: bool = False


PASS, SKIP = "pass", "skip"  # ModelVerdict.decision


@dataclass(frozen=True, slots=True)
class ModelVerdict:
    """What the strategy decided about one opportunity from the models (engine/execution/gate.py).

    ``score``: the highest IsolationForest anomaly score among the route's pools
    (None while no pool of the route has enough history); ``anomalous``: a pool
    of the route scores above the threshold; ``decision``: ``SKIP`` when the
    strategy will not trade it, else ``PASS``; ``reason`` says why, with every
    pool's score.
    """

    decision: str
    reason: str
    score: float | None = None
    anomalous: bool = False


@dataclass(frozen=True, slots=True)
class OpportunityEvent:
    """A chain's current opportunities after a block, ranked by profit_net.

    ``verdicts``: the models' verdict on each, by opportunity id (empty without models).
    """

    chain_id: int
    block_number: int
    block_hash: str
    opportunities: list[engine_rs.Opportunity]
    observed_ns: int
    published_ns: int
    snapshot: bool = False
    verdicts: Mapping[str, ModelVerdict] = field(default_factory=dict)
