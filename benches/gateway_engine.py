"""The engine of the gateway benchmark, as a process of its own: the real gRPC server
(engine.app.EngineApp: engine core, SQLite store, auth interceptor) over the small
two-chain market of tests/engine_support.py, accepting the gateway's RS256 tokens.

  python benches/gateway_engine.py CONFIG.json

CONFIG.json is the engine config (made by gateway_stack.py). Prints ``READY <port>``
once serving; then each stdin line ``block <chain_id>`` applies the next block on that
chain (it moves the V2 price, so the engine publishes a new opportunity batch) and is
answered ``ok <block number>``. stdin closed: the engine stops.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.app import EngineApp  # after the path set-up
from engine.config import EnvSecrets, parse_config
from tests.engine_support import JWT_SECRET, block, gap_update, populate


async def serve(config_path: Path) -> None:
    raw = json.loads(config_path.read_text())
    config = parse_config(raw, secrets=EnvSecrets(jwt_secret=JWT_SECRET))  # type: ignore[arg-type]
    app = EngineApp(config)
    await app.start()
    populate(app.engine)
    heads: dict[int, int] = {}
    step = 0
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(f"READY {app.port}", flush=True)
    try:
        while line := (await reader.readline()).decode().split():
            if line[0] != "block":
                raise SystemExit(f"gateway_engine: unknown command {line!r}")
            chain_id = int(line[1])
            heads[chain_id] = heads.get(chain_id, 0) + 1
            step += 1
            reserve1 = 3 * 10**21 + step * 10**19  # a new gap each block: a new opportunity size
            app.engine.apply_block(block(chain_id, heads[chain_id], [gap_update(chain_id, reserve1)]))
            print(f"ok {heads[chain_id]}", flush=True)
    finally:
        await app.stop()


if __name__ == "__main__":
    uvloop.run(serve(Path(sys.argv[1])))
