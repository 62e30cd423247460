"""Training end to end on small data, and the evaluation harness's honesty rules."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.models.registry import CHAMPION, Registry
from ml.data.dataset import PATTERNS
from ml.evaluation import baselines
from ml.evaluation.metrics import backtest, information_coefficient
from ml.evaluation.run import evaluate, markdown
from ml.models.train import TrainConfig, predict_lstm, train_lstm
from tests import ml_support


def test_train_all_registers_three_champions_with_metrics_and_ranges(tmp_path) -> None:
    trained = ml_support.trained()
    registry = Registry(trained.lstm.path.parents[2])
    for version in (trained.lstm, trained.cnn, trained.iforest):
        assert registry.aliases(version.name)[CHAMPION] == version.version
        m = version.manifest
        assert m["data_range"]["samples"] > 0
        metrics = json.loads((version.path / "metrics.json").read_text())
        # scored on a hold-out that starts after the training data ends
        assert m["data_range"]["to_timestamp"] < metrics["holdout_range"]["from_timestamp"]
        version.verify()
    assert 0.0 <= trained.lstm.manifest["metrics_summary"]["accuracy"] <= 1.0
    assert trained.cnn.manifest["io"]["classes"] == list(PATTERNS)
    assert trained.iforest.manifest["io"]["threshold"] == trained.iforest.manifest[
        "metrics_summary"]["threshold"]


def test_scalers_are_fit_on_the_training_rows_only() -> None:
    s = ml_support.samples()
    train = s.subset(np.arange(len(s) // 2))
    model = train_lstm(train, TrainConfig(epochs=1, hidden=4))
    flat = train.windows.reshape(-1, train.windows.shape[-1]).astype(np.float64)
    np.testing.assert_allclose(model.scale.mean.numpy(), flat.mean(axis=0), rtol=1e-4, atol=1e-6)
    full = s.windows.reshape(-1, s.windows.shape[-1]).mean(axis=0)
    assert not np.allclose(model.scale.mean.numpy(), full, rtol=1e-3, atol=1e-7)
    assert float(model.return_scale) == np.float32(np.std(train.y_return))


def test_a_learnable_signal_is_learned() -> None:
    """Direction fully determined by the last 1-row return: the LSTM must find it."""
    s = ml_support.samples()
    col = s.spec.feature_names.index("ret_1")
    rigged = s.subset(np.arange(len(s)))
    rigged.y_return = rigged.windows[:, -1, col].astype(np.float64)
    rigged.y_direction = (rigged.y_return > 0).astype(np.int64)
    half = len(rigged) // 2
    model = train_lstm(rigged.subset(np.arange(half)),
                       TrainConfig(epochs=10, hidden=8, batch_size=64, lr=1e-2))
    test = rigged.subset(np.arange(half, len(rigged)))
    _, p_up = predict_lstm(model, test.windows)
    assert ((p_up > 0.5) == test.y_direction).mean() > 0.8


def test_walk_forward_evaluation_reports_models_and_baselines() -> None:
    s = ml_support.samples()
    result = evaluate(s, folds=2, config=ml_support.TINY, cost=0.003)
    assert len(result["folds"]) == 2
    for block in [*result["folds"], result["holdout"]]:
        assert set(block["direction"]) == {"lstm", "persistence", "logistic_lags", "majority"}
        assert set(block["pattern"]) >= {"cnn", "logistic_last_row", "majority"}
        assert 0.0 <= block["direction"]["lstm"]["accuracy"] <= 1.0
        assert "net_log_return" in block["direction"]["lstm"]
    assert "| lstm | accuracy |" in markdown("synthetic", result)


def test_backtest_charges_costs_on_turnover() -> None:
    y = np.array([0.01, -0.01, 0.01, -0.01])
    pools = np.zeros(4, dtype=int)
    perfect = backtest(y, y, pools, horizon=1, cost=0.001)
    assert perfect["gross_log_return"] == np.float64(0.04)
    # in, then three flips of 2 units each: 1 + 3*2 = 7 units of turnover
    assert perfect["net_log_return"] == np.float64(0.04 - 0.007)
    assert perfect["hit_rate"] == 1.0


def test_baselines_and_information_coefficient() -> None:
    s = ml_support.samples()
    half = len(s) // 2
    train, test = s.subset(np.arange(half)), s.subset(np.arange(half, len(s)))
    last, p = baselines.persistence(test)
    assert last.shape == (len(test),) and set(np.unique(p)) <= {0.01, 0.99}
    assert baselines.majority_direction(train, test).std() == 0
    assert baselines.logistic_direction(train, test).shape == (len(test),)
    assert information_coefficient(test.y_return, test.y_return) == pytest.approx(1.0)
