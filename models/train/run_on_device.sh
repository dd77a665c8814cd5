#!/usr/bin/env bash
# Trains, evaluates and exports kk-tiny on the GPU host; with `twin`, trains a second copy on the second
# GPU at the same time and compares the two runs (models/train/compare_runs.py: the reproducibility check).
# Without a second GPU, run it twice and compare the two kk-tiny.tar bundles that come back with
# `python3 -m models.train.compare_runs <bundle A> <bundle B>` (pure Python, no torch needed).
#
#   bash models/train/run_on_device.sh STEPS [twin]      (repo root, $OUT set; BATCH, LR, EVAL, DEFAULT_STEPS override)
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
args=(--steps "$steps" --batch "${BATCH:-512}" --lr "${LR:-1.3e-3}" --eval "${EVAL:-full}")
if [ -n "${DEFAULT_STEPS:-}" ]; then args+=(--default-steps "$DEFAULT_STEPS"); fi

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
  python -m models.train.compare_runs /tmp/runA /tmp/runB | tee "$OUT/reproduce.txt" || status=1
fi
exit $status
