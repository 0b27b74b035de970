#!/bin/sh
# Secrets arrive as files (Docker and Swarm secrets, Kubernetes volumes). The server reads the _FILE
# variants of its own secrets (FILE_VARIANTS in server/src/config.ts, the same list as here); this gives
# them to everything the image runs (the CLI, pg_dump and pg_restore among them) as VAR, with the file's
# content read as the server reads it: white space around it dropped, a missing or empty file refused,
# and VAR and VAR_FILE both set refused. Other programs' _FILE variables (SSL_CERT_FILE, the AWS SDK's)
# name files, and stay as they are. Then it runs the command.
set -eu
for name in ADMIN_USER ADMIN_PASSWORD SENTRY_DSN S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY BACKUP_SIGNING_KEY DATABASE_URL REDIS_URL; do
  file="$(printenv "${name}_FILE" || true)"
  [ -n "$file" ] || continue
  if [ -n "$(printenv "$name" || true)" ]; then
    echo "${name}_FILE: set ${name} or ${name}_FILE, not both" >&2
    exit 1
  fi
  if [ ! -r "$file" ] || [ -d "$file" ]; then
    echo "${name}_FILE: cannot read $file" >&2
    exit 1
  fi
  # The whole content trimmed at both ends, as String.prototype.trim does; $(...) drops the final newlines.
  value="$(cat "$file")"
  value="${value#"${value%%[![:space:]]*}"}"
  value="${value%"${value##*[![:space:]]}"}"
  if [ -z "$value" ]; then
    echo "${name}_FILE: $file is empty" >&2
    exit 1
  fi
  export "$name=$value"
  unset "${name}_FILE"
done
exec "$@"
