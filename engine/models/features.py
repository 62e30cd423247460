"""Per-pool features, one implementation for training (ml/) and serving (engine).

A pool's history is a float64 array of *raw rows* (one per block or bar, oldest
first) with the columns ``RAW_COLUMNS``. ``compute_features`` turns it into one
feature row per raw row using only rows at or before it (no look-ahead), as the
``FeatureSpec`` says. The spec is stored with every model in the registry
(``feature_spec.json``), so serving computes exactly what the model was trained
on; ``FEATURE_CODE_VERSION`` names the formulas below, and a model whose spec
asks for another version is refused at load instead of being fed different
numbers.

numpy only: the engine imports this module and must not pull in torch or pandas.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Bump when a formula below changes meaning; old specs then fail to load.
FEATURE_CODE_VERSION = 1

# The raw row of one pool at one block (or one OHLCV bar).
RAW_COLUMNS: tuple[str, ...] = (
    "price",  # token1 per token0 (or the bar's close), > 0
    "liquidity",  # depth in token1 units: sqrt(r0*r1) for V2, L for V3, NaN/0 when unknown
    "swap_count",  # swaps (or trades) in the block / bar
    "volume",  # traded amount in token1 units (quote currency for OHLCV)
    "gas_price_gwei",  # base fee + tip of the block; 0 when unknown
    "ref_price",  # median price of the other pools quoting the same pair; = price if none
)
RAW_INDEX = {name: i for i, name in enumerate(RAW_COLUMNS)}
_EPS = 1e-12


@dataclass(frozen=True)
class FeatureSpec:
    """Which features, over which look-backs; versioned and hashed with the model."""

    name: str = "pool_v1"
    code_version: int = FEATURE_CODE_VERSION
    return_horizons: tuple[int, ...] = (1, 4, 16)  # log return over h rows
    vol_window: int = 16  # realized volatility of 1-row log returns
    liquidity_horizons: tuple[int, ...] = (1, 16)  # log change of liquidity
    activity_window: int = 8  # mean swap count / volume over this many rows
    window: int = 32  # rows of features a sequence model sees
    target_horizon: int = 1  # rows ahead the return model predicts
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return (
            *(f"ret_{h}" for h in self.return_horizons),
            f"vol_{self.vol_window}",
            *(f"liq_chg_{h}" for h in self.liquidity_horizons),
            f"swaps_{self.activity_window}",
            f"volume_{self.activity_window}",
            "volume_z",
            "gap_ref",
            "gas",
        )

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def warmup(self) -> int:
        """Raw rows needed before the first complete feature row."""
        # vol needs one more row: its first 1-row return looks one row further back
        return max(*self.return_horizons, self.vol_window + 1, *self.liquidity_horizons,
                   4 * self.activity_window)

    @property
    def history_rows(self) -> int:
        """Raw rows a server keeps per pool to build one full model window."""
        return self.warmup + self.window

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["feature_names"] = list(self.feature_names)
        d["raw_columns"] = list(RAW_COLUMNS)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FeatureSpec:
        if d.get("code_version") != FEATURE_CODE_VERSION:
            raise ValueError(
                f"feature spec {d.get('name')!r} needs feature code version "
                f"{d.get('code_version')}, this build computes version {FEATURE_CODE_VERSION}"
            )
        if list(d.get("raw_columns", RAW_COLUMNS)) != list(RAW_COLUMNS):
            raise ValueError(f"feature spec raw columns {d.get('raw_columns')} != {RAW_COLUMNS}")
        spec = cls(
            name=d["name"], code_version=d["code_version"],
            return_horizons=tuple(d["return_horizons"]), vol_window=d["vol_window"],
            liquidity_horizons=tuple(d["liquidity_horizons"]),
            activity_window=d["activity_window"], window=d["window"],
            target_horizon=d["target_horizon"], extra=dict(d.get("extra", {})),
        )
        if "feature_names" in d and list(d["feature_names"]) != list(spec.feature_names):
            raise ValueError("feature spec's feature_names do not match its parameters")
        return spec

    def digest(self) -> str:
        """sha256 of the canonical JSON: equal digests, equal features."""
        blob = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()


def _shift_log_ratio(x: FloatArray, h: int) -> FloatArray:
    """log(x[t] / x[t-h]) along the last axis; NaN for t < h."""
    out = np.full_like(x, np.nan)
    if h < x.shape[-1]:
        out[..., h:] = np.log(x[..., h:] / x[..., :-h])
    return out


def _rolling_mean(x: FloatArray, w: int) -> FloatArray:
    out = np.full_like(x, np.nan)
    if w <= x.shape[-1]:
        out[..., w - 1:] = np.lib.stride_tricks.sliding_window_view(x, w, axis=-1).sum(axis=-1) / w
    return out


def _rolling_std(x: FloatArray, w: int) -> FloatArray:
    """Population std over the last w rows: sqrt(E[x^2] - E[x]^2), one pass per window.

    Windowed sums over the same elements give bitwise the same result wherever
    the series starts, so a server holding only the tail computes what training did.
    """
    out = np.full_like(x, np.nan)
    if w <= x.shape[-1]:
        windows = np.lib.stride_tricks.sliding_window_view(x, w, axis=-1)
        mean = windows.sum(axis=-1) / w
        mean_sq = np.lib.stride_tricks.sliding_window_view(x * x, w, axis=-1).sum(axis=-1) / w
        out[..., w - 1:] = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))
    return out


def compute_features(raw: FloatArray, spec: FeatureSpec, last: int | None = None) -> FloatArray:
    """Feature rows for raw rows, oldest first: (T, R) -> (T, F), or batched (P, T, R) -> (P, T, F).

    Row t depends on raw rows <= t of its own pool only; rows before
    ``spec.warmup`` hold NaN. The batched form is what the server runs for
    many pools at once; it computes exactly the same numbers. ``last``: only
    the last ``last`` feature rows (the server's window; same values, less work).
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim not in (2, 3) or raw.shape[-1] != len(RAW_COLUMNS):
        raise ValueError(
            f"raw rows must be (T, {len(RAW_COLUMNS)}) or (P, T, {len(RAW_COLUMNS)}) "
            f"with columns {RAW_COLUMNS}, got {raw.shape}"
        )

    def column(name: str) -> FloatArray:
        return raw[..., RAW_INDEX[name]]

    price = np.maximum(column("price"), _EPS)
    liquidity = column("liquidity")
    # unknown depth (OHLCV bars): a constant, so its changes read 0
    liquidity = np.where(np.isfinite(liquidity) & (liquidity > 0), liquidity, 1.0)
    swaps = np.nan_to_num(column("swap_count"), nan=0.0)
    volume = np.log1p(np.maximum(np.nan_to_num(column("volume"), nan=0.0), 0.0))
    gas = np.log1p(np.maximum(np.nan_to_num(column("gas_price_gwei"), nan=0.0), 0.0))
    ref = column("ref_price")
    ref = np.where(np.isfinite(ref) & (ref > 0), ref, price)

    r1 = _shift_log_ratio(price, 1)
    aw = spec.activity_window
    vol_mean_long = _rolling_mean(volume, 4 * aw)
    vol_std_long = _rolling_std(volume, 4 * aw)
    columns = [
        *(_shift_log_ratio(price, h) for h in spec.return_horizons),
        _rolling_std(np.nan_to_num(r1, nan=0.0), spec.vol_window),
        *(_shift_log_ratio(liquidity, h) for h in spec.liquidity_horizons),
        np.log1p(np.maximum(_rolling_mean(swaps, aw), 0.0)),
        _rolling_mean(volume, aw),
        (volume - vol_mean_long) / (vol_std_long + 1e-6),
        np.log(price / ref),
        gas,
    ]
    n = raw.shape[-2]
    if last is not None and last < n:  # stack only the rows asked for
        columns = [c[..., n - last:] for c in columns]
    features = np.stack(columns, axis=-1)
    warm = spec.warmup - (n - features.shape[-2])  # warm-up rows left in the output
    if warm > 0:
        features[..., :warm, :] = np.nan
    return features


def sequence_windows(features: FloatArray, window: int, ends: NDArray[np.int64]) -> FloatArray:
    """(len(ends), window, F): the ``window`` feature rows ending at each index in ``ends``."""
    idx = ends[:, None] + np.arange(-window + 1, 1)[None, :]
    return features[idx]


# Inputs of the anomaly model (IsolationForest), derived from one feature row.
ANOMALY_FEATURES: tuple[str, ...] = (
    "abs_ret_1", "ret_z", "liq_chg_1", "abs_gap_ref", "volume_z", "swaps",
)


def anomaly_features(features: FloatArray, spec: FeatureSpec) -> FloatArray:
    """(N, len(ANOMALY_FEATURES)) from feature rows (N, spec.n_features)."""
    col = {name: i for i, name in enumerate(spec.feature_names)}
    ret_1 = features[:, col["ret_1"]] if "ret_1" in col else features[:, 0]
    vol = features[:, col[f"vol_{spec.vol_window}"]]
    liq = features[:, col[f"liq_chg_{spec.liquidity_horizons[0]}"]]
    out = np.stack([
        np.abs(ret_1),
        np.minimum(np.abs(ret_1) / (vol + 1e-6), 50.0),
        liq,
        np.abs(features[:, col["gap_ref"]]),
        features[:, col["volume_z"]],
        features[:, col[f"swaps_{spec.activity_window}"]],
    ], axis=1)
    return out
