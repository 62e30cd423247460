"""Login through a real OpenID provider, tokens, refresh rotation and reuse
detection, revocation, API keys, RBAC."""

# ruff: noqa: F811 - pytest fixtures imported from tests/gateway_support.py
from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.gateway_support import (  # noqa: F401 - fixtures
    ADMIN_LOGIN,
    TRADER_LOGIN,
    GatewayServer,
    bearer,
    engine_proc,
    gateway,
    gateway_pem,
    gateway_port,
    http,
    login,
    oidc,
    users,
)


def test_login_flow_creates_users_with_allow_listed_roles(
        http: httpx.Client, users: dict[str, dict[str, Any]]) -> None:
    for role, tokens in users.items():
        assert tokens["role"] == role
        assert tokens["token_type"] == "Bearer" and tokens["refresh_token"].startswith("rt_")
        me = http.get("/api/v1/me", headers=bearer(tokens["access_token"])).json()
        assert me["role"] == role and me["via"] == "jwt" and me["provider"] == "local"
    me = http.get("/api/v1/me", headers=bearer(users["admin"]["access_token"])).json()
    assert me["email"] == f"{ADMIN_LOGIN}@example.test"
    trader = http.get("/api/v1/me", headers=bearer(users["trader"]["access_token"])).json()
    assert trader["login"] == TRADER_LOGIN


