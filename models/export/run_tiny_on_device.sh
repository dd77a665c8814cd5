#!/bin/bash
# Device run (repo root, with .pylib/diffusers-src.tar.xz carried): tiny bundle + self-check + golden, results tarred into $OUT as they are produced.
set -o pipefail
mkdir -p /tmp/py && tar xJf .pylib/diffusers-src.tar.xz -C /tmp/py
export PYTHONPATH=/tmp/py/src:$PWD PYTHONUNBUFFERED=1 CUDA_VISIBLE_DEVICES=""
rm -rf test/fixtures/tiny-random
echo "+ python -m models.export --random-tiny --seed 7 --out test/fixtures/tiny-random --check-both-attention --golden"
timeout 330 python3 -m models.export --random-tiny --seed 7 --out test/fixtures/tiny-random --check-both-attention --golden 2>&1 | tee $OUT/export.log
echo "export rc=${PIPESTATUS[0]}" | tee -a $OUT/export.log
tar cf $OUT/bundle.tar test/fixtures/tiny-random 2>/dev/null
echo "+ python -m models.export.golden --seed 7 --bundle test/fixtures/tiny-random --out /tmp/golden2"
timeout 60 python3 -m models.export.golden --seed 7 --bundle test/fixtures/tiny-random --out /tmp/golden2 2>&1 | tee $OUT/golden.log
echo "golden rc=${PIPESTATUS[0]}" | tee -a $OUT/golden.log
for f in test/fixtures/tiny-random/golden/*.bin test/fixtures/tiny-random/golden/*.png; do cmp -s "$f" "/tmp/golden2/$(basename $f)" || echo "DIFFERS: $(basename $f)"; done 2>&1 | tee -a $OUT/golden.log
echo "determinism check done" | tee -a $OUT/golden.log
du -sh test/fixtures/tiny-random; ls -la test/fixtures/tiny-random test/fixtures/tiny-random/extra
