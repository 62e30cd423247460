"""The model registry (versions, hashes, aliases, history) and the online learner."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.models.registry import CHALLENGER, CHAMPION, Registry, RegistryError
from ml.export import LSTM_RETURN
from ml.online import OnlineConfig, OnlineLearner
from tests import ml_support


def _register(registry: Registry, name: str = "m", alias: str | None = None, blob: bytes = b"x"):
    return registry.register(
        name, kind="return_direction", onnx_bytes=blob, feature_spec={"name": "s", "code_version": 1},
        metrics={"accuracy": 0.5}, data_range={"from_block": 1, "to_block": 2}, io={}, alias=alias,
    )


def test_versions_are_numbered_hashed_and_immutable(tmp_path) -> None:
    registry = Registry(tmp_path)
    v1 = _register(registry, alias=CHAMPION, blob=b"one")
    v2 = _register(registry, blob=b"two")
    assert (v1.version, v2.version) == ("v0001", "v0002")
    assert registry.versions("m") == ["v0001", "v0002"]
    assert v1.content_hash != v2.content_hash
    v1.verify()
    (v1.path / "model.onnx").write_bytes(b"tampered")
    with pytest.raises(RegistryError, match="content hash"):
        v1.verify()
    assert not [p for p in (tmp_path / "m" / "versions").iterdir() if p.name.startswith(".")]


def test_promote_reject_and_rollback_are_recorded(tmp_path) -> None:
    registry = Registry(tmp_path)
    _register(registry, alias=CHAMPION, blob=b"1")
    _register(registry, alias=CHALLENGER, blob=b"2")
    assert registry.promote("m", reason="better", evidence={"loss": 0.1}) == "v0002"
    assert registry.aliases("m") == {CHAMPION: "v0002"}
    _register(registry, alias=CHALLENGER, blob=b"3")
    assert registry.reject("m", reason="worse") == "v0003"
    assert registry.aliases("m") == {CHAMPION: "v0002"}
    _register(registry, alias=CHALLENGER, blob=b"4")
    registry.promote("m")
    assert registry.get("m").version == "v0004"
    assert registry.rollback("m", reason="bad in production") == "v0002"
    assert registry.rollback("m") == "v0001"
    with pytest.raises(RegistryError, match="no earlier champion"):
        registry.rollback("m")
    events = [(e["event"], e.get("version")) for e in registry.history("m")
              if e["event"] in ("promote", "reject", "rollback")]
    assert events == [("promote", "v0002"), ("reject", "v0003"), ("promote", "v0004"),
                      ("rollback", "v0002"), ("rollback", "v0001")]
    promote = next(e for e in registry.history("m") if e["event"] == "promote")
    assert promote["previous"] == "v0001" and promote["evidence"] == {"loss": 0.1}


def test_aliases_file_is_replaced_whole(tmp_path) -> None:
    registry = Registry(tmp_path)
    _register(registry, alias=CHAMPION)
    before = registry.aliases_stamp("m")
    _register(registry, alias=CHALLENGER)
    assert registry.aliases_stamp("m") != before
    assert json.loads((tmp_path / "m" / "aliases.json").read_text()) == {
        CHAMPION: "v0001", CHALLENGER: "v0002"}
    assert not [p for p in (tmp_path / "m").iterdir() if p.name.startswith(".aliases")]


def test_unknown_alias_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(RegistryError, match="no version or alias 'champion'"):
        Registry(tmp_path).get("nothing")


def _online_samples():
    return ml_support.samples(blocks=900, anomalies=0.0)


def test_online_learner_fine_tunes_then_promotes_a_better_challenger(tmp_path) -> None:
    registry = ml_support.registry_copy(tmp_path / "models")
    s = _online_samples()
    config = OnlineConfig(model=LSTM_RETURN, train_rows=1500, eval_rows=300,
                          min_improvement=-1e9)  # any challenger counts as better: the flow
    learner = OnlineLearner(registry, config)
    times = np.unique(s.timestamp)
    seen = s.subset(np.flatnonzero(s.timestamp <= times[len(times) // 2]))
    first = learner.step(seen)
    assert first.decision is None and first.challenger is not None
    challenger = registry.get(LSTM_RETURN, CHALLENGER)
    assert challenger.manifest["parent"] == registry.get(LSTM_RETURN).version
    assert learner.step(seen).decision is None  # no out-of-sample data yet: keep waiting
    second = learner.step(s)  # the next window has arrived
    assert second.decision == "promote"
    assert registry.get(LSTM_RETURN).version == challenger.version
    window = second.evidence["window"]
    assert window["from_timestamp"] > challenger.manifest["data_range"]["to_timestamp"]
    assert {"log_loss", "accuracy"} <= set(second.evidence["champion_score"])
    promote = [e for e in registry.history(LSTM_RETURN) if e["event"] == "promote"][-1]
    assert promote["evidence"]["challenger"] == challenger.version
    assert second.challenger is not None  # and the next challenger is on its way


def test_online_learner_rejects_a_challenger_that_is_not_better(tmp_path) -> None:
    registry = ml_support.registry_copy(tmp_path / "models")
    s = _online_samples()
    champion = registry.get(LSTM_RETURN).version
    learner = OnlineLearner(registry, OnlineConfig(train_rows=1500, eval_rows=300,
                                                   min_improvement=1e9))
    times = np.unique(s.timestamp)
    learner.step(s.subset(np.flatnonzero(s.timestamp <= times[len(times) // 2])))
    result = learner.step(s)
    assert result.decision == "reject"
    assert registry.get(LSTM_RETURN).version == champion
    assert [e["event"] for e in registry.history(LSTM_RETURN)].count("reject") == 1


def test_online_learner_promotes_on_merit_over_an_untrained_champion(tmp_path) -> None:
    """A champion with fitted scalers but untrained weights; the fine-tuned challenger
    must beat it on the next window by the default rule (lower log-loss, no handicap).

    The synthetic market's direction is barely predictable (a fine-tuned model does
    not reliably beat p = 0.5 on 900 blocks: the learner then rightly rejects it),
    so the targets here are made learnable: the next return repeats the last one.
    """
    from engine.models.registry import Registry as _Registry
    from ml.export import register_torch
    from ml.models.train import TrainConfig, checkpoint_bytes, train_lstm

    s = _online_samples().subset(np.arange(len(_online_samples())))
    s.y_return = s.windows[:, -1, s.spec.feature_names.index("ret_1")].astype(np.float64)
    s.y_direction = (s.y_return > 0).astype(np.int64)
    registry = _Registry(tmp_path / "models")
    times = np.unique(s.timestamp)
    first = s.subset(np.flatnonzero(s.timestamp <= times[len(times) // 2]))
    untrained = train_lstm(first, TrainConfig(epochs=0, hidden=8))
    register_torch(registry, LSTM_RETURN, untrained, s.spec, metrics={},
                   data_range=first.data_range, alias="champion",
                   checkpoint=checkpoint_bytes(untrained, TrainConfig(epochs=0, hidden=8),
                                               LSTM_RETURN))
    learner = OnlineLearner(registry, OnlineConfig(
        train_rows=3000, eval_rows=600,
        fine_tune=TrainConfig(epochs=4, hidden=8, lr=3e-3, batch_size=64)))
    learner.step(first)
    result = learner.step(s)
    assert result.decision == "promote", result.evidence
    assert result.evidence["challenger_score"]["log_loss"] < result.evidence["champion_score"][
        "log_loss"]


def test_operator_commands_promote_and_roll_back(tmp_path, capsys) -> None:
    from engine.models.__main__ import main

    registry = Registry(tmp_path)
    _register(registry, alias=CHAMPION, blob=b"1")
    _register(registry, alias=CHALLENGER, blob=b"2")
    assert main(["--registry", str(tmp_path), "promote", "m", "--reason", "ops"]) == 0
    assert main(["--registry", str(tmp_path), "rollback", "m"]) == 0
    assert registry.get("m").version == "v0001"
    assert main(["--registry", str(tmp_path), "rollback", "m"]) == 1  # nothing earlier
    assert main(["--registry", str(tmp_path), "status"]) == 0
    assert "m: {'champion': 'v0001'}" in capsys.readouterr().out
