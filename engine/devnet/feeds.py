"""Price feeds on a dev chain: ``contracts/PriceFeed.sol``, Chainlink's
AggregatorV3Interface with answers pushed by its owner (the deployer)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.devnet import artifacts
from engine.devnet.rpc import Chain


@dataclass(frozen=True)
class RoundData:
    round_id: int
    answer: int
    started_at: int
    updated_at: int
    answered_in_round: int


def answer_of(price_usd: float, decimals: int) -> int:
    """The feed answer for ``price_usd``: USD scaled by 10**decimals."""
    return round(price_usd * 10**decimals)


def deploy(chain: Chain, description: str, decimals: int, answer: int) -> str:
    """A feed owned by the chain's sender (the deployer), answering ``answer`` in round 1."""
    feed = artifacts.helpers()["PriceFeed"]
    return chain.deploy(feed.constructor(decimals, description, answer))


def update_calldata(answer: int) -> bytes:
    return artifacts.helpers()["PriceFeed"].encode("updateAnswer", answer)


def update(chain: Chain, feed: str, answer: int, sender: str | None = None) -> None:
    """A new round answering ``answer``, updated at the block's timestamp (owner only)."""
    chain.transact(feed, update_calldata(answer), sender)


def update_round_calldata(answer: int, updated_at: int, started_at: int) -> bytes:
    return artifacts.helpers()["PriceFeed"].encode("updateRoundData", answer, updated_at, started_at)


def update_round(chain: Chain, feed: str, answer: int, updated_at: int, started_at: int,
                 sender: str | None = None) -> None:
    """A new round with explicit times (a stale or incomplete answer, for tests)."""
    chain.transact(feed, update_round_calldata(answer, updated_at, started_at), sender)


def latest(chain: Chain, feed: str) -> RoundData:
    art = artifacts.helpers()["PriceFeed"]
    out = art.decode_output("latestRoundData", chain.call(feed, art.encode("latestRoundData")))
    return RoundData(*(int(v) for v in out))


def round_data(chain: Chain, feed: str, round_id: int) -> RoundData:
    """``getRoundData(round_id)``; raises Revert("No data present") for an unknown round."""
    art = artifacts.helpers()["PriceFeed"]
    out = art.decode_output("getRoundData", chain.call(feed, art.encode("getRoundData", round_id)))
    return RoundData(*(int(v) for v in out))


def decimals(chain: Chain, feed: str) -> int:
    art = artifacts.helpers()["PriceFeed"]
    (value,) = art.decode_output("decimals", chain.call(feed, art.encode("decimals")))
    return int(value)
