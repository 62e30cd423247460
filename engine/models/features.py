"""Per-pool features, one implementation for training (ml/) and serving (engine).

A pool's history is a float64 array of *raw rows* (one per block or bar, oldest
first) with the columns ``RAW_COLUMNS``. ``compute_features`` turns it into one
feature row per raw row using only rows at or before it (no look-ahead), as the
``FeatureSpec`` says. The spec is stored with every model in the registry
(``feature_spec.json``), so serving computes exactly what the model was trained
on; ``FEATURE_CODE_VERSION`` names the formulas of the sequence features and
``ANOMALY_FEATURE_VERSION`` those of the anomaly model's inputs, and a model
whose spec asks for another version is refused at load instead of being fed
different numbers.

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
# The anomaly model's inputs (``anomaly_features``). Version 1 (six per-block ratios
# of one feature row) saturated on pools that trade every few blocks; specs written
# before this field existed are version 1 and their IsolationForests are refused.
ANOMALY_FEATURE_VERSION = 2

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
    anomaly_version: int = ANOMALY_FEATURE_VERSION
    anomaly_window: int = 32  # rows an event is remembered; the anomaly features' look-back
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
        """Raw rows a server keeps per pool: one full model window, or the anomaly
        features' look-back (``anomaly_window`` rows before the row scored)."""
        return max(self.warmup + self.window, self.anomaly_window + 1)

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
            target_horizon=d["target_horizon"],
            # absent: a spec written before the anomaly features were versioned (version 1,
            # no window of their own: its warm-up stays what it was)
            anomaly_version=int(d.get("anomaly_version", 1)),
            anomaly_window=int(d.get("anomaly_window", 0)),
            extra=dict(d.get("extra", {})),
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


# Inputs of the anomaly model (IsolationForest), version 2: each >= 0, 0 = ordinary.
ANOMALY_FEATURES: tuple[str, ...] = (
    "gap_open",  # how far the pool's last event moved it away from the other pools of its pair
    "move",  # |log return| of its last event
    "liq_drop",  # log of the liquidity its last event removed: log(L before / L after), >= 0
    "liq_level",  # liquidity now below its median of the window's rows before: log ratio, >= 0
    "swap_burst",  # log1p(swaps) of its last event above the mean of the window's events
)


def check_anomaly_spec(spec: FeatureSpec) -> None:
    """ValueError unless this build computes the anomaly features ``spec`` was trained on."""
    if spec.anomaly_version != ANOMALY_FEATURE_VERSION:
        raise ValueError(
            f"feature spec {spec.name!r} has anomaly features version {spec.anomaly_version}, "
            f"this build computes version {ANOMALY_FEATURE_VERSION}: retrain the "
            "IsolationForest (python -m ml.train)"
        )
    if spec.anomaly_window < 2:
        raise ValueError(f"feature spec {spec.name!r}: anomaly_window {spec.anomaly_window}, "
                         "expected at least 2 rows")


def _previous(x: FloatArray) -> FloatArray:
    """x[t-1] along the last axis (row 0: itself, so its changes read 0)."""
    return np.concatenate([x[..., :1], x[..., :-1]], axis=-1)


def anomaly_features(raw: FloatArray, spec: FeatureSpec, last: int | None = None) -> FloatArray:
    """The anomaly model's inputs from raw rows: (T, R) -> (T, A), or (P, T, R) -> (P, T, A).

    Event time: an *event* is a row where the pool's price or liquidity changed
    or it was swapped. Row t describes the pool's last event within the last
    ``w = spec.anomaly_window`` rows (zeros when it had none) and the pool's
    state now. A pool that trades every few blocks keeps showing what its last
    trade did until its next one, and one swap reads as one event whatever the
    quiet blocks around it (per-block ratios saturated on any swap of such a pool).
    Baselines are per event: the mean swap count of the window's events.

    Row t uses rows t - w .. t only (rows before ``w`` are NaN), so a server
    holding ``history_rows`` rows computes what training did; ``last``: only
    the last ``last`` rows (the server's one row; same values, less work).
    """
    check_anomaly_spec(spec)
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim not in (2, 3) or raw.shape[-1] != len(RAW_COLUMNS):
        raise ValueError(
            f"raw rows must be (T, {len(RAW_COLUMNS)}) or (P, T, {len(RAW_COLUMNS)}) "
            f"with columns {RAW_COLUMNS}, got {raw.shape}"
        )
    w = spec.anomaly_window
    n = raw.shape[-2]
    k = n if last is None else min(last, n)  # output rows: the last k
    if n - k - w > 0:  # rows older than every output row's look-back: not needed
        return anomaly_features(raw[..., n - k - w:, :], spec, last=k)
    price = np.maximum(raw[..., RAW_INDEX["price"]], _EPS)
    liquidity = raw[..., RAW_INDEX["liquidity"]]
    # unknown depth (OHLCV bars): a constant, so it never drops
    liquidity = np.where(np.isfinite(liquidity) & (liquidity > 0), liquidity, 1.0)
    swaps = np.maximum(np.nan_to_num(raw[..., RAW_INDEX["swap_count"]], nan=0.0), 0.0)
    ref = raw[..., RAW_INDEX["ref_price"]]
    ref = np.where(np.isfinite(ref) & (ref > 0), ref, price)

    log_p, log_l = np.log(price), np.log(liquidity)
    gap = log_p - np.log(ref)
    d_p, d_l = log_p - _previous(log_p), log_l - _previous(log_l)
    log_swaps = np.log1p(swaps)
    event = (d_p != 0) | (d_l != 0) | (swaps > 0)
    event[..., 0] = False  # no row before it to compare with
    # what each row's event did, against the row before it
    did = np.stack([np.maximum(np.abs(gap) - np.abs(_previous(gap)), 0.0), np.abs(d_p),
                    np.maximum(-d_l, 0.0), log_swaps], axis=-1)
    rows = np.arange(n)
    last_event = np.maximum.accumulate(np.where(event, rows, -1), axis=-1)[..., n - k:]
    recent = (last_event >= 0) & (rows[n - k:] - last_event < w)
    carried = np.take_along_axis(did, np.maximum(last_event, 0)[..., None], axis=-2)
    carried = np.where(recent[..., None], carried, 0.0)

    out = np.full((*raw.shape[:-2], k, len(ANOMALY_FEATURES)), np.nan)
    first = max(w, n - k)  # the first output row with a full window
    if first < n:
        def windows(x: FloatArray, upto: int) -> FloatArray:
            """The w rows up to ``t - upto`` for each output row t >= first."""
            view = np.lib.stride_tricks.sliding_window_view(x, w, axis=-1)
            return view[..., first - w + 1 - upto:n - w + 1 - upto, :]

        events_w = windows(event.astype(np.float64), 0).sum(axis=-1)
        swaps_w = windows(np.where(event, log_swaps, 0.0), 0).sum(axis=-1) / np.maximum(events_w, 1.0)
        level = np.median(windows(log_l, 1), axis=-1)  # the w rows before t
        c = carried[..., first - (n - k):, :]
        live = recent[..., first - (n - k):]
        out[..., first - (n - k):, :] = np.stack([
            c[..., 0], c[..., 1], c[..., 2],
            np.maximum(level - log_l[..., first:], 0.0),
            np.where(live, np.maximum(c[..., 3] - swaps_w, 0.0), 0.0),
        ], axis=-1)
    return out
