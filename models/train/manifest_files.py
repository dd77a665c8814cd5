"""Brings a bundle's model.json `files` table (sha256 and size of every listed file) up to date with the files
on disk, e.g. after `refit_decoder.py` replaced vae_decoder.onnx. Needs no torch, so it runs anywhere:

    python3 -m models.train.manifest_files models/kk-tiny
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from models.export.file_hashes import file_list


def refresh_files(manifest: dict, bundle: Path) -> list[str]:
    """Rewrites `manifest["files"]` in place from the files in `bundle`; returns the names whose entry changed."""
    fresh = file_list(bundle, list(manifest["files"]))
    missing = sorted(set(manifest["files"]) - set(fresh))
    if missing:
        raise FileNotFoundError(f"{bundle} lacks {missing}, listed in its model.json")
    changed = [name for name, entry in fresh.items() if manifest["files"][name] != entry]
    manifest["files"] = fresh
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
