#!/usr/bin/env bash
# Bring up the servers Interlude needs on this machine: `ensure-services.sh rabbitmq postgres`
# (and `chromium`, the browser the web app's end-to-end tests drive).
# A server already listening is left alone; an installed one is started; a missing one is
# installed from Debian's packages when running as root, otherwise we stop with a clear message.
set -euo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local name=$1 port=$2
  for _ in $(seq 1 90); do
    listening "$port" && return 0
    sleep 1
  done
  echo "error: $name did not start listening on 127.0.0.1:$port within 90 s" >&2
  exit 1
}

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

apt_install() {
  echo "installing $* from Debian's packages..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# RabbitMQ 3.10's file handle cache reserves three handles for every quorum queue and serves no new
# connection or vhost once its limit (about 90 % of the process's open-file limit) is used up. Started with
# the usual limit of 1024, the broker stops at about 300 quorum queues; a test run declares more.
BROKER_FILE_HANDLES=20000
BROKER_LIMITS_FILE=/etc/security/limits.d/interlude-rabbitmq.conf

broker_file_handle_limit() {
  timeout 60 rabbitmqctl eval -q \
    'proplists:get_value(total_limit, file_handle_cache:info([total_limit])).' 2>/dev/null || echo 0
}

start_rabbitmq() {
  # The Debian wrapper starts the broker through `su rabbitmq`, whose pam_limits reads this file.
  if [ "$(id -u)" = 0 ] && [ -d /etc/security/limits.d ]; then
    local limit
    limit=$(ulimit -Hn)
    [ "$limit" = unlimited ] || [ "$limit" -gt "$BROKER_FILE_HANDLES" ] && limit=$BROKER_FILE_HANDLES
    printf 'rabbitmq soft nofile %s\nrabbitmq hard nofile %s\n' "$limit" "$limit" > "$BROKER_LIMITS_FILE"
  fi
  echo "starting RabbitMQ..." >&2
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for_port RabbitMQ 5672
  rabbitmqctl await_startup >/dev/null 2>&1 || true
}

ensure_broker_file_handles() {
  local limit
  limit=$(broker_file_handle_limit)
  [ "$limit" -ge $((BROKER_FILE_HANDLES / 4)) ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "warning: RabbitMQ can open only $limit files: it stops serving connections at about $((limit / 3))" >&2
    echo "         quorum queues. Restart it with a higher open-file limit (docs/operations.md, \"File handles\")." >&2
    return 0
  fi
  echo "restarting RabbitMQ with an open-file limit of $BROKER_FILE_HANDLES (it had $limit)..." >&2
  timeout 120 rabbitmqctl stop >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do listening 5672 || break; sleep 1; done
  start_rabbitmq
  limit=$(broker_file_handle_limit)
  echo "RabbitMQ's file handle limit is now $limit" >&2
}

ensure_rabbitmq() {
  if listening 5672; then
    command -v rabbitmqctl >/dev/null && ensure_broker_file_handles
    return 0
  fi
  if ! command -v rabbitmq-server >/dev/null; then
    if can_install; then
      apt_install rabbitmq-server
    else
      echo "error: RabbitMQ is not running on 127.0.0.1:5672 and is not installed." >&2
      echo "       Install it (Debian: sudo apt-get install rabbitmq-server) or point AMQP_URI at a broker." >&2
      exit 1
    fi
  fi
  start_rabbitmq
}

ensure_postgres() {
  listening 5432 && return 0
  local installed_now=no
  if ! command -v pg_ctlcluster >/dev/null; then
    if can_install; then
      apt_install postgresql
      installed_now=yes
    else
      echo "error: PostgreSQL is not running on 127.0.0.1:5432 and is not installed." >&2
      echo "       Install it (Debian: sudo apt-get install postgresql) or set TEST_POSTGRES_URL." >&2
      exit 1
    fi
  fi
  local version
  version=$(ls /etc/postgresql | sort -n | tail -n 1)
  if [ "$installed_now" = yes ]; then
    # A cluster we just installed: let the local test user in over TCP without a password.
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' \
      "/etc/postgresql/$version/main/pg_hba.conf"
  fi
  echo "starting PostgreSQL $version..." >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for_port PostgreSQL 5432
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if can_install; then
    apt_install chromium
  else
    echo "error: /usr/bin/chromium is missing; the web app's browser tests need it." >&2
    echo "       Install it (Debian: sudo apt-get install chromium)." >&2
    exit 1
  fi
}

for service in "$@"; do
  case "$service" in
    rabbitmq) ensure_rabbitmq ;;
    postgres) ensure_postgres ;;
    chromium) ensure_chromium ;;
    *) echo "unknown service: $service" >&2; exit 2 ;;
  esac
done
