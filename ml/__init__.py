"""Training side of the models the engine serves.

``ml.data`` builds per-pool datasets from the engine's market series (or OHLCV
files, or a documented synthetic market); ``ml.models`` trains the LSTM, the
1D CNN and the IsolationForest; ``ml.evaluation`` scores them walk-forward
against baselines; ``ml.export`` writes ONNX into the registry
(``engine.models.registry``); ``ml.online`` fine-tunes challengers and
promotes them. Only this package imports torch and pandas.
"""
