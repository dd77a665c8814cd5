# CPU image: the bots, the worker and the embedded model (models/kk-tiny), run as a non-root user.
#
#   docker build -t kontinuous-kontext-bot .
#   docker run --rm -v "$PWD/out:/app/out" kontinuous-kontext-bot     # npm start: the demo edit into out/
#   docker run --env-file .env -p 8787:8787 kontinuous-kontext-bot   # npm start: bots + worker in one
#   ... kontinuous-kontext-bot node --import tsx bin/bots.ts          # bots only (refuses if unconfigured)
#   ... kontinuous-kontext-bot node --import tsx bin/worker.ts        # a worker on the shared queue
#
# compose.yaml runs Redis, a bot-only replica and a worker from this image. Dockerfile.cuda is the GPU one.
# NODE_IMAGE picks another base with Node 20 (a registry mirror, a pinned digest).
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Production dependencies only. Install scripts stay off, as package.json's allowScripts asks: the one
#    that matters (onnxruntime-node's) only downloads CUDA libraries, and sharp, onnxruntime and esbuild
#    ship their Linux binaries as packages.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# onnxruntime-node also ships its macOS and Windows binaries (216 MB) that a Linux image never loads.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32

# 2. The runtime: dependencies and source (the allowlist in .dockerignore), owned by root and read-only to
#    the user that runs them. TypeScript runs through tsx (a dependency; README, "Production install").
FROM ${NODE_IMAGE}
WORKDIR /app
# A font for the contact sheet's strength labels (without one, a built-in bitmap font stands in and the
# image's fontconfig complains on every start), and the user the app runs as.
RUN export DEBIAN_FRONTEND=noninteractive \
  && apt-get update \
  && apt-get install -y --no-install-recommends fontconfig-config fonts-dejavu-core \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system kk \
  && useradd --system --gid kk --home-dir /app --no-create-home --shell /usr/sbin/nologin kk
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# The demo writes its results to out/ (mount a volume there to keep them); nothing else is written but /tmp.
RUN mkdir out && chown kk:kk out
USER kk
# The code is read-only (compose even mounts the root read-only): caches (fontconfig's, tsx's, onnxruntime's
# device id) go to /tmp.
ENV HOME=/tmp
# 8787: Discord interactions (POST /discord/interactions); 3000: Slack events in HTTP mode;
# 9464: /metrics and /healthz (KK_METRICS_PORT).
EXPOSE 8787 3000 9464
# Plain node, no loader: asks /healthz (Redis answers, the worker runs) on KK_METRICS_PORT.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["node", "bin/healthcheck.mjs"]
# node, not npm: signals reach the app directly (it finishes or requeues the job in hand on SIGTERM).
CMD ["node", "--import", "tsx", "bin/start.ts"]
