"""Fuzz the gateway's OpenAPI surface (schemathesis) against the live gateway and the
real engine: no generated input gives a 5xx. Authenticated as an admin, so every
route's handler is reached.

schemathesis' own pytest plugin does not run under pytest 9 here, so each
operation's hypothesis strategy is driven directly."""

# ruff: noqa: F811 - pytest fixtures imported from tests/gateway_support.py
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.gateway_support import (  # noqa: F401 - fixtures
    GatewayServer,
    engine_proc,
    gateway,
    gateway_pem,
    gateway_port,
    oidc,
    users,
)

# the login redirect leaves the gateway (to the provider); logout and the admin's user
# updates would end or disable the fuzzer's own session
SKIP = ("/api/v1/auth/login/", "/api/v1/auth/callback/", "/api/v1/auth/logout",
        "/api/v1/auth/sessions/", "/api/v1/admin/users/")
EXAMPLES = 20


def test_no_server_errors(gateway: GatewayServer, users: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{gateway.url}/openapi.json")
    headers = {"Authorization": f"Bearer {users['admin']['access_token']}"}
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(SKIP):
            continue
        tried += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            response = case.call(headers=headers, timeout=20)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> "
                                f"{response.status_code} {response.text[:200]}")

        run()
    assert tried >= 20
    assert not failures, "\n".join(failures[:20])
