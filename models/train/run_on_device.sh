#!/usr/bin/env bash
# Trains, evaluates and exports kk-tiny on the GPU host, in stages that each fit one device call (10 minutes):
#
#   bash models/train/run_on_device.sh smoke         every stage at toy sizes (a bug costs seconds, not a call)
#   bash models/train/run_on_device.sh codec         the convolutional codec -> /tmp/codec/codec.safetensors
#   bash models/train/run_on_device.sh train STEPS   the transformer, text encoders and projector -> /tmp/runA
#   bash models/train/run_on_device.sh tune STEPS    more steps from $FROM's weights (/tmp/runA), on a second
#                                                    learning-rate curve (TUNE_LR peak) and other batches (TUNE_SEED)
#                                                    -> /tmp/runB
#   bash models/train/run_on_device.sh finish        eval (quick) + export of $RUN (/tmp/runA) -> $OUT/kk-tiny.tar*
#   bash models/train/run_on_device.sh refit         refit $RUN's exported decoder on its own latents -> $OUT/refit
#                                                    (about 313 s: give it a call of its own)
#
# Run from the repository root with $OUT set; the host keeps /tmp between back-to-back calls, so the stages can
# run in consecutive calls. BATCH, LR, EVAL, DEFAULT_STEPS, CODEC_STEPS, CODEC_BUNDLE override the defaults. Every stage is
# deterministic (fixed seeds, torch.use_deterministic_algorithms), so the same stages on the same software give
# the same bundle; compare two bundles with `python3 -m models.train.compare_runs A B`. `tune` exists because one
# call cannot train for more than about 2200 steps: train + tune train one model for twice that. `train` and `tune`
# also send their weights back as $OUT/ckpt.tar.part-* (split below the 16 MiB a returned file may have): if the
# host was given back between calls, unpack them into a carried folder and point FROM (or RUN) at it.
#
# Needs .pylib/diffusers-src.tar.xz (`git archive <commit> src/diffusers | xz` of huggingface/diffusers at the
# commit in models/export/requirements.txt: the GPU host has no diffusers and no network).
set -euo pipefail
stage=${1:?usage: run_on_device.sh smoke|codec|train STEPS|tune STEPS|finish|refit}
: "${OUT:?set OUT to the folder that comes back}"
mkdir -p /tmp/py
[ -d /tmp/py/src/diffusers ] || tar xJf .pylib/diffusers-src.tar.xz -C /tmp/py
export PYTHONPATH=/tmp/py/src:$PWD PYTHONUNBUFFERED=1
common=(--batch "${BATCH:-512}" --lr "${LR:-1.3e-3}" --codec-steps "${CODEC_STEPS:-3000}")
# CODEC_BUNDLE=models/kk-tiny: train in a shipped bundle's latent space with its codec as it ships (kk-tiny 4.2
# keeps 4.1's encoder and lapped decoder) instead of the codec stage's /tmp/codec/codec.safetensors.
if [ -n "${CODEC_BUNDLE:-}" ]; then codec=(--codec-from-bundle "$CODEC_BUNDLE")
else codec=(--codec-weights /tmp/codec/codec.safetensors); fi
finish=(--eval "${EVAL:-quick}" --default-steps "${DEFAULT_STEPS:-1}")
run=${RUN:-/tmp/runA}
from=${FROM:-/tmp/runA}
# tune: a warm restart from a trained run, so that two calls train one model for twice the steps.
tune=(--lr "${TUNE_LR:-5e-4}" --warmup "${TUNE_WARMUP:-50}" --seed "${TUNE_SEED:-1235}")
py() { python -m models.train.train "$@"; }
send_ckpt() { (cd "$1" && tar cf - ckpt-*.safetensors) | split -b 15000000 - "$OUT"/ckpt.tar.part-; }

