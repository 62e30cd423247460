"""The /ws endpoint: the protocol of gateway/ws/protocol.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from gateway.auth.roles import TOPIC_ROLES, Principal
from gateway.auth.service import AuthError
from gateway.context import GatewayContext
from gateway.ws.client import Client
from gateway.ws.protocol import (
    CLOSE_FORBIDDEN,
    CLOSE_GOING_AWAY,
    CLOSE_PROTOCOL,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHENTICATED,
    encode,
    error,
)
from gateway.ws.topics import MISSING_UPSTREAM

log = logging.getLogger(__name__)
router = APIRouter()
MAX_BAD_MESSAGES = 20


class ProtocolError(Exception):
    """A client message that does not follow the protocol (answered with an error)."""


def origin_allowed(ctx: GatewayContext, origin: str | None) -> bool:
    # browsers always send Origin; a page of another site must not ride on a user's token
    return origin is None or origin == ctx.base_url or origin in ctx.config.cors.origins


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    ctx: GatewayContext = websocket.app.state.ctx
    ip = websocket.client.host if websocket.client else "unknown"
    if not origin_allowed(ctx, websocket.headers.get("origin")):
        await websocket.close(CLOSE_FORBIDDEN, "origin not allowed")
        return
    await websocket.accept()
    if ctx.config.rate_limits.enabled and ctx.limiters.per_ip.hit(f"ws:{ip}"):
        ctx.metrics.rate_limited.labels("ws").inc()
        await websocket.close(CLOSE_TOO_MANY, "rate limited")
        return
    if ctx.hub.full():
        await websocket.close(CLOSE_TOO_MANY, "too many connections")
        return
    principal = await _authenticate(ctx, websocket)
    if principal is None:
        return
    client = Client(websocket, principal, ip, ctx.config.websocket, ctx.metrics)
    ctx.hub.join(client)
    sender = asyncio.create_task(client.run_sender(), name=f"ws-send-{client.id}")
    heartbeat = asyncio.create_task(_heartbeat(ctx, client), name=f"ws-beat-{client.id}")
    client.send(encode({"type": "welcome", "client_id": client.id, "role": principal.role,
                        "topics": dict(TOPIC_ROLES),
                        "heartbeat_s": ctx.config.websocket.heartbeat_s}))
    try:
        await _receive(ctx, client)
    except WebSocketDisconnect:
        pass
    finally:
        ctx.hub.leave(client)
        heartbeat.cancel()
        if client.close_code is None:
            client.close_code = CLOSE_GOING_AWAY  # stop the sender; the socket is gone
            client._wake.set()
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat


async def _authenticate(ctx: GatewayContext, websocket: WebSocket) -> Principal | None:
    try:
        async with asyncio.timeout(ctx.config.websocket.auth_timeout_s):
            raw = await websocket.receive_text()
    except TimeoutError:
        await websocket.close(CLOSE_UNAUTHENTICATED, "no auth message in time")
        return None
    except (WebSocketDisconnect, RuntimeError):
        return None
    try:
        message = orjson.loads(raw)
        if not isinstance(message, dict) or message.get("type") != "auth":
            raise ProtocolError("not an auth message")
        token = message["token"]
        if not isinstance(token, str):
            raise ProtocolError("token: a string")
        return ctx.auth.authenticate(token)
    except (ProtocolError, KeyError, orjson.JSONDecodeError):
        ctx.metrics.auth_failures.labels("ws_protocol").inc()
        await websocket.close(CLOSE_UNAUTHENTICATED, 'first message must be {"type": "auth", "token": ...}')
    except AuthError as exc:
        ctx.metrics.auth_failures.labels("ws_token").inc()
        await websocket.close(CLOSE_UNAUTHENTICATED, str(exc)[:120])
    return None


async def _heartbeat(ctx: GatewayContext, client: Client) -> None:
    while client.close_code is None:
        await asyncio.sleep(ctx.config.websocket.heartbeat_s)
        p = client.principal
        if ctx.auth.sessions.is_revoked(p.session_id) or p.user_id in ctx.auth._disabled:
            client.close(CLOSE_UNAUTHENTICATED, "session revoked")
            return
        client.send(encode({"type": "heartbeat"}))


async def _receive(ctx: GatewayContext, client: Client) -> None:
    bad = 0
    while client.close_code is None:
        raw = await client.websocket.receive_text()
        try:
            message = orjson.loads(raw)
            if not isinstance(message, dict):
                raise ProtocolError("a message is a JSON object")
            kind = message.get("type")
            if kind == "subscribe":
                _subscribe(ctx, client, message)
            elif kind == "unsubscribe":
                for name in _topic_names(message):
                    topic = client.topics.pop(name, None)
                    if topic is not None:
                        topic.remove(client)
                    client.send(encode({"type": "unsubscribed", "topic": name}))
            elif kind == "ping":
                client.send(encode({"type": "pong"}))
            elif kind == "auth":
                raise ProtocolError("already authenticated")
            else:
                raise ProtocolError(f"unknown message type {kind!r}")
        except (ProtocolError, orjson.JSONDecodeError) as exc:
            bad += 1
            client.send(error("bad_request", str(exc)))
            if bad > MAX_BAD_MESSAGES:
                client.close(CLOSE_PROTOCOL, "too many bad messages")


def _topic_names(message: dict[str, Any]) -> list[str]:
    topics = message.get("topics")
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics) or not topics:
        raise ProtocolError("topics: a non-empty list of topic names")
    return topics


def _subscribe(ctx: GatewayContext, client: Client, message: dict[str, Any]) -> None:
    resume = message.get("resume") or {}
    if not isinstance(resume, dict):
        raise ProtocolError("resume: an object {topic: {epoch, seq}}")
    for name in _topic_names(message):
        needed = TOPIC_ROLES.get(name)
        if needed is None:
            client.send(error("unknown_topic", f"no topic {name!r}", name))
            continue
        if not client.principal.may(needed):
            client.send(error("forbidden", f"topic {name} needs role {needed}", name))
            continue
        if name in MISSING_UPSTREAM:
            client.send(error("not_implemented", MISSING_UPSTREAM[name], name))
            continue
        topic = ctx.hub.topics[name]
        if name in client.topics:
            continue
        point = resume.get(name)
        missed: list[str] | None = None
        if isinstance(point, dict) and isinstance(point.get("seq"), int):
            missed = topic.since(str(point.get("epoch")), point["seq"])
        # all in one step of the loop: no event can slip between replay and live
        client.send(encode({"type": "subscribed", "topic": name, "epoch": topic.epoch,
                            "seq": topic.seq, "replayed": len(missed or []),
                            "resync": point is not None and missed is None}))
        if missed is not None:
            for text in missed:
                client.offer(name, text)
        elif topic.seq > 0:  # before the first upstream message, that message is the snapshot
            client.offer(name, topic.snapshot())
        client.topics[name] = topic
        topic.add(client)
