"""What a model has to beat, fit on the same training fold."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ml.data.dataset import Samples


def persistence(test: Samples) -> tuple[np.ndarray, np.ndarray]:
    """Next return = the last observed return over the same horizon; P(up) = 1 if it was > 0."""
    h = test.spec.target_horizon
    name = f"ret_{h}" if f"ret_{h}" in test.spec.feature_names else "ret_1"
    last = test.windows[:, -1, test.spec.feature_names.index(name)].astype(np.float64)
    last = np.nan_to_num(last)
    return last, (last > 0).astype(np.float64) * 0.98 + 0.01


def majority_direction(train: Samples, test: Samples) -> np.ndarray:
    return np.full(len(test), float(train.y_direction.mean() > 0.5))


def majority_pattern(train: Samples, test: Samples, n_classes: int) -> np.ndarray:
    probs = np.zeros((len(test), n_classes))
    probs[:, np.bincount(train.pattern, minlength=n_classes).argmax()] = 1.0
    return probs


def _lagged_returns(s: Samples, lags: int) -> np.ndarray:
    col = s.spec.feature_names.index("ret_1")
    return np.nan_to_num(s.windows[:, -lags:, col].astype(np.float64))


def logistic_direction(train: Samples, test: Samples, lags: int = 8) -> np.ndarray:
    """Logistic regression on the last ``lags`` one-row returns (scaler fit on train)."""
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(_lagged_returns(train, lags), train.y_direction)
    return model.predict_proba(_lagged_returns(test, lags))[:, 1]


def logistic_pattern(train: Samples, test: Samples, n_classes: int) -> np.ndarray:
    """Multinomial logistic regression on the last feature row (scaler fit on train)."""
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500,
                                                               class_weight="balanced"))
    x_train = np.nan_to_num(train.windows[:, -1, :].astype(np.float64))
    model.fit(x_train, train.pattern)
    probs = np.zeros((len(test), n_classes))
    probs[:, model.classes_] = model.predict_proba(np.nan_to_num(test.windows[:, -1, :]))
    return probs
