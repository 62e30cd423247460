"""Messages of the /ws protocol (JSON text frames).

Client -> server:
  {"type": "auth", "token": "<access token or API key>"}             first, within auth_timeout_s
  {"type": "subscribe", "topics": ["opportunities", ...],
   "resume": {"opportunities": {"epoch": "...", "seq": 41}}}           resume is optional
  {"type": "unsubscribe", "topics": [...]}
  {"type": "ping"}
Server -> client (every message has "ts", the server's Unix time in ms):
  {"type": "welcome", "client_id", "role", "topics": {name: role}, "heartbeat_s"}
  {"type": "subscribed", "topic", "epoch", "seq", "replayed", "resync"}
  {"type": "event", "topic", "epoch", "seq", "data"}                  seq +1 per topic event
  {"type": "snapshot", "topic", "epoch", "seq", "data", "dropped"}    the topic's current state
                                                                      as of seq (on subscribe
                                                                      without resume, on a resume
                                                                      too old for the replay
                                                                      buffer, after conflation)
  {"type": "heartbeat"} / {"type": "pong"}
  {"type": "error", "code", "message", "topic"?}
Close codes: 4001 unauthenticated, 4003 forbidden origin, 4008 slow consumer,
4029 too many connections, 1008 protocol violation, 1001 server going away.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

CLOSE_UNAUTHENTICATED = 4001
CLOSE_FORBIDDEN = 4003
CLOSE_SLOW_CONSUMER = 4008
CLOSE_TOO_MANY = 4029
CLOSE_PROTOCOL = 1008
CLOSE_GOING_AWAY = 1001


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def encode(message: dict[str, Any]) -> str:
    message.setdefault("ts", now_ms())
    return orjson.dumps(message).decode()


def error(code: str, message: str, topic: str | None = None) -> str:
    body: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if topic is not None:
        body["topic"] = topic
    return encode(body)
