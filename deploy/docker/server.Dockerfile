# syntax=docker/dockerfile:1
# One image for every server role: ROLE=api|worker|all picks what the process runs.
# Build from the repository root: docker build -f deploy/docker/server.Dockerfile .
ARG NODE_IMAGE=node:24.22-bookworm-slim

# Every workspace manifest, so `npm ci` sees the lockfile's whole tree and its cache layer survives
# source edits.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY server/package.json server/
COPY web/package.json web/
COPY e2e/package.json e2e/
COPY deploy/package.json deploy/

# Every dependency of the server and the web client: compilers, bundler, and the watchers the
# development compose file runs (the e2e and deploy workspaces' tools stay out).
FROM manifests AS dev
RUN npm ci --no-audit --no-fund --workspace server --workspace web --include-workspace-root
COPY tsconfig.base.json ./
COPY server server
COPY web web
# Vite keeps its dependency cache under web/node_modules; the unprivileged user must own it.
RUN mkdir -p web/node_modules && chown -R node:node web/node_modules
USER node
# tsx itself is PID 1, not npm: npm would pass a stop's SIGTERM to its script's shell alone, which dies
# of it, and the server would be killed with the container instead of stopping gracefully.
CMD ["node_modules/.bin/tsx", "watch", "server/src/main.ts"]

# The web client is built here too, so ROLE=all serves the whole app from this one image.
FROM dev AS build
USER root
RUN npm run build

# The GMP engine: an N-API addon built against this image's Node. From F(10^6) up it computes and
# converts 2.5-3x faster than the BigInt engine on two threads, 4-5x faster than on one
# (docs/benchmarks.md). The compilers stay in this stage, whose layers change only with the
# manifests and server/native; the runtime needs only libgmp10, which Debian's coreutils depends on.
FROM manifests AS native
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends g++ make python3 libgmp-dev >/dev/null \
 && rm -rf /var/lib/apt/lists/*
# node-gyp, at the lockfile's version.
RUN npm ci --no-audit --no-fund --ignore-scripts --workspace server
COPY server/native server/native
RUN npm run build:native --workspace server

# Production dependencies of the server alone.
FROM manifests AS runtime-deps
RUN npm ci --no-audit --no-fund --omit=dev --workspace server

FROM ${NODE_IMAGE} AS runtime
ARG REVISION=unknown
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="fibstack-server" \
      org.opencontainers.image.description="fibstack API and worker (ROLE=api|worker|all)" \
      org.opencontainers.image.source="https://github.com/fibstack/fibstack" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# Errors are reported under the release they come from (SENTRY_RELEASE set at run time wins). A
# container listens on every interface (the service's own default is this machine alone).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3050 SENTRY_RELEASE=fibstack@${VERSION}+${REVISION}
WORKDIR /app
COPY --from=runtime-deps /app/node_modules node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/server/package.json server/
COPY --from=build /app/server/dist server/dist
COPY --from=native /app/server/native/build/Release/fibgmp.node server/native/build/Release/fibgmp.node
COPY --from=build /app/web/dist web/dist
COPY deploy/docker/server-entrypoint.sh /usr/local/bin/fibstack-entrypoint
USER node
EXPOSE 3050
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/api/health`).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["fibstack-entrypoint"]
CMD ["node", "server/dist/main.js"]
