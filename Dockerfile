# syntax=docker/dockerfile:1
#
# The connector image. Built from a clean checkout with `docker build -t confluence-connector .`
# and run by the manifests in k8s/ (the daemon) and k8s/scale-out/ (one sync per CronJob run).
# test/k8s/dockerfile.test.ts checks this file against package.json and the manifests.

# Official Node.js LTS image (Node 24, supported until 2028-04), pinned by version AND digest
# so a rebuild gets the same bytes. The digest is the multi-platform index of
# node:24.21.0-bookworm-slim as pinned in public Dockerfiles at the time of writing (it could
# not be pulled from this build machine). Verify it before the first build, and after any
# change of NODE_VERSION:
#   docker buildx imagetools inspect node:24.21.0-bookworm-slim    # "Digest:" must equal the one below
# NODE_VERSION must be the image's Node version: the build stage checks it and fails otherwise.
ARG NODE_VERSION=24.21.0
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6
# tini from Debian bookworm, pinned (apt-cache policy tini in the base image shows the candidate).
ARG TINI_VERSION=0.19.0-1+b3

# Build stage: every dependency (dev ones too: the TypeScript compiler), then `npm run build` to dist/.
FROM ${NODE_IMAGE} AS build
ARG NODE_VERSION
# A digest of another version (or a placeholder) stops the build here, loudly.
RUN test "$(node --version)" = "v${NODE_VERSION}" \
 || { echo "NODE_IMAGE runs $(node --version), not v${NODE_VERSION}: fix NODE_VERSION or the digest" >&2; exit 1; }
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Run stage: production dependencies and the compiled dist/ only; no TypeScript sources, no compiler.
FROM ${NODE_IMAGE}
ARG TINI_VERSION
# tini as PID 1 forwards SIGTERM to node and reaps children: node as PID 1 ignores a
# SIGTERM it has no handler for, so `sync` would only stop at the kill after the grace period.
RUN apt-get update \
 && apt-get install -y --no-install-recommends "tini=${TINI_VERSION}" \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no production dependency needs an install script (bunyan's optional
# dtrace-provider would try a native build and fail harmlessly); nothing runs at build time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The CLI on PATH, as package.json's "bin" names it (npm ci does not link a package's own
# bin), so the README's `kubectl exec … -- confluence-connector explain …` works in the pod.
# `npm run build` makes dist/cli.js executable; its shebang runs node.
RUN ln -s /app/dist/cli.js /usr/local/bin/confluence-connector
# The image's `node` user, by number so Kubernetes' runAsNonRoot can verify it (k8s runs it as 1000 too).
USER 1000:1000
# The daemon's HTTP port (`start`): /probe, /health, /metrics. Set PORT to change it.
EXPOSE 51349
# No HEALTHCHECK on purpose: Kubernetes ignores it; the liveness and readiness probes on
# /probe (k8s/deployment.yaml) do that job, and one-shot `sync` runs have no server to check.
# The heap cap (768 MB) stays below the pod's 1Gi memory limit so V8 collects hard and
# fails with a heap error before the kernel OOM-kills the container.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-old-space-size=768", "dist/cli.js"]
# The daemon by default; `docker run IMAGE sync --tenant acme` runs one cycle instead.
CMD ["start"]
