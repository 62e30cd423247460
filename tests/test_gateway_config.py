"""Configuration errors name the file and the key; start-up warnings; the gateway's
generated stubs match proto/; the CLI's key tools."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gateway import cli, codegen
from gateway.auth.keys import KeyRing
from gateway.config import DEFAULT_SESSION_SECRET, ConfigError, load_settings, parse_config
from gateway.webserver import startup_warnings

SECRET = "s" * 40


def write(tmp_path: Path, yaml_text: str, env: str = f"ARBX_GATEWAY_SESSION_SECRET={SECRET}\n") -> Path:
    config = tmp_path / "auth_config.yaml"
    config.write_text(textwrap.dedent(yaml_text))
    (tmp_path / ".env").write_text(env)
    return config


def test_example_config_is_valid() -> None:
    import yaml

    example = Path(codegen.REPO_ROOT / "gateway" / "auth_config.example.yaml")
    config = parse_config(yaml.safe_load(example.read_text()))
    assert [p.preset for p in config.providers] == ["github", "google"]


def test_errors_name_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ARBX_GATEWAY_SESSION_SECRET",):
        monkeypatch.delenv(name, raising=False)
    bad = write(tmp_path, """
        providers:
          - name: corp
            preset: oidc
            client_id: x
        cors:
          origins: ["*"]
        websocket:
          queue_size: 0
    """)
    with pytest.raises(ConfigError) as error:
        load_settings(bad)
    message = str(error.value)
    assert "auth_config.yaml: providers[0].server_metadata_url: required" in message
    assert "auth_config.yaml: cors.origins[0]: a wildcard is not allowed" in message
    assert "auth_config.yaml: websocket.queue_size:" in message
    missing = write(tmp_path, """
        tokens: {signing_keys: ["k1"]}
        providers: [{name: github, preset: github, client_id: abc}]
    """, env="ARBX_GATEWAY_SESSION_SECRET=short\n")
    with pytest.raises(ConfigError) as error:
        load_settings(missing)
    message = str(error.value)
    assert ".env: ARBX_GATEWAY_SESSION_SECRET: must be at least 32 characters" in message
    assert ".env: ARBX_GATEWAY_SIGNING_KEY_K1: missing" in message
    assert ".env: ARBX_GATEWAY_OAUTH_GITHUB_CLIENT_SECRET: missing" in message
    assert cli.main(["check", "--config", str(missing)]) == 2


def test_keys_from_env_and_public_address_warnings(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["keys", "new", "--kid", "2026-05"]) == 0
    env_line = capsys.readouterr().out.splitlines()[-1]
    assert env_line.startswith("ARBX_GATEWAY_SIGNING_KEY_2026_05=")
    config = write(tmp_path, """
        server: {host: 0.0.0.0}
        tokens: {signing_keys: ["2026-05"]}
    """, env=f"ARBX_GATEWAY_SESSION_SECRET={DEFAULT_SESSION_SECRET}\n{env_line}\n")
    settings = load_settings(config)
    ring = KeyRing.from_pems({k: v.get_secret_value() for k, v in settings.secrets.signing_keys.items()},
                             ["2026-05"])
    warnings = startup_warnings(settings, ring, settings.config.server.base_url())
    assert any("default" in w and "SESSION_SECRET" in w for w in warnings)
    assert any("https" in w for w in warnings)
    assert cli.main(["keys", "engine-config", "--config", str(config)]) == 0
    section = json.loads(capsys.readouterr().out)["auth"]["jwt"]
    assert section["issuer"] == "arbx-gateway" and section["audience"] == "arbx-engine"
    assert section["rs256_keys"][0]["kid"] == "2026-05"
    assert "PUBLIC KEY" in section["rs256_keys"][0]["public_key_pem"]


def test_generated_stubs_match_the_proto(tmp_path: Path) -> None:
    fresh = codegen.generate(tmp_path / "gen")
    for path in fresh:
        committed = codegen.GEN_DIR / path.relative_to(tmp_path / "gen")
        assert committed.read_text() == path.read_text(), (
            f"{committed} is stale: run python -m gateway.codegen")


def test_gateway_imports_neither_torch_nor_web3_nor_the_engine() -> None:
    import subprocess
    import sys

    code = ("import sys, gateway.webserver, gateway.cli; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'web3', 'engine', "
            "'engine_rs')]; print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          cwd=codegen.REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
