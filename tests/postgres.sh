# A throwaway PostgreSQL for the tests: a fresh cluster in a temp dir, on 127.0.0.1 only.
#
# Source it (bash) to start one in the current shell; it exports TEST_DATABASE_URL and stops
# the server when the shell exits (or call pg_test_stop):
#     source tests/postgres.sh
#     .venv/bin/python -m pytest tests/store -q
# Or run one command against it, stopped afterwards:
#     bash tests/postgres.sh .venv/bin/python -m pytest tests/store -q
#
# As root it installs Debian's postgresql package when no initdb is found, and runs the server
# as the "postgres" user (PostgreSQL refuses to run as root). The role "bot" may create
# databases, which tests/postgres.py uses to give each test an empty one.

pg_test_start() {
    local bindir initdb_path
    initdb_path=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$initdb_path" ] && command -v initdb >/dev/null; then
        initdb_path=$(command -v initdb)
    fi
    if [ -z "$initdb_path" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "tests/postgres.sh: no initdb found; install PostgreSQL (apt-get install postgresql)" >&2
            return 1
        fi
        echo "tests/postgres.sh: installing PostgreSQL (apt-get) ..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
            || return 1
        initdb_path=$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
    fi
    bindir=$(dirname "$initdb_path")

    PG_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pg-test.XXXXXX")
    local as_owner=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$PG_TEST_DIR"
        as_owner=(runuser -u postgres --)
    fi
    PG_TEST_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local password
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

    "${as_owner[@]}" "$bindir/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --no-instructions >"$PG_TEST_DIR/initdb.log" 2>&1 \
        || { cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
    # fsync off: a test cluster is thrown away, so durability only costs time here. Autovacuum
    # off: a worker it starts in a test's fresh database has no role, so the test's
    # `DROP DATABASE ... WITH (FORCE)` (tests/postgres.py) may not terminate it, and failed once.
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_TEST_PORT -c unix_socket_directories=$PG_TEST_DIR -c fsync=off -c autovacuum=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$PG_TEST_DIR/server.log" >&2; return 1; }
    PG_TEST_PG_CTL="$bindir/pg_ctl"
    PG_TEST_AS_OWNER="${as_owner[*]}"
    "${as_owner[@]}" "$bindir/psql" -q -v ON_ERROR_STOP=1 -h "$PG_TEST_DIR" -p "$PG_TEST_PORT" \
        -U postgres -d postgres \
        -c "CREATE ROLE bot LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE bot_test OWNER bot" >/dev/null || return 1
    export TEST_DATABASE_URL="postgresql+psycopg://bot:$password@127.0.0.1:$PG_TEST_PORT/bot_test"
    echo "tests/postgres.sh: PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') on 127.0.0.1:$PG_TEST_PORT (data in $PG_TEST_DIR)" >&2
}

pg_test_stop() {
    [ -n "${PG_TEST_DIR:-}" ] || return 0
    # shellcheck disable=SC2086 # PG_TEST_AS_OWNER is a word list on purpose
    $PG_TEST_AS_OWNER "$PG_TEST_PG_CTL" -D "$PG_TEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TEST_DIR"
    unset PG_TEST_DIR PG_TEST_PORT TEST_DATABASE_URL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then  # executed: run the given command against it
    set -euo pipefail
    trap pg_test_stop EXIT
    pg_test_start
    if [ "$#" -gt 0 ]; then
        "$@"
    fi
else  # sourced: the caller's shell owns the server until it exits
    trap pg_test_stop EXIT
    pg_test_start || { pg_test_stop; return 1; }
fi
