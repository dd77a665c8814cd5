"""model.json's `files` table: the sha256 and size of each bundle file. Standard library only, so the tools
that touch a bundle without torch (models/train/manifest_files.py) share it with the exporter."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_list(bundle: Path, relative_paths: list[str]) -> dict:
    files = {}
    for rel in sorted(set(relative_paths)):
        path = bundle / rel
        if not path.exists():  # a graph that failed to export; the export report says why
            continue
        files[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return files
