"""Roles (viewer < trader < admin), the caller of a request, and the role of every topic.

Each REST route declares its role beside its path (``Depends(require("trader"))``);
WebSocket topics are listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["viewer", "trader", "admin"]
ROLE_RANK: dict[str, int] = {"viewer": 1, "trader": 2, "admin": 3}
ROLES: tuple[Role, ...] = ("viewer", "trader", "admin")

# WebSocket topics and the role each needs. ``None`` as upstream: the engine has
# no stream for it yet (see gateway/ws/topics.py).
TOPIC_ROLES: dict[str, Role] = {
    "prices": "viewer",
    "opportunities": "viewer",
    "status": "viewer",
    "trades": "trader",
    "predictions": "viewer",
}


def at_least(role: str, needed: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[needed]


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a logged-in user (JWT) or an API key."""

    subject: str  # "user:<id>" or "apikey:<id>": also the engine-facing sub claim
    user_id: int
    role: Role
    via: Literal["jwt", "api_key"]
    session_id: str | None = None  # refresh-token family of a JWT
    api_key_id: str | None = None

    def may(self, role: str) -> bool:
        return at_least(self.role, role)
