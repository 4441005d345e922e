# Finds a PostgreSQL server for Gavel, starting or installing one when none runs, and exports
# DATABASE_URL pointing at its `postgres` maintenance database (callers pick their own database).
#   1. DATABASE_URL already set: used as it is.
#   2. A server on 127.0.0.1:5432 that lets `postgres` in without a password (trust auth).
#   3. A local cluster (Debian's postgresql-common): started if stopped; a login role with a
#      password is created through the local socket, for clusters that want passwords: `gavel`
#      (may create databases) for the bot, or with `ensure_postgres test` a superuser
#      `gavel_test`, because the evidence tests tamper with rows past the triggers as a
#      superuser would.
#   4. Nothing installed: `apt-get install postgresql` (needs root), then as in 3.

gavel_pg_say() { echo "postgres: $*" >&2; }

gavel_pg_can_connect() {
  command -v psql >/dev/null 2>&1 || return 1
  PGCONNECT_TIMEOUT=3 psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1
}

gavel_pg_port_open() {
  (exec 3<>/dev/tcp/127.0.0.1/5432) >/dev/null 2>&1
}

gavel_pg_as_superuser() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- psql -p 5432 -Atqc "$1"
  else
    sudo -u postgres psql -p 5432 -Atqc "$1"
  fi
}

gavel_pg_start_cluster() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  local line version name status
  line=$(pg_lsclusters --no-header 2>/dev/null | head -n 1)
  [ -n "$line" ] || return 1
  read -r version name _ status _ <<<"$line"
  if [ "$status" != "online" ]; then
    gavel_pg_say "starting cluster $version/$name"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start \
      || pg_ctlcluster "$version" "$name" start
  fi
  for _ in $(seq 1 30); do
    gavel_pg_port_open && return 0
    sleep 1
  done
  gavel_pg_say "cluster $version/$name did not start listening on 127.0.0.1:5432"
  return 1
}

gavel_pg_install() {
  if [ "$(id -u)" != 0 ]; then
    gavel_pg_say "PostgreSQL is not installed; run as root or install it: apt-get install -y postgresql"
    return 1
  fi
  gavel_pg_say "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
}

gavel_pg_ensure_role() {
  local role=$1 attributes=$2
  gavel_pg_as_superuser "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
        CREATE ROLE $role LOGIN $attributes PASSWORD '$role';
      END IF;
    END \$\$;" >/dev/null
}

ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    return 0
  fi
  local role=gavel attributes=CREATEDB
  if [ "${1:-}" = test ]; then
    role=gavel_test attributes=SUPERUSER
  fi
  local trust_url="postgres://postgres@127.0.0.1:5432/postgres"
  local role_url="postgres://$role:$role@127.0.0.1:5432/postgres"
  if gavel_pg_port_open && gavel_pg_can_connect "$trust_url"; then
    export DATABASE_URL="$trust_url"
    return 0
  fi
  if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(pg_lsclusters --no-header 2>/dev/null)" ]; then
    gavel_pg_install || return 1
  fi
  gavel_pg_start_cluster || return 1
  if gavel_pg_can_connect "$trust_url"; then
    export DATABASE_URL="$trust_url"
    return 0
  fi
  gavel_pg_ensure_role "$role" "$attributes" || return 1
  if gavel_pg_can_connect "$role_url"; then
    export DATABASE_URL="$role_url"
    return 0
  fi
  gavel_pg_say "a server runs on 127.0.0.1:5432 but Gavel cannot log in; set DATABASE_URL"
  return 1
}

ensure_cargo() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust 1.94 or newer with rustup (https://rustup.rs), then run this again." >&2
    return 1
  fi
}
