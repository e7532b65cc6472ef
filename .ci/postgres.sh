# Sourced by .ci/run: a throwaway PostgreSQL server for the `postgres` tests, on a free loopback port.
#
# Installs Debian's postgresql package when its binaries are missing, creates a cluster in a temporary
# folder owned by the `postgres` user (initdb refuses root), starts it on 127.0.0.1 and exports
# CXMODELS_TEST_POSTGRES_URL for the tests. The server is stopped and its folder removed when the shell exits.
# The Debian cluster `main` (if any) is left alone: this server shares nothing with it.

postgres_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(postgres_bin)" ]; then
    echo "installing PostgreSQL (Debian's postgresql package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(postgres_bin)"
PG_DIR="$(mktemp -d /tmp/cxmodels-postgres.XXXXXX)"
chown postgres: "$PG_DIR"
PG_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_postgres() {
    (cd "$PG_DIR" && runuser -u postgres -- "$@")
}

stop_postgres() {
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
trap stop_postgres EXIT

as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U cxmodels --auth=trust --encoding=UTF8 --no-locale >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" >/dev/null
as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U cxmodels cxmodels
export CXMODELS_TEST_POSTGRES_URL="postgresql+psycopg://cxmodels@127.0.0.1:$PG_PORT/cxmodels"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') at $CXMODELS_TEST_POSTGRES_URL"
