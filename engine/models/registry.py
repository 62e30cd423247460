"""The model registry: a folder of versioned ONNX models with aliases.

Layout (root defaults to ``models/``; ``ARBX_MODEL_REGISTRY`` or the caller's
argument moves it)::

    <root>/<model name>/
        versions/<version>/model.onnx          what the engine runs
                           feature_spec.json   FeatureSpec.to_json() (versioned)
                           manifest.json       kind, io names, data range, metrics, hashes
                           metrics.json        the full evaluation
                           (checkpoint.pt)     training state, read by ml/ only
        aliases.json                           {"champion": "v0003", "challenger": "v0004"}
        history.jsonl                          every registration, promotion and rollback

Versions are immutable once written (a temp folder renamed into place);
``aliases.json`` is replaced atomically (write + os.replace), so a reader
sees the old or the new aliases, never half of either. ``content_hash`` is
the sha256 over model.onnx and feature_spec.json, checked on every load.

No torch, no pandas: the engine reads the registry with this module.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHAMPION = "champion"
CHALLENGER = "challenger"
DEFAULT_ROOT = Path(os.environ.get("ARBX_MODEL_REGISTRY", "models"))

MODEL_FILE = "model.onnx"
SPEC_FILE = "feature_spec.json"
MANIFEST_FILE = "manifest.json"
METRICS_FILE = "metrics.json"


class RegistryError(RuntimeError):
    pass


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    path: Path
    manifest: dict[str, Any]

    @property
    def onnx_path(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def spec_json(self) -> dict[str, Any]:
        return json.loads((self.path / SPEC_FILE).read_text())

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def content_hash(self) -> str:
        return str(self.manifest["content_hash"])

    def verify(self) -> None:
        """RegistryError unless the files hash to the manifest's content_hash."""
        actual = content_hash(self.path)
        if actual != self.content_hash:
            raise RegistryError(
                f"{self.name} {self.version}: content hash {actual[:12]} != manifest "
                f"{self.content_hash[:12]} (files changed after registration)"
            )


