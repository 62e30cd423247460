"""ERC-20 tokens on a dev chain: TestToken (any decimals, open mint) and WETH9."""

from __future__ import annotations

from engine.devnet import artifacts
from engine.devnet.rpc import Chain


def deploy_token(chain: Chain, name: str, symbol: str, decimals: int) -> str:
    token_art = artifacts.helpers()["TestToken"]
    return chain.deploy(token_art.constructor(name, symbol, decimals))


def mint(chain: Chain, token: str, to: str, amount: int) -> None:
    """TestToken.mint (anyone may mint on a dev chain)."""
    chain.transact(token, artifacts.helpers()["TestToken"].encode("mint", to, amount))


def deploy_weth(chain: Chain) -> str:
    return chain.deploy(artifacts.helpers()["WETH9"].constructor())


def wrap_eth(chain: Chain, weth: str, to: str, amount: int, sender: str | None = None) -> None:
    """Credits ``to`` with ``amount`` WETH, paid in ether by ``sender``."""
    chain.transact(weth, artifacts.helpers()["WETH9"].encode("depositTo", to), sender, value=amount)


def balance_of(chain: Chain, token: str, owner: str) -> int:
    token_art = artifacts.helpers()["TestToken"]
    (balance,) = token_art.decode_output(
        "balanceOf", chain.call(token, token_art.encode("balanceOf", owner))
    )
    return int(balance)


def decimals_of(chain: Chain, token: str) -> int:
    token_art = artifacts.helpers()["TestToken"]
    (decimals,) = token_art.decode_output(
        "decimals", chain.call(token, token_art.encode("decimals"))
    )
    return int(decimals)
