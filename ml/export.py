"""ONNX export (torch and scikit-learn) and registration in the model registry.

Exporter: ``torch.onnx.export(..., dynamo=True)``, chosen explicitly. The
TorchScript exporter (``dynamo=False``) still works in torch 2.15 but raises a
DeprecationWarning (torch.export has been the default since 2.9) and is on its
way out; both map ``nn.LSTM`` to one ONNX ``LSTM`` op and both pass the parity
tests. The cost is export time: about 6 s per model on one core against 0.2 s,
paid once per training run, not per inference. Batch and sequence length are
dynamic dimensions. Every file is checked with ``onnx.checker`` (full check,
shape inference included) before it is registered.

IsolationForest: skl2onnx with ``target_opset={'': 17, 'ai.onnx.ml': 3}``
(TreeEnsembleRegressor at ai.onnx.ml 3); outputs ``label`` and ``scores``
(sklearn's decision_function).
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from typing import Any

import numpy as np
import onnx
import torch
from torch import nn

from engine.models.features import ANOMALY_FEATURES, FeatureSpec
from engine.models.registry import ModelVersion, Registry
from engine.models.runtime import CNN_PATTERN, IFOREST_POOL, LSTM_RETURN  # noqa: F401 - re-exported
from ml.models.cnn import PatternCNN
from ml.models.lstm import ReturnLSTM

ONNX_OPSET = 18
IFOREST_OPSET = {"": 17, "ai.onnx.ml": 3}



def export_torch(model: ReturnLSTM | PatternCNN, spec: FeatureSpec) -> bytes:
    """ONNX bytes of ``model`` with dynamic (batch, seq); checked."""
    model = model.eval()
    example = torch.zeros(2, spec.window, spec.n_features)
    batch, seq = torch.export.Dim("batch", min=1), torch.export.Dim("seq", min=8)
    logging.getLogger("torch.onnx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = os.path.join(tmp, "model.onnx")
        torch.onnx.export(
            model, (example,), path, dynamo=True, opset_version=ONNX_OPSET,
            input_names=list(model.input_names), output_names=list(model.output_names),
            dynamic_shapes=({0: batch, 1: seq},), external_data=False, verbose=False,
        )
        proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    return proto.SerializeToString()


def export_iforest(model: Any) -> bytes:
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    proto = to_onnx(
        model, initial_types=[("features", FloatTensorType([None, len(ANOMALY_FEATURES)]))],
        target_opset=IFOREST_OPSET,
    )
    onnx.checker.check_model(proto, full_check=True)
    return proto.SerializeToString()


def register_torch(
    registry: Registry, name: str, model: ReturnLSTM | PatternCNN, spec: FeatureSpec, *,
    metrics: dict[str, Any], data_range: dict[str, Any], checkpoint: bytes | None = None,
    alias: str | None = None, parent: str | None = None, note: str = "",
    classes: tuple[str, ...] | None = None,
) -> ModelVersion:
    kind = "return_direction" if isinstance(model, ReturnLSTM) else "pattern"
    io = {"inputs": list(model.input_names), "outputs": list(model.output_names),
          "input_layout": "(batch, seq, feature) float32, raw feature rows oldest first"}
    if classes:
        io["classes"] = list(classes)
    return registry.register(
        name, kind=kind, onnx_bytes=export_torch(model, spec), feature_spec=spec.to_json(),
        metrics=metrics, data_range=data_range, io=io,
        extra_files={"checkpoint.pt": checkpoint} if checkpoint else None,
        alias=alias, parent=parent, note=note,
    )


def register_iforest(
    registry: Registry, model: Any, spec: FeatureSpec, *, metrics: dict[str, Any],
    data_range: dict[str, Any], threshold: float = 0.0, alias: str | None = None,
    note: str = "",
) -> ModelVersion:
    io = {"inputs": ["features"], "outputs": ["label", "scores"],
          "anomaly_features": list(ANOMALY_FEATURES),
          "threshold": threshold,
          "score": "anomaly score = -scores (sklearn decision_function); flag when > threshold"}
    return registry.register(
        IFOREST_POOL, kind="anomaly", onnx_bytes=export_iforest(model),
        feature_spec=spec.to_json(), metrics=metrics, data_range=data_range, io=io,
        alias=alias, note=note,
    )


def onnx_session(onnx_bytes: bytes):  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])


@torch.no_grad()
def native_outputs(model: nn.Module, windows: np.ndarray) -> list[np.ndarray]:
    out = model(torch.as_tensor(windows, dtype=torch.float32))
    outs = out if isinstance(out, tuple) else (out,)
    return [o.numpy() for o in outs]