def content_hash(version_dir: Path) -> str:
    h = hashlib.sha256()
    for name in (MODEL_FILE, SPEC_FILE):
        data = (version_dir / name).read_bytes()
        h.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def _atomic_write_json(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Registry:
    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else DEFAULT_ROOT
        self._lock = threading.Lock()  # one writer per process; versions are rename-atomic

    # --- reads ---------------------------------------------------------------------

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "versions").is_dir())

    def versions(self, name: str) -> list[str]:
        d = self.root / name / "versions"
        return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.is_dir() else []

    def aliases(self, name: str) -> dict[str, str]:
        path = self.root / name / "aliases.json"
        return dict(json.loads(path.read_text())) if path.exists() else {}

    def aliases_stamp(self, name: str) -> tuple[int, int]:
        """Changes whenever aliases.json is replaced: cheap polling for hot reload."""
        try:
            st = (self.root / name / "aliases.json").stat()
        except FileNotFoundError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_ino)

    def get(self, name: str, ref: str = CHAMPION) -> ModelVersion:
        """A version by alias (``champion``, ``challenger``) or by version id."""
        version = self.aliases(name).get(ref, ref)
        path = self.root / name / "versions" / version
        if not (path / MANIFEST_FILE).exists():
            raise RegistryError(f"model {name!r} has no version or alias {ref!r} in {self.root}")
        manifest = json.loads((path / MANIFEST_FILE).read_text())
        return ModelVersion(name, version, path, manifest)

    def history(self, name: str) -> list[dict[str, Any]]:
        path = self.root / name / "history.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    # --- writes --------------------------------------------------------------------

    def register(
        self,
        name: str,
        *,
        kind: str,
        onnx_bytes: bytes,
        feature_spec: Mapping[str, Any],
        metrics: Mapping[str, Any],
        data_range: Mapping[str, Any],
        io: Mapping[str, Any],
        extra_files: Mapping[str, bytes] | None = None,
        parent: str | None = None,
        alias: str | None = None,
        note: str = "",
    ) -> ModelVersion:
        """Write a new immutable version; optionally point ``alias`` at it."""
        with self._lock:
            versions_dir = self.root / name / "versions"
            versions_dir.mkdir(parents=True, exist_ok=True)
            existing = [int(v[1:]) for v in self.versions(name) if v[1:].isdigit()]
            version = f"v{max(existing, default=0) + 1:04d}"
            tmp = Path(tempfile.mkdtemp(dir=versions_dir, prefix=f".{version}."))
            try:
                (tmp / MODEL_FILE).write_bytes(onnx_bytes)
                (tmp / SPEC_FILE).write_text(json.dumps(feature_spec, indent=2, sort_keys=True))
                (tmp / METRICS_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True))
                for fname, data in (extra_files or {}).items():
                    (tmp / fname).write_bytes(data)
                manifest = {
                    "name": name, "version": version, "kind": kind,
                    "created_at": time.time(), "parent": parent, "note": note,
                    "content_hash": content_hash(tmp),
                    "onnx_sha256": hashlib.sha256(onnx_bytes).hexdigest(),
                    "feature_spec_name": feature_spec.get("name"),
                    "feature_code_version": feature_spec.get("code_version"),
                    "data_range": dict(data_range), "io": dict(io),
                    "metrics_summary": {k: v for k, v in metrics.items()
                                        if isinstance(v, (int, float, str))},
                }
                (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True))
                os.rename(tmp, versions_dir / version)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            self._record(name, {"event": "register", "version": version, "parent": parent,
                                "note": note})
            if alias:
                self._set_alias(name, alias, version, reason=f"registered as {alias}")
            return self.get(name, version)

    def set_alias(self, name: str, alias: str, version: str, reason: str = "") -> None:
        with self._lock:
            self._set_alias(name, alias, version, reason)

    def promote(self, name: str, version: str | None = None, *, reason: str = "",
                evidence: Mapping[str, Any] | None = None) -> str:
        """Make ``version`` (default: the challenger) the champion; recorded in history."""
        with self._lock:
            aliases = self.aliases(name)
            target = version or aliases.get(CHALLENGER)
            if target is None:
                raise RegistryError(f"model {name!r} has no challenger to promote")
            self.get(name, target).verify()
            previous = aliases.get(CHAMPION)
            aliases[CHAMPION] = target
            if aliases.get(CHALLENGER) == target:
                del aliases[CHALLENGER]
            _atomic_write_json(self.root / name / "aliases.json", aliases)
            self._record(name, {"event": "promote", "version": target, "previous": previous,
                                "reason": reason, "evidence": dict(evidence or {})})
            return target

    def reject(self, name: str, *, reason: str = "",
               evidence: Mapping[str, Any] | None = None) -> str | None:
        """Drop the challenger alias (its version stays on disk); recorded."""
        with self._lock:
            aliases = self.aliases(name)
            target = aliases.pop(CHALLENGER, None)
            _atomic_write_json(self.root / name / "aliases.json", aliases)
            self._record(name, {"event": "reject", "version": target, "reason": reason,
                                "evidence": dict(evidence or {})})
            return target

    def rollback(self, name: str, *, reason: str = "") -> str:
        """Put back the champion that the last promotion replaced; recorded."""
        with self._lock:
            aliases = self.aliases(name)
            current = aliases.get(CHAMPION)
            # walk the promotions and rollbacks backwards to find what preceded `current`
            stack: list[str] = []
            for event in self.history(name):
                if event["event"] == "promote" and event.get("previous"):
                    stack.append(event["previous"])
                elif event["event"] == "rollback" and stack:
                    stack.pop()
            if not stack:
                raise RegistryError(f"model {name!r}: no earlier champion to roll back to")
            target = stack[-1]
            self.get(name, target).verify()
            aliases[CHAMPION] = target
            _atomic_write_json(self.root / name / "aliases.json", aliases)
            self._record(name, {"event": "rollback", "version": target, "previous": current,
                                "reason": reason})
            return target

    def _set_alias(self, name: str, alias: str, version: str, reason: str) -> None:
        self.get(name, version)
        aliases = self.aliases(name)
        previous = aliases.get(alias)
        aliases[alias] = version
        (self.root / name).mkdir(parents=True, exist_ok=True)
        _atomic_write_json(self.root / name / "aliases.json", aliases)
        self._record(name, {"event": "alias", "alias": alias, "version": version,
                            "previous": previous, "reason": reason})

    def _record(self, name: str, event: dict[str, Any]) -> None:
        event = {"at": time.time(), **event}
        (self.root / name).mkdir(parents=True, exist_ok=True)
        with open(self.root / name / "history.jsonl", "a") as f:
            f.write(json.dumps(event, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
