"""WebSocket /ws over the real engine: live opportunities after an engine update,
one upstream stream per topic, sequence numbers and resume, topic roles, auth and
origin checks; the bounded client queue (conflation, disconnect)."""

# ruff: noqa: F811 - pytest fixtures imported from tests/gateway_support.py
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from gateway.auth.roles import Principal
from gateway.config import WebSocketConfig
from gateway.metrics import GatewayMetrics
from gateway.ws.client import Client
from gateway.ws.protocol import CLOSE_SLOW_CONSUMER
from tests.gateway_support import (  # noqa: F401 - fixtures
    GatewayServer,
    drain_until,
    engine_proc,
    gateway,
    gateway_pem,
    gateway_port,
    oidc,
    users,
)


class Ws:
    def __init__(self, gateway: GatewayServer, token: str | None, origin: str | None = None) -> None:
        headers = {"Origin": origin} if origin else None
        self.conn: ClientConnection = connect(
            gateway.url.replace("http", "ws") + "/ws", additional_headers=headers,
            open_timeout=10, close_timeout=2).__enter__()
        if token is not None:
            self.send({"type": "auth", "token": token})

    def send(self, message: dict[str, Any]) -> None:
        self.conn.send(json.dumps(message))

    def recv(self) -> dict[str, Any]:
        return json.loads(self.conn.recv(timeout=10))  # type: ignore[no-any-return]

    def until(self, **wanted: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return drain_until(self.recv, lambda m: all(m.get(k) == v for k, v in wanted.items()))

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def ws_factory(gateway: GatewayServer) -> Iterator[Any]:
    opened: list[Ws] = []

    def make(token: str | None, origin: str | None = None) -> Ws:
        ws = Ws(gateway, token, origin)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()


def _event_with_chain(ws: Ws, chain_id: int) -> dict[str, Any]:
    message, _ = drain_until(ws.recv, lambda m: m.get("type") == "event"
                             and m["data"].get("chain_id") == chain_id
                             and not m["data"].get("snapshot"))
    return message


def test_subscribe_receives_live_opportunities(ws_factory: Any, users: dict[str, Any],
                                               engine_proc: Any) -> None:
    ws = ws_factory(users["viewer"]["access_token"])
    welcome = ws.recv()
    assert welcome["type"] == "welcome" and welcome["role"] == "viewer" and "ts" in welcome
    ws.send({"type": "subscribe", "topics": ["opportunities"]})
    subscribed, _ = ws.until(type="subscribed")
    assert subscribed["topic"] == "opportunities" and subscribed["resync"] is False
    # the upstream's snapshot (first message of the engine stream, or the topic's state)
    drain_until(ws.recv, lambda m: m["type"] in ("event", "snapshot"))
    opps = engine_proc.new_block(1)
    event = _event_with_chain(ws, 1)
    assert event["topic"] == "opportunities" and isinstance(event["seq"], int)
    assert isinstance(event["ts"], int) and event["epoch"] == subscribed["epoch"]
    assert [o["profit_net"] for o in event["data"]["opportunities"]] == [
        str(o.profit_net) for o in opps]
    assert event["data"]["block_number"] == engine_proc.heads[1]
    opps2 = engine_proc.new_block(1)
    second = _event_with_chain(ws, 1)
    assert second["seq"] == event["seq"] + 1
    assert second["data"]["opportunities"][0]["profit_net"] == str(opps2[0].profit_net)


def test_one_upstream_stream_shared_by_all_clients(ws_factory: Any, users: dict[str, Any],
                                                   engine_proc: Any, gateway: GatewayServer) -> None:
    clients = [ws_factory(users[r]["access_token"]) for r in ("viewer", "trader", "admin")]
    for ws in clients:
        ws.send({"type": "subscribe", "topics": ["opportunities"]})
        ws.until(type="subscribed")
        drain_until(ws.recv, lambda m: m["type"] in ("event", "snapshot"))
    engine_proc.new_block(1)
    events = [_event_with_chain(ws, 1) for ws in clients]
    assert len({e["seq"] for e in events}) == 1  # the same event, fanned out
    assert engine_proc.subscribers() == 1  # one StreamOpportunities for every client
    topics = gateway.thread.call(lambda: gateway.ctx.hub.health())["topics"]
    opp = next(t for t in topics if t["name"] == "opportunities")
    assert opp["subscribers"] >= 3 and opp["upstream_connected"] is True


def test_reconnect_with_sequence_number_resumes(ws_factory: Any, users: dict[str, Any],
                                                engine_proc: Any, gateway: GatewayServer) -> None:
    token = users["viewer"]["access_token"]
    first = ws_factory(token)
    first.send({"type": "subscribe", "topics": ["opportunities"]})
    first.until(type="subscribed")
    drain_until(first.recv, lambda m: m["type"] in ("event", "snapshot"))
    engine_proc.new_block(2)
    last = _event_with_chain(first, 2)
    first.close()
    missed = [engine_proc.new_block(2) for _ in range(2)]

    def topic_seq() -> int:
        topics = gateway.thread.call(lambda: gateway.ctx.hub.health())["topics"]
        return int(next(t for t in topics if t["name"] == "opportunities")["seq"])

    # The two blocks reach the gateway's replay buffer asynchronously: wait for them.
    deadline = time.monotonic() + 30
    while topic_seq() < last["seq"] + 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    again = ws_factory(token)
    again.send({"type": "subscribe", "topics": ["opportunities"],
                "resume": {"opportunities": {"epoch": last["epoch"], "seq": last["seq"]}}})
    resumed, _ = again.until(type="subscribed")
    assert resumed["resync"] is False and resumed["replayed"] >= 2
    replay = [again.recv() for _ in range(resumed["replayed"])]
    assert [m["seq"] for m in replay] == list(range(last["seq"] + 1, last["seq"] + 1 + len(replay)))
    chain2 = [m for m in replay if m["data"]["chain_id"] == 2]
    assert [m["data"]["opportunities"][0]["profit_net"] for m in chain2[-2:]] == [
        str(b[0].profit_net) for b in missed]
    # a sequence number from another gateway run (epoch) cannot resume: snapshot instead
    stale = ws_factory(token)
    stale.send({"type": "subscribe", "topics": ["opportunities"],
                "resume": {"opportunities": {"epoch": "other", "seq": 3}}})
    told, _ = stale.until(type="subscribed")
    assert told["resync"] is True
    snapshot, _ = stale.until(type="snapshot")
    assert snapshot["seq"] == told["seq"] and snapshot["data"]["opportunities"]


def test_topic_roles_and_protocol_errors(ws_factory: Any, users: dict[str, Any]) -> None:
    viewer = ws_factory(users["viewer"]["access_token"])
    viewer.send({"type": "subscribe", "topics": ["trades", "nope", "status"]})
    forbidden, _ = viewer.until(type="error", topic="trades")
    assert forbidden["code"] == "forbidden"
    unknown, _ = viewer.until(type="error", topic="nope")
    assert unknown["code"] == "unknown_topic"
    viewer.until(type="subscribed", topic="status")
    viewer.send({"type": "ping"})
    viewer.until(type="pong")
    viewer.send({"type": "bogus"})
    bad, _ = viewer.until(type="error")
    assert bad["code"] == "bad_request"
    engine_status, _ = drain_until(viewer.recv, lambda m: m.get("topic") == "status"
                                   and m["type"] in ("event", "snapshot"))
    assert len(engine_status["data"]["chains"]) == 2
    trader = ws_factory(users["trader"]["access_token"])
    trader.send({"type": "subscribe", "topics": ["trades"]})
    trader.until(type="subscribed", topic="trades")
    # this engine runs without execution: StreamTrades is refused, and the client told why
    refused, _ = trader.until(type="error", topic="trades")
    assert refused["code"] == "upstream_refused" and "execution" in refused["message"]
    # (the predictions topic, refused by this engine without models:
    # tests/test_gateway_predictions.py)


def test_unauthenticated_and_foreign_origin_are_closed(ws_factory: Any,
                                                       users: dict[str, Any]) -> None:
    bad = ws_factory("arbx_nope_nope")
    with pytest.raises(ConnectionClosed) as closed:
        bad.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
    silent = ws_factory(None)
    silent.send({"type": "subscribe", "topics": ["prices"]})
    with pytest.raises(ConnectionClosed) as closed:
        silent.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
    with pytest.raises(Exception):  # noqa: B017 - refused during the handshake or closed 4003
        foreign = ws_factory(users["viewer"]["access_token"], origin="http://evil.test")
        foreign.recv()
    ok = ws_factory(users["viewer"]["access_token"], origin="http://dashboard.test")
    assert ok.recv()["type"] == "welcome"


def test_prices_topic_streams_changed_pools(ws_factory: Any, users: dict[str, Any],
                                            engine_proc: Any) -> None:
    ws = ws_factory(users["viewer"]["access_token"])
    ws.send({"type": "subscribe", "topics": ["prices"]})
    ws.until(type="subscribed")
    # the engine's snapshot first: the upstream stream is open before the block
    drain_until(ws.recv, lambda m: m.get("topic") == "prices" and m["type"] in ("event", "snapshot"))
    engine_proc.new_block(1)
    event, _ = drain_until(ws.recv, lambda m: m.get("topic") == "prices" and m["type"] == "event"
                           and not m["data"]["snapshot"] and m["data"]["chain_id"] == 1)
    assert [p["pool"] for p in event["data"]["prices"]] == [
        "0x1" + "1" * 39]  # only the V2 pair moved


# --- the bounded queue, without sockets ----------------------------------------------


class StuckSocket:
    """A WebSocket whose peer reads only when told to."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()
        self.closed: tuple[int, str] | None = None

    async def send_text(self, text: str) -> None:
        await self.gate.wait()
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


class FakeTopic:
    name = "opportunities"

    def snapshot(self, dropped: int = 0) -> str:
        return json.dumps({"type": "snapshot", "dropped": dropped})


def _client(policy: str) -> tuple[Client, StuckSocket]:
    socket = StuckSocket()
    config = WebSocketConfig(queue_size=4, slow_client=policy, max_conflations=2)  # type: ignore[arg-type]
    client = Client(socket, Principal("user:1", 1, "viewer", "jwt"), "127.0.0.1",  # type: ignore[arg-type]
                    config, GatewayMetrics())
    client.topics["opportunities"] = FakeTopic()  # type: ignore[assignment]
    return client, socket


def test_slow_client_is_conflated_to_a_snapshot() -> None:
    async def scenario() -> tuple[list[str], int | None]:
        client, socket = _client("conflate")
        sender = asyncio.create_task(client.run_sender())
        for i in range(10):  # queue of 4: overflows, the backlog becomes one snapshot
            client.offer("opportunities", json.dumps({"type": "event", "seq": i}))
            await asyncio.sleep(0)
        socket.gate.set()
        for _ in range(50):
            await asyncio.sleep(0)
        client.close(1000, "done")
        await sender
        return socket.sent, client.close_code

    sent, _ = asyncio.run(scenario())
    kinds = [json.loads(s)["type"] for s in sent]
    assert "snapshot" in kinds and len(sent) < 10
    assert json.loads(sent[kinds.index("snapshot")])["dropped"] > 0


def test_slow_client_is_disconnected_when_policy_says_so() -> None:
    async def scenario() -> tuple[int | None, tuple[int, str] | None]:
        client, socket = _client("disconnect")
        sender = asyncio.create_task(client.run_sender())
        for i in range(6):
            client.offer("opportunities", json.dumps({"seq": i}))
            await asyncio.sleep(0)
        socket.gate.set()
        await sender
        return client.close_code, socket.closed

    code, closed = asyncio.run(scenario())
    assert code == CLOSE_SLOW_CONSUMER and closed is not None and closed[0] == CLOSE_SLOW_CONSUMER
