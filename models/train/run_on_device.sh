#!/usr/bin/env bash
# Trains, evaluates and exports kk-tiny on the GPU host; with `twin`, trains a second copy on the second
# GPU at the same time and compares the two bundles file by file (the reproducibility check).
#
#   bash models/train/run_on_device.sh STEPS [twin]      (repo root, $OUT set; BATCH, LR, EVAL override)
#
# Needs .pylib/diffusers-src.tar.xz (`git archive HEAD src/diffusers | xz` of huggingface/diffusers: the GPU
# host has no diffusers and no network). Writes to $OUT: train-log.txt, loss.csv, results.json,
# kk-tiny.tar (or .partN), and with twin: twin-log.txt, reproduce.txt.
set -euo pipefail
steps=${1:?usage: run_on_device.sh STEPS [twin]}
twin=${2:-}
: "${OUT:?set OUT to the folder that comes back}"
mkdir -p /tmp/py
tar xJf .pylib/diffusers-src.tar.xz -C /tmp/py
export PYTHONPATH=/tmp/py/src:$PWD PYTHONUNBUFFERED=1
args=(--steps "$steps" --batch "${BATCH:-256}" --lr "${LR:-1e-3}" --eval "${EVAL:-full}")

train() { # gpu run-dir log
  CUDA_VISIBLE_DEVICES=$1 python -m models.train.train --out "$2" --bundle-dir "$2/kk-tiny" "${args[@]}" >"$3" 2>&1
}

train 0 /tmp/runA "$OUT/train-log.txt" &
a=$!
if [ -n "$twin" ]; then
  train 1 /tmp/runB "$OUT/twin-log.txt" &
  b=$!
fi
status=0
wait $a || status=$?
if [ -n "$twin" ]; then wait $b || status=$?; fi
cp /tmp/runA/loss.csv /tmp/runA/results.json "$OUT"/ 2>/dev/null || true
cp /tmp/runA/kk-tiny.tar* "$OUT"/ 2>/dev/null || true

if [ -n "$twin" ]; then
  python - <<'EOF' | tee "$OUT/reproduce.txt"
import hashlib
from pathlib import Path

def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}

a, b = Path("/tmp/runA"), Path("/tmp/runB")
files = sorted(set(digests(a / "kk-tiny")) | set(digests(b / "kk-tiny")))
da, db = digests(a / "kk-tiny"), digests(b / "kk-tiny")
same = 0
for f in files:
    ok = da.get(f) == db.get(f)
    same += ok
    print(f"{'same' if ok else 'DIFF'}  {da.get(f, '-')[:16]}  {db.get(f, '-')[:16]}  {f}")
# The checkpoints are compared tensor by tensor: safetensors writes its metadata map in hash order, so their
# bytes differ between processes even when every weight is equal.
from safetensors.torch import load_file

for ck in ("ckpt-transformer.safetensors", "ckpt-rest.safetensors"):
    ta, tb = load_file(str(a / ck)), load_file(str(b / ck))
    diff = max(float((ta[k].float() - tb[k].float()).abs().max()) for k in ta) if set(ta) == set(tb) else float("inf")
    print(f"{'same' if diff == 0 else 'DIFF'}  {len(ta)} tensors, max abs difference {diff}  {ck} (final weights)")
print(f"bundle files identical: {same}/{len(files)}")
EOF
fi
exit $status
