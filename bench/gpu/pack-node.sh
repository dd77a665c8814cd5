#!/usr/bin/env bash
# Packs the smallest Node runtime the WebGPU benchmark needs (node + onnxruntime-node for linux-x64)
# into .device/ for the GPU host; unpack there with: source .device/unpack-min.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
mkdir -p .device
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > .device/node.xz
tar cf - --exclude='node_modules/onnxruntime-node/bin/napi-v*/win32' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v*/darwin' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v*/linux/arm64' \
  node_modules/onnxruntime-node node_modules/onnxruntime-common | xz -T0 -6 > .device/ort.tar.xz
cat > .device/unpack-min.sh <<'EOS'
mkdir -p /tmp/kk-node/bin
xz -dc .device/node.xz > /tmp/kk-node/bin/node && chmod +x /tmp/kk-node/bin/node
tar xJf .device/ort.tar.xz
export PATH=/tmp/kk-node/bin:$PATH
EOS
du -sh .device/*
