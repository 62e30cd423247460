"""Market frame -> per-pool raw series -> samples (feature windows, targets, labels).

Steps, each a function so tests and the online learner can use them alone:

1. ``pool_series``: per chain, every pool on the chain's block grid (from the
   pool's first row on); price and liquidity carried forward, swaps and volume
   0 in blocks without a row; ``ref_price`` = median price of the *other*
   pools quoting the same pair at that block (the cross-DEX gap feature);
   gas price per block = the max reported on the chain, carried forward.
2. ``engine.models.features.compute_features`` on each pool's raw rows (the
   one implementation the engine serves with).
3. ``build_samples``: one sample per pool and time t with a full window and
   a known future: the window of feature rows ending at t, the log return
   over the next ``spec.target_horizon`` rows, its direction, the pattern
   label of the next ``pattern_horizon`` rows, and the anomaly-model inputs.

Pattern labels (``PATTERNS``), from what followed t (sigma = realized
volatility at t, ``r`` the next H one-row log returns, ``past`` the log return
over the H rows up to t), first match wins:
- liquidity_pull: liquidity falls by more than 30 % within H rows;
- spike: some |r_k| > 4 sigma;
- trend: |sum r| > 2 sigma sqrt(H) and |sum r| / sum |r| > 0.6 (a steady move);
- mean_reversion: |past| > 1.5 sigma sqrt(H), sum r has the opposite sign
  and undoes at least half of it;
- quiet: everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.models.features import (
    RAW_COLUMNS,
    RAW_INDEX,
    FeatureSpec,
    anomaly_features,
    compute_features,
    sequence_windows,
)
from ml.data.frame import validate

PATTERNS: tuple[str, ...] = ("quiet", "trend", "mean_reversion", "spike", "liquidity_pull")
PATTERN_HORIZON = 8


@dataclass
class PoolSeries:
    chain_id: int
    pool: str
    pair: str
    dex: str
    blocks: np.ndarray  # (T,) int64
    timestamps: np.ndarray  # (T,) int64
    raw: np.ndarray  # (T, len(RAW_COLUMNS)) float64
    anomaly: np.ndarray | None = None  # (T,) ground truth, synthetic data only


@dataclass
class Samples:
    """Model-ready arrays; row i is pool ``pool_index[i]`` at time ``timestamp[i]``."""

    spec: FeatureSpec
    windows: np.ndarray  # (N, window, F) float32
    y_return: np.ndarray  # (N,) float64, log return over the next target_horizon rows
    y_direction: np.ndarray  # (N,) int64, 1 when y_return > 0
    pattern: np.ndarray  # (N,) int64 index into PATTERNS
    anomaly_inputs: np.ndarray  # (N, len(ANOMALY_FEATURES)) float32
    anomaly_truth: np.ndarray | None  # (N,) int64 or None
    timestamp: np.ndarray  # (N,) int64
    block: np.ndarray  # (N,) int64
    pool_index: np.ndarray  # (N,) int64 into ``pools``
    pools: list[str]

    def __len__(self) -> int:
        return len(self.y_return)

    def subset(self, idx: np.ndarray) -> Samples:
        return Samples(
            self.spec, self.windows[idx], self.y_return[idx], self.y_direction[idx],
            self.pattern[idx], self.anomaly_inputs[idx],
            None if self.anomaly_truth is None else self.anomaly_truth[idx],
            self.timestamp[idx], self.block[idx], self.pool_index[idx], self.pools,
        )

    @property
    def data_range(self) -> dict[str, int]:
        return {"from_timestamp": int(self.timestamp.min()), "to_timestamp": int(self.timestamp.max()),
                "from_block": int(self.block.min()), "to_block": int(self.block.max()),
                "samples": len(self), "pools": len(set(self.pool_index.tolist()))}


def pool_series(frame: pd.DataFrame) -> list[PoolSeries]:
    frame = validate(frame)
    out: list[PoolSeries] = []
    for chain_id, chain in frame.groupby("chain_id", sort=True):
        grid = np.sort(chain["block"].unique())
        ts = chain.groupby("block")["timestamp"].max().reindex(grid).ffill().to_numpy()
        gas = (chain.groupby("block")["gas_price_gwei"].max().reindex(grid).ffill()
               .fillna(0.0).to_numpy())
        prices = chain.pivot(index="block", columns="pool", values="price").reindex(grid).ffill()
        for pair, pair_rows in chain.groupby("pair", sort=True):
            pools = sorted(pair_rows["pool"].unique())
            for pool in pools:
                rows = pair_rows[pair_rows["pool"] == pool].set_index("block")
                first = int(rows.index.min())
                keep = grid >= first
                dense = rows.reindex(grid[keep])
                others = [p for p in pools if p != pool]
                own = prices.loc[grid[keep], pool].to_numpy()
                ref = (prices.loc[grid[keep], others].median(axis=1, skipna=True).to_numpy()
                       if others else own)
                ref = np.where(np.isfinite(ref), ref, own)
                raw = np.column_stack([
                    own,
                    dense["liquidity"].ffill().to_numpy(dtype=float),
                    dense["swap_count"].fillna(0.0).to_numpy(dtype=float),
                    dense["volume"].fillna(0.0).to_numpy(dtype=float),
                    gas[keep],
                    ref,
                ])
                anomaly = (dense["anomaly"].fillna(0).to_numpy(dtype=np.int64)
                           if "anomaly" in dense.columns else None)
                out.append(PoolSeries(int(chain_id), str(pool), str(pair),
                                      str(rows["dex"].iloc[0]), grid[keep].astype(np.int64),
                                      ts[keep].astype(np.int64), raw, anomaly))
    assert all(s.raw.shape[1] == len(RAW_COLUMNS) for s in out)
    return out


def pattern_labels(raw: np.ndarray, features: np.ndarray, spec: FeatureSpec,
                   horizon: int = PATTERN_HORIZON) -> np.ndarray:
    """PATTERNS index per row (-1 where the future or the volatility is unknown)."""
    price = raw[:, RAW_INDEX["price"]]
    liq = raw[:, RAW_INDEX["liquidity"]]
    logp = np.log(price)
    r1 = np.diff(logp, prepend=logp[0])
    sigma = features[:, spec.feature_names.index(f"vol_{spec.vol_window}")]
    n = len(price)
    labels = np.full(n, -1, dtype=np.int64)
    sq = np.sqrt(horizon)
    for t in range(horizon, n - horizon):
        s = sigma[t]
        if not np.isfinite(s):
            continue
        s = max(s, 1e-6)
        future = r1[t + 1:t + 1 + horizon]
        total = future.sum()
        past = logp[t] - logp[t - horizon]
        liq_known = np.isfinite(liq[t]) and liq[t] > 0
        if liq_known and np.nanmin(liq[t + 1:t + 1 + horizon]) < 0.7 * liq[t]:
            labels[t] = 4
        elif np.abs(future).max() > 4 * s:
            labels[t] = 3
        elif abs(total) > 2 * s * sq and abs(total) / (np.abs(future).sum() + 1e-12) > 0.6:
            labels[t] = 1
        elif abs(past) > 1.5 * s * sq and total * past < 0 and abs(total) >= 0.5 * abs(past):
            labels[t] = 2
        else:
            labels[t] = 0
    return labels


def build_samples(series: list[PoolSeries], spec: FeatureSpec,
                  pattern_horizon: int = PATTERN_HORIZON) -> Samples:
    parts: dict[str, list[np.ndarray]] = {k: [] for k in (
        "windows", "y_return", "pattern", "anomaly_inputs", "anomaly_truth", "timestamp",
        "block", "pool_index")}
    ahead = max(spec.target_horizon, pattern_horizon)
    has_truth = all(s.anomaly is not None for s in series)
    for i, s in enumerate(series):
        features = compute_features(s.raw, spec)
        n = len(s.raw)
        first = spec.warmup + spec.window - 1
        ends = np.arange(first, n - ahead, dtype=np.int64)
        if len(ends) == 0:
            continue
        logp = np.log(s.raw[:, RAW_INDEX["price"]])
        labels = pattern_labels(s.raw, features, spec, pattern_horizon)
        ends = ends[labels[ends] >= 0]
        parts["windows"].append(sequence_windows(features, spec.window, ends).astype(np.float32))
        parts["y_return"].append(logp[ends + spec.target_horizon] - logp[ends])
        parts["pattern"].append(labels[ends])
        parts["anomaly_inputs"].append(anomaly_features(s.raw, spec)[ends].astype(np.float32))
        if has_truth:
            assert s.anomaly is not None
            parts["anomaly_truth"].append(s.anomaly[ends])
        parts["timestamp"].append(s.timestamps[ends])
        parts["block"].append(s.blocks[ends])
        parts["pool_index"].append(np.full(len(ends), i, dtype=np.int64))
    if not parts["windows"]:
        raise ValueError(f"no pool has more than {spec.warmup + spec.window + ahead} rows")
    cat = {k: np.concatenate(v) if v else None for k, v in parts.items()}
    order = np.lexsort((cat["pool_index"], cat["timestamp"]))  # time order across pools
    y_return = cat["y_return"][order]
    return Samples(
        spec=spec, windows=cat["windows"][order], y_return=y_return,
        y_direction=(y_return > 0).astype(np.int64), pattern=cat["pattern"][order],
        anomaly_inputs=cat["anomaly_inputs"][order],
        anomaly_truth=None if cat["anomaly_truth"] is None else cat["anomaly_truth"][order],
        timestamp=cat["timestamp"][order], block=cat["block"][order],
        pool_index=cat["pool_index"][order], pools=[s.pool for s in series],
    )


def build(frame: pd.DataFrame, spec: FeatureSpec | None = None) -> Samples:
    return build_samples(pool_series(frame), spec or FeatureSpec())
