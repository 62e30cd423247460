"""The devnet command line.

    python -m engine.devnet up [--chains 2] [--block-time 1] [--seed 1] [--simulate] ...
    python -m engine.devnet simulate [--config .devnet/devnet.json] [--duration 60] ...
    python -m engine.devnet down
    python -m engine.devnet demo [--check] [--gateway-port 8080] ...   (make demo)
    python -m engine.devnet manipulate [--pool WETH/USDC/3000] [--pull 0.95] [--move 0.1]

``up`` stays in the foreground and owns its anvil processes: Ctrl-C, SIGTERM
or ``down`` stop them all. The config file appears (atomically) once every
chain is deployed, so a script can wait for it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from engine.devnet import config as devnet_config
from engine.devnet import keystore
from engine.devnet.market import MarketOptions, MarketSimulator
from engine.devnet.node import AnvilNode, NodeOptions
from engine.devnet.paths import DEFAULT_CONFIG, DEFAULT_KEYSTORE, DEFAULT_PID_FILE
from engine.devnet.rpc import Chain
from engine.devnet.world import WorldOptions, build

ANVIL_ACCOUNTS = 10  # account 0 deploys and owns, the others are the noise traders


class Shutdown(Exception):
    """Raised in the main thread by SIGTERM / SIGINT so that cleanup runs."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Shutdown(signal.Signals(signum).name)


def _log(message: str) -> None:
    print(message, flush=True)


def _market_options(args: argparse.Namespace) -> MarketOptions:
    return MarketOptions(
        seed=args.seed,
        swaps_per_second=args.swaps_per_second,
        gaps_per_minute=args.gaps_per_minute,
        liquidity_changes_per_minute=args.liquidity_per_minute,
        median_swap_usd=args.median_swap_usd,
    )


