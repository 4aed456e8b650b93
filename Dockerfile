# syntax=docker/dockerfile:1
# rtc-cdn-exporter image: build with dev dependencies, run with production dependencies only.
#
#   docker build -t rtc-cdn-exporter:0.1.0 --build-arg VERSION=0.1.0 \
#     --build-arg REVISION=$(git rev-parse HEAD) --build-arg BRANCH=$(git rev-parse --abbrev-ref HEAD) \
#     --build-arg CREATED=$(date -u +%FT%TZ) .
#
# REVISION, BRANCH and CREATED also reach `--version` and rtc_cdn_exporter_build_info: the build
# stage has no .git, so scripts/write-build-info.mjs reads them from BUILD_* variables.
#
# test/runtime-stage.test.ts reproduces the runtime stage without a Docker engine
# (production-only install of package-lock.json + dist/src, started in demo mode).

ARG NODE_MAJOR=24

# 1. Compile TypeScript (dev dependencies: typescript, @types/*).
FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
ARG REVISION=unknown
ARG BRANCH=unknown
ARG CREATED=unknown
RUN BUILD_REVISION="${REVISION}" BUILD_BRANCH="${BRANCH}" BUILD_DATE="${CREATED}" npm run build

# 2. Production dependencies only, without running install scripts.
FROM node:${NODE_MAJOR}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. Runtime: distroless Node (no shell, no npm, no package manager), UID/GID 65532.
FROM gcr.io/distroless/nodejs${NODE_MAJOR}-debian12:nonroot
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
# The repository URL, if you publish the image (no public home exists yet).
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="rtc-cdn-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Huawei Cloud SparkRTC call quality and Wangsu live CDN stream traffic" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE_URL}"
# The V8 heap grows to several times its live size before a full collection: under Wangsu churn
# at the default max_series that took RSS to ~650 MB with ~130 MB live (README, Reliability).
# A 384 MB old-space cap keeps it below 400 MB; raise it with max_series (NODE_OPTIONS).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=384
WORKDIR /app
# main.js reads its version from /app/package.json.
COPY --chown=0:0 package.json ./
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist/src ./dist/src
COPY --chown=0:0 config.example.yaml ./
# Files are owned by root and read-only to the exporter; nothing is written at run time,
# so the container runs with a read-only root filesystem.
USER 65532:65532
EXPOSE 10187
# The exporter is PID 1 and handles SIGTERM/SIGINT itself (no npm, no shell in between).
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/src/main.js"]
CMD ["--config.file=/etc/rtc-cdn-exporter/config.yaml"]
