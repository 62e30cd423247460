"""``python -m gateway``: run the gateway, check its configuration, manage signing keys.

  python -m gateway --config gateway/auth_config.yaml [--env-file .env]   serve
  python -m gateway check --config F                                      validate config + .env
  python -m gateway keys new [--kid K]                                    a new RS256 signing key
                                                                          (a .env line)
  python -m gateway keys engine-config --config F [--with-api-keys]       the engine's auth
                                                                          section for these keys
Key rotation: add a new kid in front of tokens.signing_keys (its key in .env), give the
engine the new engine-config, restart; drop the old kid once its tokens have expired
(tokens.access_ttl_s).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.config import ConfigError, GatewayConfig, Settings, env_name, load_settings

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, args.env_file)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway import logs
    from gateway.webserver import create_app

    settings = _settings(args)
    config = settings.config
    logs.configure(config.logging.level, config.logging.json_format)
    app = create_app(settings)
    uvicorn.Server(server_config(app, config)).run()
    return 0


def server_config(app: FastAPI, config: GatewayConfig, **overrides: Any) -> uvicorn.Config:
    """uvicorn's settings for the gateway (``overrides``: e.g. ``loop="none"`` in tests)."""
    import uvicorn

    options: dict[str, Any] = {
        # uvloop and httptools by name: a missing one fails at start instead of falling
        # back to asyncio's loop or h11 (pure Python: ~30% more CPU per request here)
        "loop": "uvloop", "http": "httptools",
        "proxy_headers": True, "forwarded_allow_ips": config.server.forwarded_allow_ips,
        "log_config": None, "access_log": False, "server_header": False,
        "ws_ping_interval": 20, "ws_ping_timeout": 20,
        "ws_per_message_deflate": config.websocket.compression,
        **overrides,
    }
    return uvicorn.Config(app, host=config.server.host, port=config.server.port, **options)


def check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    from gateway.webserver import key_ring, startup_warnings

    ring = key_ring(settings)
    for warning in startup_warnings(settings, ring, settings.config.server.base_url()):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{settings.source}: ok ({len(settings.config.providers)} providers, "
          f"signing key {ring.active.kid})")
    return 0


def keys_new(args: argparse.Namespace) -> int:
    from gateway.auth.keys import new_private_key_pem

    kid = args.kid or time.strftime("%Y-%m-%d")
    pem = new_private_key_pem().strip().replace("\n", "\\n")
    print(f"# add {kid!r} in front of tokens.signing_keys, and this line to .env:")
    print(f'{env_name("SIGNING_KEY_", kid)}="{pem}"')
    return 0


def keys_engine_config(args: argparse.Namespace) -> int:
    from gateway.store import Database
    from gateway.webserver import key_ring

    settings = _settings(args)
    tokens = settings.config.tokens
    ring = key_ring(settings)
    section: dict[str, object] = {"jwt": ring.engine_config(tokens.issuer, tokens.audience)}
    if args.with_api_keys:
        db = Database(settings.config.database.path)
        try:
            section["api_keys"] = [
                {"name": f"gateway-{k.name}-{k.id}", "sha256": k.key_hash, "role": k.role}
                for k in db.api_keys(active_only=True)
            ]
        finally:
            db.close()
    print(json.dumps({"auth": section}, indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)

    def with_config(p: argparse.ArgumentParser, required: bool) -> None:
        p.add_argument("--config", type=Path, required=required,
                       help="auth_config.yaml (see gateway/auth_config.example.yaml)")
        p.add_argument("--env-file", type=Path, default=None,
                       help="secrets (default: .env beside the config file)")

    with_config(parser, required=False)
    sub = parser.add_subparsers(dest="command")
    with_config(sub.add_parser("serve", help="run the gateway (the default)"), True)
    with_config(sub.add_parser("check", help="validate the configuration and secrets"), True)
    keys = sub.add_parser("keys", help="signing keys").add_subparsers(dest="keys_command",
                                                                     required=True)
    new = keys.add_parser("new", help="a new RSA signing key as a .env line")
    new.add_argument("--kid", default=None, help="key id (default: today's date)")
    engine = keys.add_parser("engine-config", help="the engine's auth section for these keys")
    with_config(engine, True)
    engine.add_argument("--with-api-keys", action="store_true",
                        help="also the hashes of the gateway's active API keys")
    args = parser.parse_args(argv)
    command = args.command or "serve"
    if command in ("serve", "check") and args.config is None:
        parser.error("--config is required")
    try:
        if command == "serve":
            return serve(args)
        if command == "check":
            return check(args)
        return keys_new(args) if args.keys_command == "new" else keys_engine_config(args)
    except ConfigError as exc:
        print(f"configuration error:\n{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
