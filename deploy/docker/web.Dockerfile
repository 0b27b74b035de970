# syntax=docker/dockerfile:1
# The web client built once, served two ways by an unprivileged nginx on port 8080:
#   --target web    the static files alone (behind a Kubernetes Ingress)
#   --target proxy  the entry point of compose and Swarm: the static files and /api to the api
#                   replicas, with the routing in deploy/nginx shared with the local topology
# Build from the repository root: docker build -f deploy/docker/web.Dockerfile --target proxy .
ARG NODE_IMAGE=node:24.22-bookworm-slim
ARG NGINX_IMAGE=nginx:1.27-bookworm

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY server/package.json server/
COPY web/package.json web/
COPY e2e/package.json e2e/
COPY deploy/package.json deploy/
RUN npm ci --no-audit --no-fund --workspace web --include-workspace-root
COPY tsconfig.base.json ./
COPY web web
RUN npm run build --workspace web

FROM ${NGINX_IMAGE} AS web
ARG REVISION=unknown
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="fibstack-web" \
      org.opencontainers.image.description="fibstack web client (static files)" \
      org.opencontainers.image.source="https://github.com/fibstack/fibstack" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY deploy/docker/web.nginx.conf /etc/nginx/nginx.conf
COPY --from=build /app/web/dist /usr/share/fibstack/web
USER 101:101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
CMD ["nginx", "-g", "daemon off;"]

FROM ${NGINX_IMAGE} AS proxy
ARG REVISION=unknown
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="fibstack-proxy" \
      org.opencontainers.image.description="fibstack entry point: web client and /api reverse proxy" \
      org.opencontainers.image.source="https://github.com/fibstack/fibstack" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY deploy/nginx/fibstack.conf.template deploy/nginx/routes.conf /etc/nginx/fibstack/
COPY deploy/docker/proxy-entrypoint.sh /usr/local/bin/fibstack-proxy
COPY deploy/docker/nginx-follow.sh /usr/local/bin/nginx-follow.sh
COPY --from=build /app/web/dist /usr/share/fibstack/web
# Where the api replicas answer: one or more host:port separated by spaces. NGINX_API_RATE: the
# requests per second one client address may make to /api (with a burst allowance in routes.conf).
# NGINX_WORKERS: nginx's worker processes, one per CPU of the container's limit (`auto` would count
# the host's cores, whatever the limit).
ENV API_UPSTREAMS=api:3050 NGINX_API_RATE=20r/s NGINX_WORKERS=1
USER 101:101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["fibstack-proxy"]
