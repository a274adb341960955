#!/bin/sh
# Entry point of the eventlog image: turns EVENTLOG_* environment variables
# into eventlogd flags and execs eventlogd, so that eventlogd is PID 1 and
# receives `docker stop`'s SIGTERM (and `docker kill -s HUP`) itself.
#
#   EVENTLOG_<FLAG>=value  ->  --<flag>=value   (EVENTLOG_DATA_DIR -> --data_dir)
#
# Every flag that `eventlogd --helpfull` lists has its variable, so new flags
# need no change here. Other EVENTLOG_* variables (e.g. Kubernetes service
# links) are ignored with a warning, except the CLI's own EVENTLOG_SERVER and
# EVENTLOG_TOKEN. An empty value leaves the flag at its default. Arguments
# (the container's command) come after the flags from the environment and
# eventlogd keeps the last value, so they win. A first argument that is not a
# flag runs that command instead, e.g. `docker run --rm eventlog eventlog --help`.
set -eu

if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
  exec "$@"
fi

eventlogd=/usr/local/bin/eventlogd
# The flags' names (EVENTLOG_FLAGFILE too), without Abseil's flags about
# flags, which make no sense as variables.
flags=$("$eventlogd" --helpfull 2>/dev/null | sed -n 's/^    --\([a-z0-9_]*\) .*/\1/p' |
  grep -vxE 'fromenv|tryfromenv|undefok' || true)
if [ -z "$flags" ]; then
  echo "eventlogd-entrypoint: cannot list eventlogd's flags (eventlogd --helpfull)" >&2
  exit 1
fi

known=" EVENTLOG_SERVER EVENTLOG_TOKEN "
for flag in $flags; do
  var="EVENTLOG_$(printf '%s' "$flag" | tr '[:lower:]' '[:upper:]')"
  known="$known$var "
  eval "value=\${$var-}"
  if [ -n "$value" ]; then
    set -- "--$flag=$value" "$@"
  fi
done

for var in $(env | sed -n 's/^\(EVENTLOG_[A-Za-z0-9_]*\)=.*/\1/p'); do
  case "$known" in
    *" $var "*) ;;
    *) echo "eventlogd-entrypoint: ignoring $var: eventlogd has no such flag" >&2 ;;
  esac
done

exec "$eventlogd" "$@"
