"""The devnet's price feed (engine/devnet/contracts/PriceFeed.sol) on anvil: Chainlink's
AggregatorV3Interface read as consumers read it, one round per owner update."""

from __future__ import annotations

import pytest

from engine.devnet import artifacts, feeds
from engine.devnet.rpc import Chain, Revert

pytestmark = pytest.mark.chain

ETH_USD = 3_000 * 10**8


def _block_timestamp(chain: Chain) -> int:
    return int(chain.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


def _call(chain: Chain, feed: str, fn: str) -> object:
    art = artifacts.helpers()["PriceFeed"]
    (value,) = art.decode_output(fn, chain.call(feed, art.encode(fn)))
    return value


def test_aggregator_v3_interface(module_chain: Chain) -> None:
    chain = module_chain
    feed = feeds.deploy(chain, "ETH / USD", 8, ETH_USD)
    deployed_at = _block_timestamp(chain)
    assert feeds.decimals(chain, feed) == 8
    assert _call(chain, feed, "description") == "ETH / USD"
    assert _call(chain, feed, "version") == 4
    assert feeds.latest(chain, feed) == feeds.RoundData(1, ETH_USD, deployed_at, deployed_at, 1)

    feeds.update(chain, feed, 3_100 * 10**8)
    updated_at = _block_timestamp(chain)
    latest = feeds.latest(chain, feed)
    assert latest == feeds.RoundData(2, 3_100 * 10**8, updated_at, updated_at, 2)
    # earlier rounds stay readable; unknown ones revert as Chainlink's do
    assert feeds.round_data(chain, feed, 1) == feeds.RoundData(1, ETH_USD, deployed_at, deployed_at, 1)
    assert feeds.round_data(chain, feed, 2) == latest
    with pytest.raises(Revert) as info:
        feeds.round_data(chain, feed, 3)
    assert info.value.reason == "No data present"


def test_explicit_round_times_and_non_positive_answers(module_chain: Chain) -> None:
    """What the engine must reject can be published: an old updatedAt, 0, a negative answer."""
    chain = module_chain
    feed = feeds.deploy(chain, "BTC / USD", 8, 60_000 * 10**8)
    feeds.update_round(chain, feed, 61_000 * 10**8, updated_at=1_000, started_at=900)
    assert feeds.latest(chain, feed) == feeds.RoundData(2, 61_000 * 10**8, 900, 1_000, 2)
    feeds.update(chain, feed, 0)
    assert feeds.latest(chain, feed).answer == 0
    feeds.update(chain, feed, -5)
    assert feeds.latest(chain, feed).answer == -5
    assert feeds.latest(chain, feed).round_id == 4


def test_only_the_owner_updates(module_chain: Chain) -> None:
    chain = module_chain
    owner, other = chain.accounts[0], chain.accounts[1]
    feed = feeds.deploy(chain, "USDC / USD", 8, 10**8)
    assert str(_call(chain, feed, "owner")).lower() == owner.lower()
    for update in (
        lambda: feeds.update(chain, feed, 99_000_000, sender=other),
        lambda: feeds.update_round(chain, feed, 99_000_000, 1, 1, sender=other),
    ):
        with pytest.raises(Revert) as info:
            update()
        assert info.value.reason == "PriceFeed: not owner"
    assert feeds.latest(chain, feed).round_id == 1  # nothing changed
    art = artifacts.helpers()["PriceFeed"]
    chain.transact(feed, art.encode("setOwner", other))
    feeds.update(chain, feed, 99_900_000, sender=other)
    assert feeds.latest(chain, feed).answer == 99_900_000
    with pytest.raises(Revert):
        feeds.update(chain, feed, 10**8, sender=owner)
