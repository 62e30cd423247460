"""Where the devnet finds its inputs (npm packages, build outputs) and puts its outputs."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"
CACHE_DIR = REPO_ROOT / ".cache"
DEVNET_DIR = REPO_ROOT / ".devnet"  # git-ignored: config, keystore, pid file
DEFAULT_CONFIG = DEVNET_DIR / "devnet.json"
DEFAULT_KEYSTORE = DEVNET_DIR / "keystore" / "trader.json"
DEFAULT_PID_FILE = DEVNET_DIR / "devnet.pid"
