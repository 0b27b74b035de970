# syntax=docker/dockerfile:1
# The entry point of the distributed topology: / to the web client, /api to the api replicas.
# Build from the repository root: docker build -f deploy/docker/proxy.Dockerfile .
ARG NGINX_IMAGE=nginx:1.27-bookworm
FROM ${NGINX_IMAGE}
ARG REVISION=unknown
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="fibstack-proxy" \
      org.opencontainers.image.description="fibstack reverse proxy (nginx)" \
      org.opencontainers.image.source="https://github.com/fibstack/fibstack" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY deploy/docker/proxy.nginx.conf /etc/nginx/nginx.conf
COPY deploy/docker/proxy.upstreams.conf /etc/nginx/fibstack/upstreams.conf
USER 101:101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
CMD ["nginx", "-g", "daemon off;"]
