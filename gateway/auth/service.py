"""AuthService: one object the routers and the WebSocket endpoint ask
"who is this bearer token?" and "log this user in / refresh / log out"."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from gateway.auth.api_keys import ApiKeyStore, looks_like_api_key
from gateway.auth.keys import KeyRing
from gateway.auth.oauth import Identity
from gateway.auth.roles import Principal
from gateway.auth.sessions import IssuedRefresh, RefreshError, SessionStore
from gateway.auth.tokens import TokenError, TokenIssuer
from gateway.config import GatewayConfig
from gateway.store import Database, UserRow

log = logging.getLogger(__name__)


class AuthError(Exception):
    """401: no credentials, or credentials that are not valid (the message says which)."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    access_expires_at: int
    refresh: IssuedRefresh
    user: UserRow


class AuthService:
    def __init__(self, config: GatewayConfig, db: Database, ring: KeyRing) -> None:
        self.config = config
        self.db = db
        self.tokens = TokenIssuer(config.tokens, ring)
        self.sessions = SessionStore(db, config.tokens)
        self.api_keys = ApiKeyStore(db, config.tokens.api_key_last_used_resolution_s)
        self._disabled: set[int] = set()

    async def load(self) -> None:
        await self.sessions.load()
        await self.api_keys.load()
        users = await self.db.call(self.db.users)
        self._disabled = {u.id for u in users if u.disabled}

    def authenticate(self, token: str) -> Principal:
        if looks_like_api_key(token):
            row = self.api_keys.authenticate(token)
            if row is None or row.user_id in self._disabled:
                raise AuthError("unknown, revoked or expired API key")
            return Principal(f"apikey:{row.id}", row.user_id, row.role, "api_key",  # type: ignore[arg-type]
                             api_key_id=row.id)
        try:
            claims = self.tokens.verify(token)
        except TokenError as exc:
            raise AuthError(str(exc)) from None
        if claims.uid is None or claims.sid is None:
            raise AuthError("not a user access token")
        if self.sessions.is_revoked(claims.sid):
            raise AuthError("session revoked")
        if claims.uid in self._disabled:
            raise AuthError("user disabled")
        return Principal(claims.sub, claims.uid, claims.role, "jwt",  # type: ignore[arg-type]
                         session_id=claims.sid)

    async def login(self, identity: Identity, ip: str | None, user_agent: str | None) -> TokenPair:
        """The user of ``identity`` (created as ``roles.default`` unless allow-listed)
        with a new session."""
        roles = self.config.roles
        listed = roles.role_for(identity.provider, identity.email, identity.login)
        user = await self.db.call(
            self.db.upsert_login, identity.provider, identity.subject, identity.email,
            identity.login, identity.name, roles.default,
            listed if listed != roles.default else None,
        )
        if user.disabled:
            raise AuthError("user disabled")
        refresh = await self.sessions.start(user, ip, user_agent)
        access, exp = self.tokens.access_token(user.id, user.role, refresh.session_id)
        return TokenPair(access, exp, refresh, user)

    async def refresh(self, token: str, ip: str | None, user_agent: str | None) -> TokenPair:
        try:
            refresh, user_id = await self.sessions.rotate(token, ip, user_agent)
        except RefreshError as exc:
            if exc.reuse:
                log.warning("refresh token reuse", extra={"user_id": exc.user_id, "ip": ip})
                await self.audit(f"user:{exc.user_id}", "auth.refresh_reuse", None, ip, None)
            raise AuthError(str(exc)) from None
        user = await self.db.call(self.db.user, user_id)
        if user is None or user.disabled:
            await self.sessions.revoke(refresh.session_id, "user disabled")
            raise AuthError("user disabled")
        # the role is read again: a changed role takes effect at the next refresh
        access, exp = self.tokens.access_token(user.id, user.role, refresh.session_id)
        return TokenPair(access, exp, refresh, user)

    async def logout(self, refresh_token: str | None, principal: Principal | None) -> str | None:
        family: str | None = None
        if refresh_token:
            row = await self.sessions.family_of(refresh_token)
            if row is not None and (principal is None or principal.user_id == row.user_id):
                family = row.family_id
        if family is None and principal is not None:
            family = principal.session_id
        if family is not None:
            await self.sessions.revoke(family, "logout")
        return family

    async def set_disabled(self, user_id: int, disabled: bool) -> None:
        if disabled:
            self._disabled.add(user_id)
            await self.sessions.revoke_user(user_id, "user disabled")
        else:
            self._disabled.discard(user_id)

    async def audit(self, actor: str, action: str, target: str | None, ip: str | None,
                    detail: dict[str, Any] | None) -> None:
        await self.db.call(self.db.audit, actor, action, target, ip, detail)
