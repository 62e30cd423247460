"""A synthetic multi-DEX market, for tests and for a known-structure benchmark.

The generator (seeded, numpy only):

- **Fair price** per pair: log price follows a regime-switching process. Each
  block a Markov chain (stay with probability ``regime_stay``) picks one of
  *calm* (Gaussian noise, ``sigma``), *trend* (drift ``±trend_drift`` per block,
  sign drawn when the regime starts) or *mean reversion* (an Ornstein-Uhlenbeck
  pull, strength ``reversion``, towards the level where the regime began).
  Trends and reversions are the predictable part a model can find.
- **Pools**: each pair is quoted by ``dexes`` pools. A pool's log price is the
  fair log price plus its own gap, an AR(1) with coefficient ``gap_ar`` (the
  arbitrageurs closing gaps) and noise ``gap_sigma``.
- **Activity**: swaps per block are Poisson with a rate that rises with the
  block's absolute return; volume is log-normal per swap. Gas price is a
  log AR(1) around ``gas_gwei``.
- **Liquidity**: a slow log random walk per pool; on the V3-like pools
  (every third DEX) ordinary mints and burns step it by 10-60 %.
- **Ordinary shocks** (not anomalies): one large swap moves one pool
  ``shock_move`` (1-3 %) off the other DEXes (``shock_rate``: every 50 blocks
  per pool on average), as the devnet simulator's gap-opening swaps do; the
  gap then decays like any other (arbitrageurs closing it). On a V3-like pool
  such a move often leaves the narrow ranges: with probability ``range_exit``
  its active liquidity falls by ``range_exit_loss`` (50-99.9 %) until the
  price comes back (5-200 blocks), as the devnet's V3 pools do. A model that
  never saw these flags them; these are the devnet's ordinary large events.
- **Injected anomalies** (the ``anomaly`` column marks the rows, ground truth
  for evaluation only): *liquidity pull*, a pool loses 80-95 % of its
  liquidity in one block and stays drained; *price manipulation*, one pool's
  price jumps 5-15 % with a swap burst for a few blocks while the other
  DEXes stay at the fair price, then it is arbitraged back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.data.frame import validate

CALM, TREND, REVERSION = 0, 1, 2
DEX_NAMES = ("uniswap-v2", "pancakeswap-v2", "uniswap-v3")


@dataclass(frozen=True)
class SyntheticMarket:
    blocks: int = 3000
    pairs: tuple[tuple[str, float], ...] = (("WETH/USDC", 3000.0), ("WBTC/USDC", 60000.0))
    dexes: int = 3
    chain_id: int = 31337
    start_block: int = 1_000
    start_timestamp: int = 1_700_000_000
    block_time_s: int = 2
    sigma: float = 0.002
    trend_drift: float = 0.0015
    reversion: float = 0.08
    regime_stay: float = 0.97
    gap_ar: float = 0.6
    gap_sigma: float = 0.0005
    liquidity: float = 2e6
    shock_rate: float = 0.02  # ordinary one-pool shocks per pool and block
    shock_move: tuple[float, float] = (0.01, 0.03)
    range_exit: float = 0.8  # share of shocks on a V3-like pool that leave its ranges
    range_exit_loss: tuple[float, float] = (0.5, 0.999)  # share of active liquidity it loses
    liquidity_change_rate: float = 0.01  # ordinary mints / burns per V3-like pool and block
    swap_rate: float = 2.0
    gas_gwei: float = 20.0
    anomalies_per_pool: float = 2.0  # expected injected anomalies per pool over the series
    seed: int = 0


def generate(m: SyntheticMarket = SyntheticMarket()) -> pd.DataFrame:
    """A validated market frame (see ``ml.data.frame``) with an ``anomaly`` column."""
    rng = np.random.default_rng(m.seed)
    n = m.blocks
    blocks = m.start_block + np.arange(n)
    timestamps = m.start_timestamp + m.block_time_s * np.arange(n)
    gas = np.empty(n)
    g = np.log(m.gas_gwei)
    for t in range(n):
        g = 0.95 * g + 0.05 * np.log(m.gas_gwei) + rng.normal(0, 0.05)
        gas[t] = np.exp(g)

    frames = []
    for pair, price0 in m.pairs:
        fair = _fair_log_price(rng, n, np.log(price0), m)
        for d in range(m.dexes):
            dex = DEX_NAMES[d % len(DEX_NAMES)]
            pool = f"0x{rng.integers(0, 2**63):016x}{d:024x}"
            concentrated = dex == "uniswap-v3"
            shocks = rng.random(n) < m.shock_rate
            shocks[0] = False
            kicks = rng.normal(0, m.gap_sigma, n) + shocks * rng.choice([-1.0, 1.0], n) * \
                rng.uniform(*m.shock_move, n)
            gap = np.zeros(n)
            for t in range(1, n):
                gap[t] = m.gap_ar * gap[t - 1] + kicks[t]
            log_price = fair + gap
            steps = rng.normal(0, 0.002, n)
            if concentrated:  # mints and burns
                changes = rng.random(n) < m.liquidity_change_rate
                steps += changes * rng.choice([-1.0, 1.0], n) * -np.log(1 - rng.uniform(0.1, 0.6, n))
            log_liq = np.log(m.liquidity * rng.uniform(0.3, 3.0)) + np.cumsum(steps)
            if concentrated:  # a shock out of the narrow ranges, back later
                for t0 in np.flatnonzero(shocks & (rng.random(n) < m.range_exit)):
                    back = t0 + int(rng.integers(5, 200))
                    log_liq[t0:back] += np.log(1 - rng.uniform(*m.range_exit_loss))
            abs_ret = np.abs(np.diff(log_price, prepend=log_price[0]))
            rate = m.swap_rate * (1 + abs_ret / m.sigma)
            swaps = rng.poisson(rate).astype(float)
            anomaly = np.zeros(n, dtype=np.int64)
            for _ in range(rng.poisson(m.anomalies_per_pool)):
                t0 = int(rng.integers(n // 10, n - 20))
                if rng.random() < 0.5:  # liquidity pull: drained from t0 on
                    log_liq[t0:] += np.log(1 - rng.uniform(0.8, 0.95))
                    anomaly[t0:t0 + 3] = 1
                else:  # price manipulation: this pool only, a burst of swaps
                    k = int(rng.integers(2, 6))
                    jump = rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.15)
                    log_price[t0:t0 + k] += jump
                    swaps[t0:t0 + k] += rng.integers(20, 60, size=k)
                    anomaly[t0:t0 + k] = 1
            price = np.exp(log_price)
            liquidity = np.exp(log_liq)
            volume = np.array([rng.lognormal(np.log(2000.0), 1.0, int(s)).sum() for s in swaps])
            frames.append(pd.DataFrame({
                "chain_id": m.chain_id, "pool": pool, "block": blocks, "timestamp": timestamps,
                "price": price, "liquidity": liquidity, "swap_count": swaps, "volume": volume,
                "gas_price_gwei": gas, "dex": dex, "pair": pair, "anomaly": anomaly,
            }))
    return validate(pd.concat(frames, ignore_index=True))


def _fair_log_price(rng: np.random.Generator, n: int, x0: float, m: SyntheticMarket) -> np.ndarray:
    x = np.empty(n)
    x[0] = x0
    regime, drift, anchor = CALM, 0.0, x0
    for t in range(1, n):
        if rng.random() > m.regime_stay:
            regime = int(rng.integers(0, 3))
            drift = rng.choice([-1.0, 1.0]) * m.trend_drift
            anchor = x[t - 1] + rng.choice([-1.0, 1.0]) * 0.02  # reversion towards a shifted level
        step = rng.normal(0, m.sigma)
        if regime == TREND:
            step += drift
        elif regime == REVERSION:
            step += m.reversion * (anchor - x[t - 1])
        x[t] = x[t - 1] + step
    return x
