"""Registry commands for operators (no torch needed).

    python -m engine.models status   [--registry models]
    python -m engine.models promote  lstm_return [VERSION] --reason "..."
    python -m engine.models rollback lstm_return --reason "..."

A running engine whose ModelRuntime watches the registry (``start_watcher``)
hot-swaps to the new champion by itself; every change is recorded in
``<registry>/<model>/history.jsonl``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.models.registry import DEFAULT_ROOT, Registry, RegistryError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.models", description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, default=DEFAULT_ROOT)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="aliases and the last events of every model")
    promote = sub.add_parser("promote", help="make a version (default: the challenger) champion")
    promote.add_argument("model")
    promote.add_argument("version", nargs="?")
    promote.add_argument("--reason", default="operator")
    rollback = sub.add_parser("rollback", help="restore the champion the last promotion replaced")
    rollback.add_argument("model")
    rollback.add_argument("--reason", default="operator")
    args = parser.parse_args(argv)
    registry = Registry(args.registry)
    try:
        if args.command == "status":
            for name in registry.names():
                print(f"{name}: {registry.aliases(name)}  versions {registry.versions(name)}")
                for event in registry.history(name)[-3:]:
                    print(f"    {event['event']} {event.get('version')} {event.get('reason', '')}")
        elif args.command == "promote":
            print(registry.promote(args.model, args.version, reason=args.reason))
        else:
            print(registry.rollback(args.model, reason=args.reason))
    except RegistryError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
