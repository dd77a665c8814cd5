#!/usr/bin/env bash
# The CUDA benchmark on the GPU host (issue 11; BENCHMARKS.md section 5), in back-to-back device calls that
# share /tmp (one call carries at most 64 MiB, so node, node_modules and the CUDA provider travel separately):
#
#   here, once:  bash bench/gpu/run-cuda-bench.sh pack   (after npm ci; needs a diffusers clone at $DIFFUSERS
#                and ../shared/device/cuda/prepare.sh): .device/node.xz, .device/node_modules.tar.xz,
#                .device/cuda/, .pylib/diffusers-src.tar.xz, .gl/*.deb (all git-ignored)
#   call 1  carry .device/node.xz .pylib   bash bench/gpu/run-cuda-bench.sh prepare    # scale bundle, references
#   call 2  carry .device/node_modules.tar.xz .gl   bash bench/gpu/run-cuda-bench.sh node   # node_modules, WebGPU re-check
#   call 3  carry .device/cuda   bash bench/gpu/run-cuda-bench.sh cuda+diffusers    # provider, golden on CUDA,
#           cuda-bench.ts, then diffusers_bench.py and a kk edit: both sides in one call on one card
set -uo pipefail
stage=${1:?stage: pack | prepare | node | cuda | diffusers | cuda+diffusers}
OUT=${OUT:-/tmp/kk/out}; mkdir -p "$OUT" /tmp/kk
export PYTHONUNBUFFERED=1
py_env() {
  [ -d /tmp/py/src ] || { mkdir -p /tmp/py && tar xJf /tmp/kk/diffusers-src.tar.xz -C /tmp/py; }
  export PYTHONPATH=/tmp/py/src:$PWD
}
node_env() {
  export PATH=/tmp/kk-node/bin:$PATH
  [ -e node_modules ] || ln -s /tmp/kk/node_modules node_modules
  sp=$(python3 -c 'import site; print(site.getsitepackages()[0])')
  export LD_LIBRARY_PATH=$sp/nvidia/cu13/lib:$sp/nvidia/cudnn/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
}
case "$stage" in
  pack)  # on the development machine
    mkdir -p .device .pylib .gl
    for d in /.device/ /.pylib/ /.gl/; do grep -qx "$d" .git/info/exclude 2>/dev/null || echo "$d" >> .git/info/exclude; done
    xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > .device/node.xz
    # This platform's onnxruntime binaries only, no lint or type-check tooling: 29 MB, under one call's 64 MiB.
    tar cf - --exclude='node_modules/onnxruntime-node/bin/napi-v*/win32' \
      --exclude='node_modules/onnxruntime-node/bin/napi-v*/darwin' \
      --exclude='node_modules/onnxruntime-node/bin/napi-v*/linux/arm64' --exclude='node_modules/.cache' \
      --exclude='node_modules/typescript' --exclude='node_modules/eslint' --exclude='node_modules/@eslint' \
      --exclude='node_modules/prettier' --exclude='node_modules/@typescript-eslint' \
      --exclude='node_modules/typescript-eslint' --exclude='node_modules/fast-check' \
      --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_*' node_modules \
      | xz -T0 -6 > .device/node_modules.tar.xz
    bash ../shared/device/cuda/prepare.sh
    git -C "${DIFFUSERS:?a diffusers clone at the commit in models/export/requirements.txt}" archive HEAD src/diffusers \
      | xz -T0 -6 > .pylib/diffusers-src.tar.xz
    o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    mkdir -p /tmp/amd64/partial; apt-get $o update -qq
    (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
    du -sh .device/* .pylib .gl ;;
  prepare)
    mkdir -p /tmp/kk-node/bin
    cp .pylib/diffusers-src.tar.xz /tmp/kk/
    xz -dc .device/node.xz > /tmp/kk-node/bin/node && chmod +x /tmp/kk-node/bin/node
    py_env
    nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
    timeout 560 python3 bench/gpu/cuda_prepare.py --out /tmp/kk 2>&1 | tee "$OUT/prepare.log"
    cp /tmp/kk/scale/export-report.json /tmp/kk/scale-opt/optimizer-report.json "$OUT/" 2>/dev/null
    cp /tmp/kk/scale/model.json "$OUT/scale-model.json" 2>/dev/null
    du -sh /tmp/kk/* | tee -a "$OUT/prepare.log" ;;
  node)
    [ -d /tmp/kk/node_modules ] || (cd /tmp/kk && tar xJf "$OLDPWD/.device/node_modules.tar.xz")
    node_env
    for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    node --version | tee "$OUT/node.log"
    KK_GOLDEN_EXECUTION_PROVIDERS=webgpu timeout 300 node --import tsx --test test/pipeline/golden.test.ts 2>&1 | tee "$OUT/golden-webgpu.log" ;;
  cuda)
    node_env
    bin=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
    [ -f $bin/libonnxruntime_providers_cuda.so ] || xz -dc .device/cuda/libonnxruntime_providers_cuda.so.xz > $bin/libonnxruntime_providers_cuda.so
    cp -n .device/cuda/libonnxruntime_providers_shared.so $bin/ 2>/dev/null
    node --import tsx bin/cuda-install.ts --check 2>&1 | tee "$OUT/cuda-check.log"
    node --import tsx bin/cuda-install.ts --check --device 7 2>&1 | tee -a "$OUT/cuda-check.log"
    # Bounds for the GPU: onnxruntime's CUDA provider runs fp32 MatMul and Conv in TF32 (10-bit mantissa, unit
    # round-off 2^-11 = 4.9e-4); run 2 measured relative errors up to 9.4e-4 and 0.83 % of 8-bit values off by 1
    # (BENCHMARKS.md section 6).
    KK_GOLDEN_EXECUTION_PROVIDERS=cuda KK_GOLDEN_REL_TOLERANCE=2e-3 KK_GOLDEN_MAX_PIXEL_DIFF=1 KK_GOLDEN_MAX_DIFFERING_SHARE=0.02 \
      timeout 120 node --import tsx --test test/pipeline/golden.test.ts 2>&1 | tee "$OUT/golden-cuda.log"
    timeout 420 node --import tsx bench/gpu/cuda-bench.ts --root /tmp/kk --out "$OUT/cuda-bench.json" 2>&1 | tee "$OUT/cuda-bench.log" ;;
  cuda+diffusers)  # the headline run: both sides back to back in one call, on one card
    bash "$0" cuda; bash "$0" diffusers ;;
  diffusers)
    py_env; node_env
    timeout 400 python3 bench/gpu/diffusers_bench.py --refs /tmp/kk/refs --json "$OUT/diffusers-bench.json" 2>&1 | tee "$OUT/diffusers-bench.log"
    python3 -c "from models.export.reference_pipeline import make_source_image as m; m(1024, 1024).save('/tmp/kk/source-1024.png')"
    KK_EXECUTION_PROVIDERS=cuda timeout 150 node --import tsx bin/kk.ts edit /tmp/kk/source-1024.png "Make the sky a deep blue" \
      --model /tmp/kk/scale-opt --steps 28 --seed 3 -o "$OUT/kk-edit.png" --json 2>&1 | tee "$OUT/kk-edit.log" ;;
esac
