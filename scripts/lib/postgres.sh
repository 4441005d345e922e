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
# `ensure_gavel_database` then makes the bot's database with two login roles: `gavel_owner`,
# which owns the tables and runs migrations (DATABASE_OWNER_URL), and `gavel`, which the bot
# runs as (DATABASE_URL) and which Gavel grants only what it needs, so it cannot switch off the
# append-only triggers on evidence and events (README → Evidence).

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

# Runs SQL as a superuser: through `$1` (a URL that logs in as one), or the local socket.
gavel_pg_superuser_sql() {
  local url=$1 sql=$2 database=${3:-postgres}
  if gavel_pg_can_connect "$url" && [ "$(psql "$url" -Atqc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" = t ]; then
    psql "${url%/*}/$database" -v ON_ERROR_STOP=1 -Atqc "$sql"
  elif [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- psql -p 5432 -d "$database" -v ON_ERROR_STOP=1 -Atqc "$sql"
  else
    sudo -u postgres psql -p 5432 -d "$database" -v ON_ERROR_STOP=1 -Atqc "$sql"
  fi
}

# Creates (once) the roles `gavel_owner` and `gavel` and the database `gavel` owned by
# `gavel_owner`, and exports DATABASE_OWNER_URL and DATABASE_URL for them. A database from
# before the split (tables owned by `gavel`) is handed to `gavel_owner`. Needs DATABASE_URL to
# point at the server (ensure_postgres) and a way in as a superuser.
ensure_gavel_database() {
  local server_url=$DATABASE_URL
  local host=${server_url#*://}
  host=${host#*@}
  host=${host%%/*}
  gavel_pg_superuser_sql "$server_url" "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gavel_owner') THEN
        CREATE ROLE gavel_owner LOGIN PASSWORD 'gavel_owner';
      END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gavel') THEN
        CREATE ROLE gavel LOGIN PASSWORD 'gavel';
      END IF;
    END \$\$;" >/dev/null || return 1
  if [ "$(gavel_pg_superuser_sql "$server_url" "SELECT 1 FROM pg_database WHERE datname = 'gavel'")" != 1 ]; then
    gavel_pg_superuser_sql "$server_url" 'CREATE DATABASE gavel OWNER gavel_owner' >/dev/null || return 1
  fi
  gavel_pg_superuser_sql "$server_url" "ALTER DATABASE gavel OWNER TO gavel_owner;
      ALTER SCHEMA public OWNER TO gavel_owner;
      REASSIGN OWNED BY gavel TO gavel_owner;" gavel >/dev/null || return 1
  export DATABASE_OWNER_URL="postgres://gavel_owner:gavel_owner@$host/gavel"
  export DATABASE_URL="postgres://gavel:gavel@$host/gavel"
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
