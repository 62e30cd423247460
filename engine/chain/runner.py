"""The chain layer's entry point for the engine service: every configured chain, concurrently."""

from __future__ import annotations

import asyncio
import logging

from engine.chain.follower import ChainFollower, FollowerOptions
from engine.config import EngineConfig
from engine.core.engine import Engine

log = logging.getLogger(__name__)


async def run(engine: Engine, config: EngineConfig, options: FollowerOptions | None = None) -> None:
    """Follow every chain of ``config`` into ``engine`` until cancelled.

    A chain that fails for good (config and chain disagree, a block the engine
    rejects) is reported FAILED in the engine's status and logged; the other
    chains go on.
    """
    options = options or FollowerOptions()
    followers = [ChainFollower(chain, engine, options) for chain in config.chains]
    results = await asyncio.gather(*(f.run() for f in followers), return_exceptions=True)
    for follower, result in zip(followers, results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            log.error("chain stopped", extra={"chain_id": follower.chain_id, "error": str(result)})
