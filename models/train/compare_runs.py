"""Compares two training runs for reproducibility: every bundle file by sha256 and, where both runs kept
them (and safetensors is installed), the final checkpoints tensor by tensor. safetensors writes its metadata
map in hash order, so checkpoint bytes differ between processes even when every weight is equal.

  python -m models.train.compare_runs RUN_A RUN_B [--bundle-subdir kk-tiny]

A run directory holds the bundle in <run>/<bundle-subdir> (models/train/run_on_device.sh's layout) or is the
bundle itself. Exits 0 when every compared file and tensor is identical, 1 otherwise."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

CHECKPOINTS = ("ckpt-transformer.safetensors", "ckpt-rest.safetensors")


def digests(root: Path, skip: frozenset[str]) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in skip}


def bundle_dir(run: Path, subdir: str) -> Path:
    return run / subdir if (run / subdir / "model.json").exists() else run


def compare(a: Path, b: Path, subdir: str = "kk-tiny") -> bool:
    # The model card is written by hand after training, not by the run.
    skip = frozenset({"MODEL_CARD.md", *CHECKPOINTS})
    da, db = digests(bundle_dir(a, subdir), skip), digests(bundle_dir(b, subdir), skip)
    files = sorted(set(da) | set(db))
    same = 0
    for f in files:
        ok = da.get(f) == db.get(f)
        same += ok
        print(f"{'same' if ok else 'DIFF'}  {da.get(f, '-')[:16]}  {db.get(f, '-')[:16]}  {f}")
    print(f"bundle files identical: {same}/{len(files)}")
    all_same = same == len(files) and len(files) > 0
    if all((a / ck).exists() and (b / ck).exists() for ck in CHECKPOINTS):
        try:
            from safetensors.numpy import load_file
        except ImportError:
            print("checkpoints not compared: safetensors is not installed")
            return all_same
        for ck in CHECKPOINTS:
            ta, tb = load_file(str(a / ck)), load_file(str(b / ck))
            if set(ta) != set(tb):
                print(f"DIFF  tensor names differ  {ck}")
                all_same = False
                continue
            diff = max(float(abs(ta[k].astype("float64") - tb[k].astype("float64")).max()) for k in ta)
            all_same &= diff == 0
            print(f"{'same' if diff == 0 else 'DIFF'}  {len(ta)} tensors, max abs difference {diff}  {ck} (final weights)")
    return all_same


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run_a", type=Path)
    ap.add_argument("run_b", type=Path)
    ap.add_argument("--bundle-subdir", default="kk-tiny")
    args = ap.parse_args(argv)
    return 0 if compare(args.run_a, args.run_b, args.bundle_subdir) else 1


if __name__ == "__main__":
    sys.exit(main())
