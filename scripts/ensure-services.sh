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

ensure_rabbitmq() {
  listening 5672 && return 0
  if ! command -v rabbitmq-server >/dev/null; then
    if can_install; then
      apt_install rabbitmq-server
    else
      echo "error: RabbitMQ is not running on 127.0.0.1:5672 and is not installed." >&2
      echo "       Install it (Debian: sudo apt-get install rabbitmq-server) or point AMQP_URI at a broker." >&2
      exit 1
    fi
  fi
  echo "starting RabbitMQ..." >&2
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for_port RabbitMQ 5672
  rabbitmqctl await_startup >/dev/null 2>&1 || true
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
