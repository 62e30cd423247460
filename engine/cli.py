"""``arbx``: run the engine, query it, manage its secrets, and drive the devnet.

  arbx serve --config config.json       run the engine (gRPC, metrics, chain sync)
  arbx status [--target H:P]            engine and chain status (gRPC client)
  arbx watch  [--target H:P]            print the opportunity stream
  arbx config check --config F          validate a config file
  arbx config encrypt VALUE             the fernet: form of a secret (key: ARBX_CONFIG_KEY)
  arbx config new-key                   a new Fernet key
  arbx apikey new --role viewer         a new API key and the sha256 to configure
  arbx devnet ...                       python -m engine.devnet ...

Clients authenticate with ``--token`` or ARBX_TOKEN (API key or JWT).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import runpy
import secrets
import signal
import sys
from collections.abc import Sequence

import grpc
import grpc.aio
from cryptography.fernet import Fernet

from engine.config import ConfigError, encrypt_value, load_config

DEFAULT_TARGET = "127.0.0.1:50051"


def _run(main: object) -> None:
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)  # type: ignore[arg-type]


# --- serve --------------------------------------------------------------------------


async def _serve(args: argparse.Namespace) -> int:
    from engine import logs
    from engine.app import EngineApp, find_chain_runner

    config = load_config(args.config, args.env_file)
    logs.configure(config.logging.level, config.logging.json_format)
    app = EngineApp(config, chain_runner=None if args.no_chain else find_chain_runner())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.serve_forever(stop)
    return 0


# --- clients --------------------------------------------------------------------------


def _channel(args: argparse.Namespace) -> grpc.aio.Channel:
    if args.tls_ca:
        with open(args.tls_ca, "rb") as f:
            return grpc.aio.secure_channel(args.target, grpc.ssl_channel_credentials(f.read()))
    return grpc.aio.insecure_channel(args.target)


def _metadata(args: argparse.Namespace) -> list[tuple[str, str]]:
    token = args.token or os.environ.get("ARBX_TOKEN", "")
    return [("authorization", f"Bearer {token}")] if token else []


async def _status(args: argparse.Namespace) -> int:
    from google.protobuf.json_format import MessageToDict

    from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
    from engine.api.gen.arbitrage.v1 import engine_pb2_grpc

    async with _channel(args) as channel:
        stub = engine_pb2_grpc.EngineServiceStub(channel)
        status = await stub.GetStatus(pb.GetStatusRequest(), metadata=_metadata(args), timeout=10)
    if args.json:
        print(json.dumps(MessageToDict(status), indent=2))
        return 0
    print(f"engine {status.version}  mode {pb.Mode.Name(status.mode)}  tokens {status.tokens}  "
          f"pools {status.pools}  cycles {status.cycles}  opportunities {status.opportunities}  "
          f"uptime {status.uptime_seconds}s")
    for c in status.chains:
        print(f"  {c.name} ({c.chain_id}): {pb.SyncState.Name(c.state)}  head {c.head_number}  "
              f"lag {c.sync_lag_blocks}  pools {c.pools}  blocks {c.blocks_processed}  "
              f"reorgs {c.reorgs}" + (f"  error: {c.last_error}" if c.last_error else ""))
    return 0


async def _watch(args: argparse.Namespace) -> int:
    import time

    from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
    from engine.api.gen.arbitrage.v1 import engine_pb2_grpc

    request = pb.StreamOpportunitiesRequest(
        chain_ids=args.chain or [], min_profit_net=args.min_profit or ""
    )
    async with _channel(args) as channel:
        stub = engine_pb2_grpc.EngineServiceStub(channel)
        async for batch in stub.StreamOpportunities(request, metadata=_metadata(args)):
            latency = ""
            if batch.observed_unix_nanos:
                latency = f"  latency {(time.time_ns() - batch.observed_unix_nanos) / 1e6:.2f} ms"
            kind = "snapshot" if batch.snapshot else f"chain {batch.chain_id} block {batch.block_number}"
            print(f"[{kind}] {len(batch.opportunities)} opportunities{latency}", flush=True)
            for o in batch.opportunities[: args.top]:
                print(f"  profit_net {o.profit_net:>28}  in {o.amount_in:>28}  "
                      f"hops {len(o.pools)}  {' -> '.join(t[:8] for t in o.tokens)}", flush=True)
    return 0


# --- secrets ----------------------------------------------------------------------------


def _config(args: argparse.Namespace) -> int:
    if args.config_command == "check":
        config = load_config(args.config, args.env_file)
        print(f"{args.config}: ok ({len(config.chains)} chains)")
    elif args.config_command == "encrypt":
        key = os.environ.get("ARBX_CONFIG_KEY")
        if not key:
            print("error: set ARBX_CONFIG_KEY (arbx config new-key)", file=sys.stderr)
            return 2
        print(encrypt_value(args.value, key))
    else:
        print(Fernet.generate_key().decode())
    return 0


def _apikey(args: argparse.Namespace) -> int:
    key = "arbx_" + secrets.token_urlsafe(32)
    entry = {"name": args.name, "sha256": hashlib.sha256(key.encode()).hexdigest(), "role": args.role}
    print(f"key (give to the client, shown once): {key}")
    print(f"config.json auth.api_keys entry: {json.dumps(entry)}")
    return 0


# --- parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arbx", description="DEX arbitrage engine")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the engine")
    serve.add_argument("--config", default="config.json")
    serve.add_argument("--env-file", default=None, help="default: .env beside the config")
    serve.add_argument("--no-chain", action="store_true", help="serve without the chain layer")

    for name, help_text in (("status", "engine status"), ("watch", "print the opportunity stream")):
        client = sub.add_parser(name, help=help_text)
        client.add_argument("--target", default=DEFAULT_TARGET)
        client.add_argument("--token", default=None, help="API key or JWT (default $ARBX_TOKEN)")
        client.add_argument("--tls-ca", default=None, help="CA certificate: connect with TLS")
        if name == "status":
            client.add_argument("--json", action="store_true")
        else:
            client.add_argument("--chain", type=int, action="append")
            client.add_argument("--min-profit", default=None)
            client.add_argument("--top", type=int, default=5)

    config = sub.add_parser("config", help="check a config, encrypt secrets")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check")
    check.add_argument("--config", default="config.json")
    check.add_argument("--env-file", default=None)
    encrypt = config_sub.add_parser("encrypt")
    encrypt.add_argument("value")
    config_sub.add_parser("new-key")

    apikey = sub.add_parser("apikey", help="make an API key")
    apikey_sub = apikey.add_subparsers(dest="apikey_command", required=True)
    new = apikey_sub.add_parser("new")
    new.add_argument("--role", choices=["viewer", "trader", "admin"], required=True)
    new.add_argument("--name", default="client")

    sub.add_parser("devnet", help="python -m engine.devnet ...", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["devnet"]:
        sys.argv = ["arbx devnet", *argv[1:]]
        runpy.run_module("engine.devnet", run_name="__main__", alter_sys=True)
        return 0
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            _run(_serve(args))
            return 0
        if args.command in ("status", "watch"):
            _run(_status(args) if args.command == "status" else _watch(args))
            return 0
        if args.command == "config":
            return _config(args)
        return _apikey(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except grpc.aio.AioRpcError as exc:
        print(f"error: {exc.code().name}: {exc.details()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
