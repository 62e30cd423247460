"""config.json + .env: validation errors name file and key, secrets stay secret."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from engine.config import ConfigError, encrypt_value, load_config
from tests.engine_support import config_dict

REPO = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, data: object, env: str = "") -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    if env:
        (tmp_path / ".env").write_text(env)
    return path


def test_example_config_is_valid() -> None:
    config = load_config(REPO / "engine" / "config.example.json", env_file="/nonexistent")
    assert config.chains[0].chain_id == 31337 and config.chains[0].base_token_addresses()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["chains"][0].pop("rpc_url"), "config.json: chains[0].rpc_urls: Field required"),
        (lambda c: c["chains"][1].update(base_tokens=["DAI"]),
         "config.json: chains[1].base_tokens[0]: 'DAI' is neither an address nor a symbol"),
        (lambda c: c["chains"][0]["tokens"][0].update(address="0x12"),
         "config.json: chains[0].tokens[0].address: must be a 0x-prefixed"),
        (lambda c: c["api"].update(port="http"), "config.json: api.port: Input should be a valid integer"),
        (lambda c: c.update(serach={}), "config.json: serach: Extra inputs are not permitted"),
        (lambda c: c["chains"][1].update(chain_id=1), "config.json: chains[1].chain_id: 1 appears twice"),
        (lambda c: c.update(search={"min_profit": "1e18"}), "config.json: search.min_profit:"),
        (lambda c: c["chains"][0].update(price_feeds={"DAI": "0x" + "1" * 40}),
         "config.json: chains[0].price_feeds.DAI: 'DAI' is neither an address nor a symbol"),
        (lambda c: c["chains"][0].update(price_feeds={"WETH": "0xfeed"}),
         "config.json: chains[0].price_feeds.WETH.feed: must be a 0x-prefixed 20-byte hex address"),
        (lambda c: c["chains"][1].update(price_feeds={"USD": {"feed": "0x" + "1" * 40,
                                                              "max_staleness_s": 0}}),
         "config.json: chains[1].price_feeds.USD.max_staleness_s: Input should be greater than or equal to 1"),
        (lambda c: c["chains"][0].update(price_feeds={"WETH": {"feed": "0x" + "1" * 40,
                                                               "heartbeat": 60}}),
         "config.json: chains[0].price_feeds.WETH.heartbeat: Extra inputs are not permitted"),
        (lambda c: c["chains"][0].update(price_feeds={"WETH": 3000}),
         "config.json: chains[0].price_feeds.WETH: must be a feed address or an object"),
        (lambda c: c["chains"][0].update(price_feeds={
            "WETH": "0x" + "1" * 40, c["chains"][0]["tokens"][0]["address"]: "0x" + "2" * 40}),
         ("config.json: chains[0].price_feeds.0x1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: token "
          "0x1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa already has a feed (key 'WETH')")),
        (lambda c: c["chains"][0].update(max_oracle_deviation=-0.1),
         "config.json: chains[0].max_oracle_deviation: Input should be greater than 0"),
        (lambda c: c["chains"][0].update(oracle_refresh_blocks=0),
         "config.json: chains[0].oracle_refresh_blocks: Input should be greater than or equal to 1"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, mutate: object, message: str) -> None:
    data = config_dict(tmp_path)
    mutate(data)  # type: ignore[operator]
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, data))
    assert str(info.value).startswith(message), str(info.value)


def test_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"chains": [\n  oops\n]}')
    with pytest.raises(ConfigError, match=r"config.json: line 2 column 3"):
        load_config(path)


def test_secrets_from_env_file_and_fernet(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARBX_JWT_SECRET", raising=False)
    monkeypatch.delenv("ARBX_CONFIG_KEY", raising=False)
    key = Fernet.generate_key().decode()
    data = config_dict(tmp_path)
    rpc = "https://mainnet.example/v3/very-secret-project-id"
    data["chains"][0]["rpc_url"] = encrypt_value(rpc, key)
    path = _write(tmp_path, data, env=f"ARBX_CONFIG_KEY={key}\nARBX_JWT_SECRET=from-dotenv\n")
    config = load_config(path)
    assert config.chains[0].rpc_urls[0].get_secret_value() == rpc
    assert config.auth.jwt.hs256_secret is not None
    assert config.auth.jwt.hs256_secret.get_secret_value() == "from-dotenv"
    for text in (config.redacted_json(), repr(config), str(config)):
        assert "very-secret" not in text and "from-dotenv" not in text
    logging.getLogger("test").info("config %s", config)
    assert "very-secret" not in caplog.text

    (tmp_path / ".env").write_text("")  # the key is missing now
    with pytest.raises(ConfigError, match=r"chains\[0\].rpc_urls\[0\]: .*ARBX_CONFIG_KEY is not set"):
        load_config(path)


def test_reads_the_devnet_config_shape(tmp_path: Path) -> None:
    """The devnet's .devnet/devnet.json (engine/devnet/config.py) loads as an engine config."""
    devnet = pytest.importorskip("engine.devnet.config")
    token = {"symbol": "WETH", "name": "Wrapped Ether", "decimals": 18,
             "address": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "reference_price_usd": 3000.0}
    usdc = dict(token, symbol="USDC", name="USD Coin", decimals=6,
                address="0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", reference_price_usd=1.0)
    pool = {"address": "0x" + "ab" * 20, "dex": "uniswap-v2", "kind": "v2", "fee": 3000,
            "token0": token["address"], "token1": usdc["address"]}
    chain = {
        "name": "devnet-1", "chain_id": 31337, "rpc_url": "http://127.0.0.1:8545",
        "ws_url": "ws://127.0.0.1:8545", "block_time_s": 1, "deployer": "0x" + "1" * 40,
        "trader": "0x" + "2" * 40, "executor": "0x" + "3" * 40, "tokens": [token, usdc],
        "dexes": [{"name": "uniswap-v2", "kind": "v2", "factory": "0x" + "4" * 40,
                   "init_code_hash": "0x" + "5" * 64, "fee": 3000}],
        "pools": [pool], "simulator": {"v2_caller": "0x" + "6" * 40, "v3_caller": "0x" + "7" * 40},
        "price_feeds": {token["address"]: {"feed": "0x" + "8" * 40, "max_staleness_s": 3600}},
    }
    raw = {"version": 1, "seed": 7, "keystore": {"path": "k.json", "address": "0x" + "2" * 40},
           "chains": [chain]}
    devnet.DevnetConfig.model_validate(raw)  # the devnet's own schema accepts it
    config = load_config(_write(tmp_path, raw))
    c = config.chains[0]
    assert c.rpc_urls[0].get_secret_value() == "http://127.0.0.1:8545"
    assert c.native_token_address() == token["address"].lower()
    assert c.base_token_addresses() == [token["address"].lower()]
    assert c.pools[0].fee == 3000 and c.dexes[0].kind == "v2"
    (feed,) = c.feeds().items()
    assert feed[0] == token["address"].lower()
    assert (feed[1].feed, feed[1].max_staleness_s) == ("0x" + "8" * 40, 3600)
    assert (c.oracle_refresh_blocks, c.max_oracle_deviation) == (10, 0.02)  # the defaults