case "$stage" in
  smoke)
    py --out /tmp/smoke/codec --codec-only --steps 0 --codec-steps 20 --batch 16 >"$OUT/smoke-log.txt" 2>&1
    if [ -n "${CODEC_BUNDLE:-}" ]; then smoke_codec=("${codec[@]}")
    else smoke_codec=(--codec-weights /tmp/smoke/codec/codec.safetensors); fi
    py --out /tmp/smoke/run "${smoke_codec[@]}" --steps 3 --batch 16 \
      --eval none --no-export >>"$OUT/smoke-log.txt" 2>&1
    py --out /tmp/smoke/tuned "${smoke_codec[@]}" --init-from /tmp/smoke/run --steps 2 --batch 16 "${tune[@]}" \
      --eval none --no-export >>"$OUT/smoke-log.txt" 2>&1
    py --out /tmp/smoke/tuned "${smoke_codec[@]}" --init-from /tmp/smoke/tuned \
      --steps 0 --batch 16 --bundle-dir /tmp/smoke/tuned/kk-tiny --eval quick --default-steps 1 >>"$OUT/smoke-log.txt" 2>&1
    # With a shipped codec, the exported VAE files should be the shipped ones: the same graph and weights. Their
    # sha256 may differ: the exporter's node metadata (module paths, FX node text) can change with the source.
    if [ -n "${CODEC_BUNDLE:-}" ]; then
      (cd /tmp/smoke/tuned/kk-tiny && sha256sum vae_*.onnx) >>"$OUT/smoke-log.txt"
      (cd "$CODEC_BUNDLE" && sha256sum vae_*.onnx) >>"$OUT/smoke-log.txt"
      python3 -m models.train.onnx_same /tmp/smoke/tuned/kk-tiny/vae_encoder.onnx "$CODEC_BUNDLE"/vae_encoder.onnx \
        /tmp/smoke/tuned/kk-tiny/vae_decoder.onnx "$CODEC_BUNDLE"/vae_decoder.onnx >>"$OUT/smoke-log.txt"
    fi
    tail -8 "$OUT/smoke-log.txt"
    ;;
  codec)
    py --out /tmp/codec --codec-only --steps 0 "${common[@]}" >"$OUT/codec-log.txt" 2>&1
    cp /tmp/codec/codec.json /tmp/codec/codec.safetensors "$OUT"/
    ;;
  train)
    steps=${2:?usage: run_on_device.sh train STEPS}
    # A codec trained in an earlier machine session can be brought along as $CODEC (codec.safetensors).
    if [ -n "${CODEC:-}" ]; then mkdir -p /tmp/codec && cp "$CODEC" /tmp/codec/codec.safetensors; fi
    py --out /tmp/runA "${codec[@]}" --steps "$steps" "${common[@]}" \
      --eval none --no-export >"$OUT/train-log.txt" 2>&1
    cp /tmp/runA/loss.csv "$OUT"/
    send_ckpt /tmp/runA
    ;;
  tune)
    steps=${2:?usage: run_on_device.sh tune STEPS}
    py --out /tmp/runB "${codec[@]}" --init-from "$from" --steps "$steps" "${common[@]}" "${tune[@]}" \
      --eval none --no-export >"$OUT/tune-log.txt" 2>&1
    cp /tmp/runB/loss.csv "$OUT"/tune-loss.csv
    send_ckpt /tmp/runB
    ;;
  finish)
    py --out "$run" "${codec[@]}" --init-from "$run" --steps 0 "${common[@]}" \
      --bundle-dir "$run"/kk-tiny "${finish[@]}" >"$OUT/finish-log.txt" 2>&1
    cp "$run"/results.json "$run"/kk-tiny.tar* "$OUT"/
    ;;
  refit)
    # The decoder refit on the new transformer's latents, with the eval's grid measure in the loss (4.2's second
    # refit; the bundle's decoder is already lapped, so it is refit as it is).
    python -m models.train.refit_decoder --bundle "$run"/kk-tiny --out "$OUT"/refit \
      --spectral-weight "${SPECTRAL:-0.03}" >"$OUT/refit-log.txt" 2>&1
    ;;
  *) echo "unknown stage $stage" >&2; exit 2 ;;
esac
