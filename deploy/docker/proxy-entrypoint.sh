#!/bin/sh
# Fills in deploy/nginx/fibstack.conf.template for this container (the local topology fills in the
# same template for processes on one machine), then runs nginx on it, following the api replicas'
# addresses. Everything nginx writes lives under /tmp, so the proxy runs unprivileged, with a
# read-only root file system if wanted.
set -eu
servers=""
for upstream in $API_UPSTREAMS; do
  servers="${servers}server ${upstream} max_fails=1 fail_timeout=2s; "
done
sed -e "s|\${NGINX_PID}|/tmp/nginx.pid|" \
    -e "s|\${NGINX_ERROR_LOG}|stderr|" \
    -e "s|\${NGINX_ACCESS_LOG}|/dev/stdout|" \
    -e "s|\${NGINX_MIME_TYPES}|/etc/nginx/mime.types|" \
    -e "s|\${NGINX_TEMP}|/tmp|g" \
    -e "s|\${NGINX_LISTEN}|8080|" \
    -e "s|\${WEB_ROOT}|/usr/share/fibstack/web|" \
    -e "s|\${NGINX_ROUTES}|/etc/nginx/fibstack/routes.conf|" \
    -e "s|\${API_SERVERS}|${servers}|" \
    -e "s|\${NGINX_API_RATE}|${NGINX_API_RATE}|" \
    -e "s|\${NGINX_WORKERS}|${NGINX_WORKERS}|" \
    /etc/nginx/fibstack/fibstack.conf.template > /tmp/nginx.conf
if grep -q '[$][{][A-Z_]*[}]' /tmp/nginx.conf; then
  echo "fibstack-proxy: the template has a placeholder this entrypoint does not fill:" >&2
  grep -n '[$][{][A-Z_]*[}]' /tmp/nginx.conf >&2
  exit 1
fi
hosts=""
for upstream in $API_UPSTREAMS; do hosts="$hosts ${upstream%:*}"; done
# shellcheck disable=SC2086 # one argument per host
exec nginx-follow.sh /tmp/nginx.conf $hosts
