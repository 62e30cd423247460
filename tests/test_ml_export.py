"""ONNX export: checked graphs, and ONNX output equal to the native model within 1e-5."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from engine.models.runtime import load_model
from ml.export import export_iforest, export_torch, native_outputs, onnx_session
from ml.models.iforest import fit_iforest
from ml.models.train import load_checkpoint, train_cnn, train_lstm
from tests import ml_support

SHAPES = [(1, 8), (1, 16), (5, 16), (32, 24), (3, 64)]  # (batch, sequence length)


def _windows(batch: int, seq: int) -> np.ndarray:
    s = ml_support.samples()
    rng = np.random.default_rng(batch * 100 + seq)
    base = s.windows[rng.integers(0, len(s), batch)]
    reps = -(-seq // base.shape[1])
    return np.ascontiguousarray(np.concatenate([base] * reps, axis=1)[:, -seq:], dtype=np.float32)


@pytest.fixture(scope="module")
def models():
    s = ml_support.samples()
    lstm = train_lstm(s, ml_support.TINY)
    cnn = train_cnn(s, ml_support.TINY)
    return {"lstm": (lstm, export_torch(lstm, s.spec)), "cnn": (cnn, export_torch(cnn, s.spec))}


@pytest.mark.parametrize("name", ["lstm", "cnn"])
def test_exported_graph_is_valid_with_dynamic_batch_and_sequence(models, name) -> None:
    proto = onnx.load_from_string(models[name][1])
    onnx.checker.check_model(proto, full_check=True)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and dims[1].dim_param and dims[2].dim_value == ml_support.SPEC.n_features
    if name == "lstm":
        assert "LSTM" in {n.op_type for n in proto.graph.node}  # one fused op, not a loop


@pytest.mark.parametrize("name", ["lstm", "cnn"])
@pytest.mark.parametrize(("batch", "seq"), SHAPES)
def test_onnx_matches_torch(models, name, batch, seq) -> None:
    model, onnx_bytes = models[name]
    x = _windows(batch, seq)
    session = onnx_session(onnx_bytes)
    got = session.run(None, {"features": x})
    want = native_outputs(model, x)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-5)


def test_missing_history_is_handled_the_same_way(models) -> None:
    x = _windows(4, 16)
    x[0, :3, :] = np.nan  # a pool whose early features are unknown
    for model, onnx_bytes in models.values():
        got = onnx_session(onnx_bytes).run(None, {"features": x})
        for g, w in zip(got, native_outputs(model, x), strict=True):
            assert np.isfinite(g).all()
            np.testing.assert_allclose(g, w, rtol=0, atol=1e-5)


def test_registered_versions_match_their_checkpoints() -> None:
    trained = ml_support.trained()
    for version in (trained.lstm, trained.cnn):
        native = load_checkpoint((version.path / "checkpoint.pt").read_bytes())
        served = load_model(version)
        x = _windows(7, 16)
        got = served.session.run(None, {served.input_name: x})
        for g, w in zip(got, native_outputs(native, x), strict=True):
            np.testing.assert_allclose(g, w, rtol=0, atol=1e-5)


def test_iforest_onnx_matches_sklearn() -> None:
    s = ml_support.samples()
    forest = fit_iforest(s.anomaly_inputs, n_estimators=50)
    proto_bytes = export_iforest(forest)
    proto = onnx.load_from_string(proto_bytes)
    assert {o.domain: o.version for o in proto.opset_import}.get("ai.onnx.ml") == 3
    x = np.nan_to_num(s.anomaly_inputs[:500])
    label, scores = onnx_session(proto_bytes).run(None, {"features": x})
    np.testing.assert_allclose(scores[:, 0], forest.decision_function(x), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(label[:, 0], forest.predict(x))


def test_training_uses_one_thread() -> None:
    assert torch.get_num_threads() == 1
