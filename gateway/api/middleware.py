"""ASGI middleware: per-IP rate limit, security headers, request metrics; and
``OnlyUnder``, which runs a middleware for one path prefix only.
(CORS is Starlette's, configured from the allow-list in webserver.py.)"""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.context import GatewayContext

EXEMPT = ("/health", "/ready", "/metrics")
AUTH_PATHS = ("/api/v1/auth/login", "/api/v1/auth/callback", "/api/v1/auth/refresh")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# The dashboard's pages: its own scripts only; MUI injects <style> tags, hence 'unsafe-inline' styles.
DASHBOARD_CSP = (b"content-security-policy", (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"))
API_PREFIXES = ("/api/", "/ws", "/health", "/ready", "/metrics", "/openapi.json")
# Swagger UI loads its scripts and styles from jsDelivr
DOCS_CSP = (b"content-security-policy", (
            b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            b"img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"))


class GatewayMiddleware:
    """One pass per request: rate limit by IP, then headers and metrics on the way out."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS)
        if https:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctx: GatewayContext = scope["app"].state.ctx
        path: str = scope["path"]
        method: str = scope["method"]
        if ctx.config.rate_limits.enabled and not path.startswith(EXEMPT) and method != "OPTIONS":
            ip = scope["client"][0] if scope.get("client") else "unknown"
            limiter, label = ((ctx.limiters.auth_per_ip, "auth") if path.startswith(AUTH_PATHS)
                              else (ctx.limiters.per_ip, "ip"))
            wait = limiter.hit(f"{label}:{ip}")
            if wait:
                ctx.metrics.rate_limited.labels(label).inc()
                await self._send_429(send, wait, label)
                return
        docs = path.startswith(("/docs", "/redoc"))
        dashboard = ctx.config.server.dashboard_dir is not None and not path.startswith(API_PREFIXES)
        csp = DOCS_CSP if docs else DASHBOARD_CSP if dashboard else API_CSP
        extra = [*self.headers, csp]
        if path.startswith("/api/v1/auth"):
            extra.append((b"cache-control", b"no-store"))
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route: Any = scope.get("route")
            label_path = getattr(route, "path", None) or "unmatched"
            ctx.metrics.requests.labels(method, label_path, str(status)).inc()
            ctx.metrics.latency.labels(method, label_path).observe(time.perf_counter() - started)

    async def _send_429(self, send: Send, wait: int, scope_label: str) -> None:
        body = orjson.dumps({"detail": f"rate limit exceeded (per {scope_label})"})
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(wait).encode()),
            (b"content-length", str(len(body)).encode()), *self.headers, API_CSP]})
        await send({"type": "http.response.body", "body": body})


class OnlyUnder:
    """``middleware`` around the app for HTTP requests under ``prefix``; every
    other request (and every WebSocket message) goes straight to the app, without its
    per-request work and its wrapper around ``send``."""

    def __init__(self, app: ASGIApp, /, *, prefix: str, middleware: Any,
                 **options: Any) -> None:
        self.app = app
        self.prefix = prefix
        self.wrapped: ASGIApp = middleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            await self.wrapped(scope, receive, send)
        else:
            await self.app(scope, receive, send)
