"""The gateway's predictions over the engine's model RPCs: ``GET /api/v1/predictions``
(Predict) and the WebSocket ``predictions`` topic (one StreamPredictions per chain,
shared by the topic's clients).

Two engines, both real gRPC servers accepting the gateway's tokens:
- the shared one of the other gateway tests (tests/gateway_support.py), which runs
  without models: Predict is FAILED_PRECONDITION -> 409 with the engine's reason, and
  the topic's subscribers get ``upstream_refused`` with it;
- an engine serving a small trained registry (tests/ml_support.py: seconds), with its
  own gateway in front, driven by tests/test_engine_models.py's random walk: real
  predictions through REST and the topic, 404 / 422 naming the query parameter.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests/gateway_support.py
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.app import EngineApp
from engine.config import EnvSecrets, parse_config
from gateway.auth.keys import KeyRing
from gateway.auth.oauth import Identity
from tests import ml_support
from tests.engine_support import (
    JWT_SECRET,
    config_dict,
    free_port,
    populate,
    v2_pool,
    v3_pool,
)
from tests.gateway_support import (  # noqa: F401 - fixtures
    KID,
    GatewayServer,
    LoopThread,
    bearer,
    drain_until,
    engine_proc,
    gateway,
    gateway_pem,
    gateway_port,
    gateway_settings,
    http,
    new_pem,
    oidc,
    users,
)
from tests.test_engine_models import CHAIN, Walk
from tests.test_gateway_ws import Ws

NO_MODELS = "without models"


# --- the shared engine: no models -------------------------------------------------------


def test_an_engine_without_models_answers_409_and_refuses_the_topic(
    http: httpx.Client, users: dict[str, dict[str, Any]], gateway: GatewayServer
) -> None:
    viewer = bearer(users["viewer"]["access_token"])
    refused = http.get("/api/v1/predictions",
                       params={"chain_id": 1, "pool": [v2_pool(1), v3_pool(1)]}, headers=viewer)
    assert refused.status_code == 409, refused.text
    assert NO_MODELS in refused.json()["detail"]  # the engine's reason, verbatim
    # the gateway's own checks come first: authentication, the query's shape
    assert http.get("/api/v1/predictions", params={"chain_id": 1}).status_code == 401
    missing = http.get("/api/v1/predictions", headers=viewer)
    assert missing.status_code == 422
    assert [e["loc"] for e in missing.json()["detail"]] == [["query", "chain_id"]]
    # the OpenAPI document describes the body and the 409
    spec = http.get("/openapi.json").json()
    responses = spec["paths"]["/api/v1/predictions"]["get"]["responses"]
    assert "409" in responses and "501" not in responses
    assert "Predictions" in spec["components"]["schemas"]

    ws = Ws(gateway, users["viewer"]["access_token"])
    try:
        ws.send({"type": "subscribe", "topics": ["predictions"]})
        ws.until(type="subscribed", topic="predictions")
        error, _ = ws.until(type="error", topic="predictions")
        assert error["code"] == "upstream_refused" and NO_MODELS in error["message"]
    finally:
        ws.close()


# --- an engine with models ----------------------------------------------------------------


class ModelsEngine:
    """The engine's real gRPC server with a trained registry, accepting the gateway's
    tokens (kid ``KID``), on a loop thread of its own."""

    def __init__(self, tmp: Path, ring: KeyRing) -> None:
        registry = tmp / "models"
        ml_support.registry_copy(registry)
        auth = {"api_keys": config_dict(tmp)["auth"]["api_keys"],
                "jwt": ring.engine_config("arbx-gateway", "arbx-engine")}
        raw = config_dict(tmp, auth=auth, models={"enabled": True, "registry": str(registry)})
        config = parse_config(raw, secrets=EnvSecrets(jwt_secret=JWT_SECRET))  # type: ignore[arg-type]
        self.thread = LoopThread("models-engine")
        self.app = self.thread.call(lambda: EngineApp(config))
        self.thread.run(self.app.start())
        self.thread.call(lambda: populate(self.app.engine))
        self.port = self.app.port
        self.walk = Walk()

    @property
    def history(self) -> int:
        assert self.app.models is not None
        return max(m.spec.history_rows for m in self.app.models.runtime.models.values())

    def blocks(self, n: int) -> None:
        def apply() -> None:
            for _ in range(n):
                self.app.engine.apply_block(self.walk.next_block())  # type: ignore[arg-type]

        self.thread.call(apply)

    def versions(self) -> dict[str, str]:
        assert self.app.models is not None
        return dict(self.thread.call(self.app.models.versions))

    def stop(self) -> None:
        self.thread.run(self.app.stop())
        self.thread.stop()


@dataclass
class Stack:
    engine: ModelsEngine
    gateway: GatewayServer
    token: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("predictions")
    pem = new_pem()
    engine = ModelsEngine(tmp, KeyRing.from_pems({KID: pem}, [KID]))
    try:
        gw = GatewayServer(gateway_settings(tmp / "gateway", engine.port, free_port(), None, pem))
        try:
            # logged in as the OAuth callback would (that flow is tested elsewhere)
            pair = gw.thread.run(gw.ctx.auth.login(
                Identity("local", "carol", None, "carol", None), "127.0.0.1", "pytest"))
            assert pair.user.role == "viewer"
            yield Stack(engine, gw, pair.access_token)
        finally:
            gw.stop()
    finally:
        engine.stop()


def test_predictions_through_rest_and_the_topic(stack: Stack) -> None:
    pools = [v2_pool(CHAIN), v3_pool(CHAIN)]
    with httpx.Client(base_url=stack.gateway.url, timeout=30,
                      headers=bearer(stack.token)) as client:
        # too little history yet: every pool answered, none ready
        stack.engine.blocks(3)
        early = client.get("/api/v1/predictions", params={"chain_id": CHAIN, "pool": pools})
        assert early.status_code == 200, early.text
        assert early.json()["block_number"] == 3
        assert [(p["pool"], p["ready"]) for p in early.json()["predictions"]] == [
            (pools[0], False), (pools[1], False)]
        assert early.json()["predictions"][0]["p_up"] is None

        stack.engine.blocks(stack.engine.history)
        reply = client.get("/api/v1/predictions", params={"chain_id": CHAIN, "pool": pools})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["chain_id"] == CHAIN and body["block_number"] == stack.engine.walk.number
        assert isinstance(body["anomaly_threshold"], float)
        versions = stack.engine.versions()
        for p in body["predictions"]:
            assert p["ready"] and p["block_number"] == stack.engine.walk.number
            assert isinstance(p["log_return"], float) and 0.0 <= p["p_up"] <= 1.0
            assert p["pattern"] in p["pattern_probs"]
            assert isinstance(p["anomaly_score"], float) and p["anomalous"] is False
            assert p["model_versions"] == versions

        # the engine's refusals, naming the query parameter
        unknown = client.get("/api/v1/predictions",
                             params={"chain_id": CHAIN, "pool": [pools[0], "0x" + "9" * 40]})
        assert unknown.status_code == 404 and unknown.json()["detail"].startswith("pool[1]: ")
        chain = client.get("/api/v1/predictions", params={"chain_id": 99, "pool": pools[0]})
        assert chain.status_code == 404 and chain.json()["detail"].startswith("chain_id: ")
        empty = client.get("/api/v1/predictions", params={"chain_id": CHAIN})
        assert empty.status_code == 422
        assert [e["loc"] for e in empty.json()["detail"]] == [["query", "pool"]]
        bad = client.get("/api/v1/predictions", params={"chain_id": CHAIN,
                                                        "pool": [pools[0], "nope"]})
        assert bad.status_code == 422
        assert [e["loc"] for e in bad.json()["detail"]] == [["query", "pool", 1]]
        zero = client.get("/api/v1/predictions", params={"chain_id": 0, "pool": pools[0]})
        assert zero.status_code == 422
        assert [e["loc"] for e in zero.json()["detail"]] == [["query", "chain_id"]]

    # the topic: two clients, one upstream per chain; every pool of the chain per block
    first, second = Ws(stack.gateway, stack.token), Ws(stack.gateway, stack.token)
    try:
        for ws in (first, second):
            ws.send({"type": "subscribe", "topics": ["predictions"]})
            ws.until(type="subscribed", topic="predictions")
        event, _ = first.until(type="event", topic="predictions")
        if event["data"]["chain_id"] != CHAIN:
            event, _ = drain_until(first.recv, lambda m: m.get("type") == "event"
                                   and m["data"]["chain_id"] == CHAIN)
        assert event["data"]["block_number"] == stack.engine.walk.number
        assert {p["pool"] for p in event["data"]["predictions"]} == set(pools)
        stack.engine.blocks(1)
        number = stack.engine.walk.number
        for ws in (first, second):
            moved, _ = drain_until(ws.recv, lambda m: m.get("type") == "event"
                                   and m["data"]["block_number"] == number)
            assert moved["data"]["chain_id"] == CHAIN
            assert all(p["ready"] for p in moved["data"]["predictions"])
        topics = {t.name: t for t in stack.gateway.ctx.hub.topics.values()}
        topic = topics["predictions"]
        assert topic.connected and len(topic.clients) == 2
        state = topic.state()
        assert {(p["chain_id"], p["pool"]) for p in state["predictions"]} >= {
            (CHAIN, p) for p in pools}
        assert all(p["block_number"] == number for p in state["predictions"]
                   if p["chain_id"] == CHAIN)
    finally:
        first.close()
        second.close()
