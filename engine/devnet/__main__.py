"""``python -m engine.devnet``: see :mod:`engine.devnet.cli`."""

from engine.devnet.cli import main

raise SystemExit(main())
