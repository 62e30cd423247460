"""OAuth2 authorization code with PKCE (S256) against the configured providers, via
authlib. Presets give GitHub's and Google's endpoints; any OpenID provider works
through its discovery document. The login state, nonce and PKCE verifier live in a
short-lived signed cookie (Starlette's SessionMiddleware, itsdangerous)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse

from gateway.config import GatewayConfig, GatewaySecrets, ProviderConfig

# authlib 1.9 prefers the httpx2 package and warns (at import) that it falls back to httpx
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
if True:  # imports after the filter
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.starlette_client import OAuth

PRESETS: dict[str, dict[str, Any]] = {
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "access_token_url": "https://github.com/login/oauth/access_token",
        "api_base_url": "https://api.github.com/",
        "scope": "read:user user:email",
    },
    "google": {
        "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
        "scope": "openid email profile",
    },
    "oidc": {"scope": "openid email profile"},
}


class LoginError(Exception):
    """The provider refused, or its answer could not be verified."""


@dataclass(frozen=True, slots=True)
class Identity:
    provider: str
    subject: str
    email: str | None  # only when the provider says it is verified
    login: str | None
    name: str | None


def _settings(p: ProviderConfig) -> dict[str, Any]:
    merged = dict(PRESETS[p.preset])
    for key in ("server_metadata_url", "authorize_url", "access_token_url", "api_base_url",
                "scope"):
        value = getattr(p, key)
        if value:
            merged[key] = value
    return merged


class Providers:
    def __init__(self, config: GatewayConfig, secrets: GatewaySecrets) -> None:
        self.oauth = OAuth()
        self.configs = {p.name: p for p in config.providers}
        for p in config.providers:
            s = _settings(p)
            self.oauth.register(
                p.name,
                client_id=p.client_id,
                client_secret=secrets.client_secrets[p.name].get_secret_value(),
                server_metadata_url=s.get("server_metadata_url"),
                authorize_url=s.get("authorize_url"),
                access_token_url=s.get("access_token_url"),
                api_base_url=s.get("api_base_url"),
                userinfo_endpoint=p.userinfo_url,
                client_kwargs={"scope": s["scope"], "code_challenge_method": "S256",
                               "timeout": 10.0},
            )

    def names(self) -> list[str]:
        return list(self.configs)

    async def redirect(self, request: Request, name: str, redirect_uri: str) -> RedirectResponse:
        client = self.oauth.create_client(name)
        try:
            return await client.authorize_redirect(request, redirect_uri)  # type: ignore[no-any-return]
        except Exception as exc:  # noqa: BLE001 - the provider's metadata is unreachable
            raise LoginError(f"provider {name!r} is unreachable: {type(exc).__name__}") from None

    async def identity(self, request: Request, name: str) -> Identity:
        client = self.oauth.create_client(name)
        try:
            token = await client.authorize_access_token(request)
            if self.configs[name].preset == "github":
                return await self._github(client, name, token)
            claims = dict(token.get("userinfo") or {})
            claims.update(await client.userinfo(token=token))
        except OAuthError as exc:
            raise LoginError(f"{exc.error}: {exc.description or ''}".strip(": ")) from None
        except LoginError:
            raise
        except Exception as exc:  # noqa: BLE001 - network errors, bad JSON, bad id_token
            raise LoginError(f"login with {name!r} failed: {type(exc).__name__}") from None
        if not claims.get("sub"):
            raise LoginError("the provider returned no subject")
        email = claims.get("email") if claims.get("email_verified") is True else None
        login = claims.get("preferred_username") or claims.get("login")
        return Identity(name, str(claims["sub"]), email, login, claims.get("name"))

    @staticmethod
    async def _github(client: Any, name: str, token: dict[str, Any]) -> Identity:
        user = (await client.get("user", token=token)).json()
        emails = (await client.get("user/emails", token=token)).json()
        email = next((e["email"] for e in emails if isinstance(e, dict)
                      and e.get("primary") and e.get("verified")), None)
        if "id" not in user:
            raise LoginError("GitHub returned no user id")
        return Identity(name, str(user["id"]), email, user.get("login"), user.get("name"))
