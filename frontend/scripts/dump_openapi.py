"""Print the gateway's OpenAPI document (for `npm run gen:api`).

Builds the FastAPI app with a throwaway configuration; nothing starts, nothing
listens: ``app.openapi()`` only walks the routers. Run from the repository root
with the project's virtualenv: ``.venv/bin/python frontend/scripts/dump_openapi.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gateway.config import GatewaySecrets, Settings, parse_config
from gateway.webserver import create_app

settings = Settings(config=parse_config({}),
                    secrets=GatewaySecrets(session_secret="x" * 32))
json.dump(create_app(settings).openapi(), sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