def test_access_token_is_rs256_with_kid_and_engine_claims(users: dict[str, dict[str, Any]],
                                                           gateway: GatewayServer) -> None:
    token = users["viewer"]["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == "test-key-1"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "arbx-gateway" and claims["aud"] == "arbx-engine"
    assert claims["role"] == "viewer" and claims["sub"].startswith("user:")
    assert claims["exp"] - claims["iat"] == 300
    jwks = httpx.get(f"{gateway.url}/api/v1/auth/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == ["test-key-1"]


def test_gateway_tokens_are_accepted_by_the_engine(users: dict[str, dict[str, Any]],
                                                   engine_proc: Any) -> None:
    """The engine's own interceptor (engine/api/auth.py) verifies the gateway's JWT."""
    import grpc

    from engine.api.gen.arbitrage.v1 import engine_pb2, engine_pb2_grpc

    async def call(token: str) -> Any:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{engine_proc.port}") as channel:
            stub = engine_pb2_grpc.EngineServiceStub(channel)
            return await stub.GetStatus(engine_pb2.GetStatusRequest(),
                                        metadata=[("authorization", f"Bearer {token}")])

    from tests.engine_support import run

    status = run(call(users["viewer"]["access_token"]))
    assert len(status.chains) == 2


def test_unauthenticated_and_bad_tokens_get_401(http: httpx.Client) -> None:
    response = http.get("/api/v1/status")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert http.get("/api/v1/status", headers=bearer("not.a.jwt")).status_code == 401
    assert http.get("/api/v1/status", headers=bearer("arbx_dead_beef")).status_code == 401
    forged = jwt.encode({"sub": "user:1", "role": "admin", "exp": 2**31, "iss": "arbx-gateway",
                         "aud": "arbx-engine", "uid": 1, "sid": "x"}, "s" * 32, algorithm="HS256")
    assert http.get("/api/v1/status", headers=bearer(forged)).status_code == 401


def test_rbac_on_routes(http: httpx.Client, users: dict[str, dict[str, Any]]) -> None:
    viewer, trader, admin = (bearer(users[r]["access_token"]) for r in ("viewer", "trader", "admin"))
    assert http.get("/api/v1/admin/users", headers=viewer).status_code == 403
    assert http.get("/api/v1/admin/users", headers=trader).status_code == 403
    assert http.get("/api/v1/admin/users", headers=admin).status_code == 200
    denied = http.put("/api/v1/mode", json={"mode": "live"}, headers=trader)
    assert denied.status_code == 403 and "admin" in denied.json()["detail"]
    # the route is open to admins; this engine runs without execution (SetMode refuses)
    refused = http.put("/api/v1/mode", json={"mode": "live"}, headers=admin)
    assert refused.status_code == 409 and "execution" in refused.json()["detail"]
    assert http.get("/api/v1/admin/engine-config", headers=viewer).status_code == 403
    config = http.get("/api/v1/admin/engine-config", headers=admin)
    assert config.status_code == 200 and "chains" in config.json()["config"]


def test_refresh_rotates_and_reuse_revokes_the_session(gateway: GatewayServer,
                                                       http: httpx.Client) -> None:
    first = login(gateway.url, "dave")
    second = http.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert http.get("/api/v1/me", headers=bearer(second["access_token"])).status_code == 200
    # the spent token presented again: reuse -> the whole session is revoked
    reuse = http.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401 and "reuse" in reuse.json()["detail"]
    after = http.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    # access tokens of the revoked session stop at once
    assert http.get("/api/v1/me", headers=bearer(second["access_token"])).status_code == 401
    assert http.get("/api/v1/me", headers=bearer(first["access_token"])).status_code == 401


def test_refresh_by_cookie_and_logout(gateway: GatewayServer) -> None:
    tokens = login(gateway.url, "erin")
    with httpx.Client(base_url=gateway.url) as browser:
        browser.cookies.set("arbx_refresh", tokens["refresh_token"], path="/api/v1/auth")
        foreign = browser.post("/api/v1/auth/refresh", headers={"Origin": "http://evil.test"})
        assert foreign.status_code == 403
        renewed = browser.post("/api/v1/auth/refresh", headers={"Origin": "http://dashboard.test"})
        assert renewed.status_code == 200
        set_cookie = renewed.headers["set-cookie"]
        assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie
        access = renewed.json()["access_token"]
        out = browser.post("/api/v1/auth/logout", headers=bearer(access))
        assert out.status_code == 204
        assert browser.get("/api/v1/me", headers=bearer(access)).status_code == 401
        again = browser.post("/api/v1/auth/refresh",
                             json={"refresh_token": renewed.json()["refresh_token"]})
        assert again.status_code == 401


def test_admin_revokes_sessions_and_disables_users(gateway: GatewayServer, http: httpx.Client,
                                                   users: dict[str, dict[str, Any]]) -> None:
    admin = bearer(users["admin"]["access_token"])
    victim = login(gateway.url, "frank")
    me = http.get("/api/v1/me", headers=bearer(victim["access_token"])).json()
    sessions = http.get("/api/v1/admin/sessions", headers=admin).json()
    assert any(s["user_id"] == me["id"] for s in sessions)
    revoked = http.post(f"/api/v1/admin/users/{me['id']}/revoke-sessions", headers=admin)
    assert revoked.json() == {"revoked": 1}
    assert http.get("/api/v1/me", headers=bearer(victim["access_token"])).status_code == 401
    assert http.post("/api/v1/auth/refresh",
                     json={"refresh_token": victim["refresh_token"]}).status_code == 401
    # role change takes effect at the next login / refresh
    changed = http.patch(f"/api/v1/admin/users/{me['id']}", json={"role": "trader"}, headers=admin)
    assert changed.status_code == 200 and changed.json()["role"] == "trader"
    assert login(gateway.url, "frank")["role"] == "trader"
    disabled = http.patch(f"/api/v1/admin/users/{me['id']}", json={"disabled": True},
                          headers=admin)
    assert disabled.json()["disabled"] is True
    assert http.patch("/api/v1/admin/users/999999", json={"role": "viewer"},
                      headers=admin).status_code == 404
    bad = http.patch(f"/api/v1/admin/users/{me['id']}", json={"role": "root"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "role"]
    actions = [e["action"] for e in http.get("/api/v1/admin/audit", headers=admin).json()]
    assert {"auth.login", "user.revoke_sessions", "user.update"} <= set(actions)


def test_api_key_lifecycle(http: httpx.Client, users: dict[str, dict[str, Any]]) -> None:
    trader = bearer(users["trader"]["access_token"])
    too_high = http.post("/api/v1/api-keys", json={"name": "bot", "role": "admin"}, headers=trader)
    assert too_high.status_code == 403
    created = http.post("/api/v1/api-keys", json={"name": "bot", "role": "viewer"}, headers=trader)
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith(key["prefix"] + "_") and key["last_used_at"] is None
    listed = http.get("/api/v1/api-keys", headers=trader).json()
    assert [k["id"] for k in listed if k["id"] == key["id"]] and "key" not in listed[0]
    # the key works, with its own role (viewer), through either header
    me = http.get("/api/v1/me", headers={"X-API-Key": key["key"]}).json()
    assert me["via"] == "api_key" and me["role"] == "viewer" and me["api_key_id"] == key["id"]
    assert http.get("/api/v1/status", headers=bearer(key["key"])).status_code == 200
    # past the gateway's role check: the engine (without execution) refuses with 409
    assert http.get("/api/v1/trades", headers=bearer(key["key"])).status_code == 409
    # keys cannot mint keys
    assert http.post("/api/v1/api-keys", json={"name": "x", "role": "viewer"},
                     headers=bearer(key["key"])).status_code == 403
    used = next(k for k in http.get("/api/v1/api-keys", headers=trader).json()
                if k["id"] == key["id"])
    assert used["last_used_at"] is not None
    # only its owner (or an admin) sees and revokes it
    viewer = bearer(users["viewer"]["access_token"])
    assert http.delete(f"/api/v1/api-keys/{key['id']}", headers=viewer).status_code == 404
    revoked = http.delete(f"/api/v1/api-keys/{key['id']}", headers=trader)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert http.get("/api/v1/me", headers=bearer(key["key"])).status_code == 401


def test_providers_and_login_errors(http: httpx.Client) -> None:
    providers = http.get("/api/v1/auth/providers").json()
    assert [p["name"] for p in providers] == ["local"]
    assert http.get("/api/v1/auth/login/nope").status_code == 404
    bad_return = http.get("/api/v1/auth/login/local", params={"return_to": "http://evil.test/x"})
    assert bad_return.status_code == 422
    redirect = http.get("/api/v1/auth/login/local")
    assert redirect.status_code == 302
    location = httpx.URL(redirect.headers["location"])
    assert location.params["code_challenge_method"] == "S256"
    assert location.params["code_challenge"] and location.params["state"]
    # a callback without the login cookie (forged or replayed) is refused
    forged = http.get("/api/v1/auth/callback/local", params={"code": "x", "state": "y"})
    assert forged.status_code == 400
