"""Train the three models on a market frame and register them.

    python -m ml.train --data synthetic --registry models
    python -m ml.train --data btc --registry models --alias challenger

The last ``holdout`` of the times (after a gap) is kept out of training and
scored once; those scores go into each version's metrics. The first version
of a model becomes its champion; later ones are registered under ``--alias``
(default challenger) for ``ml.online`` or an operator to promote.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.models.features import FeatureSpec
from engine.models.registry import CHALLENGER, CHAMPION, ModelVersion, Registry
from ml.data.dataset import PATTERN_HORIZON, PATTERNS, Samples, build
from ml.evaluation.metrics import direction_metrics, information_coefficient, pattern_metrics
from ml.evaluation.splits import walk_forward
from ml.export import CNN_PATTERN, IFOREST_POOL, LSTM_RETURN, register_iforest, register_torch
from ml.models.iforest import anomaly_threshold, fit_iforest
from ml.models.train import (
    TrainConfig,
    checkpoint_bytes,
    predict_cnn,
    predict_lstm,
    train_cnn,
    train_lstm,
)


@dataclass(frozen=True)
class Trained:
    lstm: ModelVersion
    cnn: ModelVersion
    iforest: ModelVersion
    seconds: float


def split_holdout(samples: Samples, holdout: float = 0.15) -> tuple[Samples, Samples]:
    gap = samples.spec.window + max(samples.spec.target_horizon, PATTERN_HORIZON)
    _, final = walk_forward(samples.timestamp, folds=1, gap=gap, holdout=holdout)
    return samples.subset(final.train), samples.subset(final.test)


def train_all(
    samples: Samples, registry: Registry, *, config: TrainConfig | None = None,
    alias: str | None = None, holdout: float = 0.15, note: str = "",
) -> Trained:
    """Fit, score on the hold-out, export and register the three models."""
    started = time.perf_counter()
    config = config or TrainConfig()
    train, test = split_holdout(samples, holdout)
    spec = samples.spec
    meta = {"train_config": asdict(config), "holdout_range": test.data_range}

    def pick(name: str) -> str | None:
        if alias is not None:
            return alias
        return CHAMPION if CHAMPION not in registry.aliases(name) else CHALLENGER

    lstm = train_lstm(train, config)
    ret_pred, p_up = predict_lstm(lstm, test.windows)
    lstm_metrics = {**direction_metrics(test.y_direction, p_up),
                    "ic": information_coefficient(test.y_return, ret_pred),
                    "mse": float(np.mean((ret_pred - test.y_return) ** 2)), **meta}
    lstm_v = register_torch(
        registry, LSTM_RETURN, lstm, spec, metrics=lstm_metrics, data_range=train.data_range,
        checkpoint=checkpoint_bytes(lstm, config, LSTM_RETURN), alias=pick(LSTM_RETURN), note=note,
    )

    cnn = train_cnn(train, config)
    cnn_metrics = {**pattern_metrics(test.pattern, predict_cnn(cnn, test.windows)), **meta}
    cnn_v = register_torch(
        registry, CNN_PATTERN, cnn, spec, metrics=cnn_metrics, data_range=train.data_range,
        checkpoint=checkpoint_bytes(cnn, config, CNN_PATTERN), alias=pick(CNN_PATTERN),
        note=note, classes=PATTERNS,
    )

    if_v = train_iforest(train, test, registry, seed=config.seed, alias=pick(IFOREST_POOL),
                         note=note, meta=meta)
    return Trained(lstm_v, cnn_v, if_v, time.perf_counter() - started)


def train_iforest(train: Samples, test: Samples, registry: Registry, *, seed: int = 0,
                  alias: str | None = None, note: str = "",
                  meta: dict[str, Any] | None = None) -> ModelVersion:
    """Fit the IsolationForest and its threshold on ``train``, score ``test``, register it."""
    forest = fit_iforest(train.anomaly_inputs, seed=seed)
    threshold = anomaly_threshold(forest, train.anomaly_inputs)
    score = -forest.decision_function(np.nan_to_num(test.anomaly_inputs))
    metrics: dict[str, Any] = {"threshold": threshold,
                               "holdout_flag_rate": float((score > threshold).mean()),
                               **(meta or {"holdout_range": test.data_range})}
    return register_iforest(
        registry, forest, train.spec, metrics=metrics, data_range=train.data_range,
        threshold=threshold, alias=alias, note=note,
    )


def main() -> None:
    from ml.evaluation.run import load_frame

    parser = argparse.ArgumentParser(description="train and register the models")
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--registry", type=Path, default=Path("models"))
    parser.add_argument("--alias", default=None, help="default: champion if none, else challenger")
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    torch.set_num_threads(1)
    frame, _ = load_frame(args.data)
    trained = train_all(build(frame, FeatureSpec()), Registry(args.registry),
                        config=TrainConfig(epochs=args.epochs), alias=args.alias,
                        note=f"ml.train --data {args.data}")
    for v in (trained.lstm, trained.cnn, trained.iforest):
        print(f"{v.name} {v.version} {v.content_hash[:12]} {v.manifest['metrics_summary']}")
    print(f"{trained.seconds:.1f} s")


if __name__ == "__main__":
    main()
