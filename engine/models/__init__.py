"""Model serving: the registry's ONNX models on onnxruntime (never torch).

- ``features``: the versioned feature spec and the one feature implementation
  (training in ml/ imports it too);
- ``registry``: the model registry folder (versions, aliases, history);
- ``runtime``: ``ModelRuntime``, batched inference across pools and hot swap;
- ``observe``: engine pool state -> ``PoolObservation``.
"""

from engine.models.features import FEATURE_CODE_VERSION, FeatureSpec
from engine.models.registry import CHALLENGER, CHAMPION, Registry, RegistryError
from engine.models.runtime import (
    CNN_PATTERN,
    DEFAULT_MODELS,
    IFOREST_POOL,
    LSTM_RETURN,
    ModelRuntime,
    PoolObservation,
    PoolPrediction,
)

__all__ = [
    "CHALLENGER", "CHAMPION", "CNN_PATTERN", "DEFAULT_MODELS", "FEATURE_CODE_VERSION",
    "IFOREST_POOL", "LSTM_RETURN", "FeatureSpec", "ModelRuntime", "PoolObservation",
    "PoolPrediction", "Registry", "RegistryError",
]