def cmd_up(args: argparse.Namespace) -> int:
    # Everything that can fail for a bad setting fails before a chain starts.
    password = keystore.password_from_env(allow_dev_default=args.dev_password)
    config_path: Path = args.config
    config_path.unlink(missing_ok=True)  # a reader waits for the new one
    started = time.monotonic()
    trader = keystore.ensure(args.keystore, password)
    del password
    nodes: list[AnvilNode] = []
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        chains = []
        for i in range(args.chains):
            port = args.base_port + i if args.base_port else 0
            node = AnvilNode(NodeOptions(port, args.base_chain_id + i, ANVIL_ACCOUNTS))
            nodes.append(node)
            options = WorldOptions(
                seed=args.seed,
                name=f"devnet-{i + 1}",
                rpc_url=node.url,
                ws_url=node.ws_url,
                block_time_s=args.block_time,
                trader=trader,
            )
            chains.append(build(Chain(node.url), options, log=_log))
        world = devnet_config.DevnetConfig(
            seed=args.seed,
            keystore=devnet_config.KeystoreConfig(
                path=str(args.keystore.resolve()), address=trader
            ),
            chains=chains,
        )
        devnet_config.save(world, config_path)
        args.pid_file.parent.mkdir(parents=True, exist_ok=True)
        args.pid_file.write_text(f"{os.getpid()}\n")
        _log(f"devnet up in {time.monotonic() - started:.1f} s (seed {args.seed}): {config_path}")
        for chain in chains:
            mining = f"a block every {chain.block_time_s} s" if chain.block_time_s else "automine"
            _log(
                f"  {chain.name}: chain id {chain.chain_id}, {chain.rpc_url}, {mining}, "
                f"executor {chain.executor}"
            )
        _log(f"  trader {trader} (keystore {args.keystore})")
        if args.simulate:
            _log("market simulator running (Ctrl-C stops it and the chains)")
            MarketSimulator(world, _market_options(args)).run(log=_log)
        else:
            _log("chains running (Ctrl-C or `python -m engine.devnet down` stops them)")
            while True:
                signal.pause()
    except Shutdown as reason:
        _log(f"stopping ({reason})")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for node in nodes:
            node.stop()
        if args.pid_file.exists() and args.pid_file.read_text().strip() == str(os.getpid()):
            args.pid_file.unlink()
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    world = devnet_config.load(args.config)
    signal.signal(signal.SIGTERM, _on_signal)
    simulator = MarketSimulator(world, _market_options(args))
    _log(f"market simulator on {len(world.chains)} chain(s) (seed {args.seed})")
    try:
        simulator.run(duration_s=args.duration, log=_log)
    except (Shutdown, KeyboardInterrupt):
        pass
    for market in simulator.markets:
        _log(f"  {market.config.name}: {market.stats.line()}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    try:
        pid = int(args.pid_file.read_text().strip())
    except FileNotFoundError:
        _log(f"no devnet running ({args.pid_file} is absent)")
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        args.pid_file.unlink(missing_ok=True)
        _log(f"devnet process {pid} was gone; removed {args.pid_file}")
        return 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            _log(f"devnet {pid} stopped")
            return 0
        time.sleep(0.1)
    _log(f"devnet {pid} did not stop within 30 s")
    return 1


def _add_market_args(parser: argparse.ArgumentParser) -> None:
    defaults = MarketOptions()
    group = parser.add_argument_group("market simulator")
    group.add_argument(
        "--swaps-per-second",
        type=float,
        default=defaults.swaps_per_second,
        help="noise swaps per second and chain (default %(default)s)",
    )
    group.add_argument(
        "--gaps-per-minute",
        type=float,
        default=defaults.gaps_per_minute,
        help="gap-opening large swaps per minute and chain (default %(default)s)",
    )
    group.add_argument(
        "--liquidity-per-minute",
        type=float,
        default=defaults.liquidity_changes_per_minute,
        help="V3 mints/burns per minute and chain (default %(default)s)",
    )
    group.add_argument(
        "--median-swap-usd",
        type=float,
        default=defaults.median_swap_usd,
        help="median noise swap in dollars (default %(default)s)",
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m engine.devnet",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = root.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the chains, deploy the world, write the config")
    up.add_argument("--chains", type=int, default=2, help="number of chains (default 2)")
    up.add_argument(
        "--base-port",
        type=int,
        default=8545,
        help="chain i listens on base-port + i; 0: free ports (default 8545)",
    )
    up.add_argument(
        "--base-chain-id",
        type=int,
        default=31337,
        help="chain i has id base-chain-id + i (default 31337)",
    )
    up.add_argument(
        "--block-time",
        type=int,
        default=1,
        help="seconds between blocks, automine off; 0: automine (default 1)",
    )
    up.add_argument("--seed", type=int, default=1, help="same seed, same world (default 1)")
    up.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="config file to write")
    up.add_argument(
        "--keystore",
        type=Path,
        default=DEFAULT_KEYSTORE,
        help="trader keystore (v3), reused when present",
    )
    up.add_argument(
        "--dev-password",
        action="store_true",
        help=f"without {keystore.PASSWORD_ENV}, use the devnet's public password",
    )
    up.add_argument("--pid-file", type=Path, default=DEFAULT_PID_FILE)
    up.add_argument("--simulate", action="store_true", help="run the market simulator too")
    _add_market_args(up)
    up.set_defaults(run=cmd_up)

    sim = sub.add_parser("simulate", help="run the market simulator against a running devnet")
    sim.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--duration", type=float, default=None, help="seconds (default: forever)")
    _add_market_args(sim)
    sim.set_defaults(run=cmd_simulate)

    down = sub.add_parser("down", help="stop a running `up`")
    down.add_argument("--pid-file", type=Path, default=DEFAULT_PID_FILE)
    down.set_defaults(run=cmd_down)

    from engine.devnet import demo, scenario

    demo.add_parser(sub)
    scenario.add_parser(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "up" and args.chains < 1:
        _log("error: --chains must be at least 1")
        return 2
    try:
        code: int = args.run(args)
    except (keystore.KeystoreError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return code
