"""Brings a bundle's model.json `files` table (sha256 and size of every listed file) up to date with the files
on disk, e.g. after `refit_decoder.py` replaced vae_decoder.onnx. Standard library only, so it runs anywhere:

    python3 -m models.train.manifest_files models/kk-tiny
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def file_entry(path: Path) -> dict:
    return {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "bytes": path.stat().st_size}


def refresh_files(manifest: dict, bundle: Path) -> list[str]:
    """Rewrites `manifest["files"]` in place from the files in `bundle`; returns the names whose entry changed."""
    changed = []
    for name, entry in manifest["files"].items():
        fresh = file_entry(bundle / name)
        if fresh != entry:
            manifest["files"][name] = fresh
            changed.append(name)
    return changed


def main(argv: list[str]) -> int:
    bundle = Path(argv[0])
    path = bundle / "model.json"
    manifest = json.loads(path.read_text())
    changed = refresh_files(manifest, bundle)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{path}: updated {changed or 'nothing'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