# --- per-component YAML files ----------------------------------------------------------


def _with_sections(tmp_path: Path, files: dict[str, str], **sections: str) -> Path:
    """config.json whose named sections are YAML files (written from ``files``)."""
    data = config_dict(tmp_path)
    data.update(sections)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return _write(tmp_path, data)


def test_sections_from_yaml_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARBX_CONFIG_KEY", raising=False)
    key = Fernet.generate_key().decode()
    execution = """\
mode: dry_run
trades_db: state/trades.db        # relative to config.json's folder
risk:
  max_in_flight: 4
  max_amount_in: {WETH: "5000000000000000000"}
  min_profit_net: 1000
"""
    chains = f"""\
- chain_id: 10
  name: optimism
  rpc_urls: ["{encrypt_value("https://opt.example/v3/secret-id", key)}"]
  tokens:
    - {{address: "0x4200000000000000000000000000000000000006", symbol: WETH, decimals: 18}}
  price_feeds:
    WETH: {{feed: "0x13e3Ee699D1909E989722E753853AE30b17e08c5", max_staleness_s: 1200}}
"""
    path = _with_sections(
        tmp_path, {"execution.yaml": execution, "config.d/chains.yml": chains, "search.yaml": ""},
        execution="execution.yaml", chains="config.d/chains.yml", search="search.yaml",
    )
    (tmp_path / ".env").write_text(f"ARBX_CONFIG_KEY={key}\n")
    config = load_config(path)
    assert config.execution is not None
    assert (config.execution.mode, config.execution.risk.max_in_flight) == ("dry_run", 4)
    assert config.execution.risk.max_amount_in == {"WETH": 5 * 10**18}
    assert config.execution.trades_db == tmp_path.resolve() / "state" / "trades.db"
    (chain,) = config.chains
    assert chain.rpc_urls[0].get_secret_value() == "https://opt.example/v3/secret-id"
    assert chain.feeds()["0x4200000000000000000000000000000000000006"].max_staleness_s == 1200
    assert config.search.max_hops == 3  # an empty file: the section's defaults
    assert config.api.port == 0  # the sections left in config.json still count


@pytest.mark.parametrize(
    ("files", "sections", "message"),
    [
        ({"execution.yaml": "risk:\n  max_in_flight: many\n"}, {"execution": "execution.yaml"},
         "execution.yaml: risk.max_in_flight: Input should be a valid integer"),
        ({"models.yml": "enabeld: true\n"}, {"models": "models.yml"},
         "models.yml: enabeld: Extra inputs are not permitted"),
        ({"chains.yaml": "- {chain_id: 5, name: a, rpc_url: 'http://a'}\n"
                         "- {chain_id: 5, name: b, rpc_url: 'http://b'}\n"}, {"chains": "chains.yaml"},
         "chains.yaml: [1].chain_id: 5 appears twice"),
        ({"chains.yaml": ("- chain_id: 5\n  name: a\n  rpc_url: http://a\n  tokens:\n"
                          "    - {address: 0x4200000000000000000000000000000000000006, decimals: 18}\n")},
         {"chains": "chains.yaml"},
         ("chains.yaml: [0].tokens[0].address: must be a 0x-prefixed 20-byte hex address as a "
          "string (in YAML, quote it")),
        ({"execution.yaml": "mode: live\nrisk: [1, 2\n"}, {"execution": "execution.yaml"},
         "execution.yaml: line 3 column 1: expected ',' or ']'"),
        ({}, {"execution": "config.d/execution.yaml"},
         "config.json: execution: config.d/execution.yaml: no such file"),
        ({"store.yaml": "- 1\n"}, {"store": "store.yaml"},
         "store.yaml: (top level): Input should be a valid dictionary"),
    ],
)
def test_yaml_errors_name_the_file_and_key(
    tmp_path: Path, files: dict[str, str], sections: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_with_sections(tmp_path, files, **sections))
    assert str(info.value).startswith(message), str(info.value)
