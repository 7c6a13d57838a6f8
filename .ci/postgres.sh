# A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, listening on a
# Unix socket only, fsync off. Source this file; it exports DXSYNTH_TEST_PG and stops the server
# (and removes the folder) when the sourcing shell exits.
#
# The server binaries come from PATH or Debian's `postgresql` package (installed when missing
# and we are root). initdb refuses to run as root, so the cluster belongs to the `postgres`
# user when there is one, else to `nobody`.

pg_bin_dir() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    done
    return 1
}

if ! PG_BIN=$(pg_bin_dir); then
    if [ "${DXSYNTH_PG_INSTALL:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "postgres: installing Debian's postgresql package" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    fi
    PG_BIN=$(pg_bin_dir) || { echo "postgres: no initdb/pg_ctl found" >&2; return 1; }
fi

PG_DIR=$(mktemp -d /tmp/dxsynth-pg.XXXXXX)
chmod 755 "$PG_DIR"
PG_USER=$(id -un)
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    if id postgres >/dev/null 2>&1; then PG_USER=postgres; else PG_USER=nobody; fi
    chown "$PG_USER" "$PG_DIR"
    as_pg() { runuser -u "$PG_USER" -- "$@"; }
fi

stop_postgres() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
trap stop_postgres EXIT

as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }

export DXSYNTH_TEST_PG="postgresql:///postgres?host=$PG_DIR&user=$PG_USER"
export DXSYNTH_PG_BIN="$PG_BIN"
echo "postgres: $("$PG_BIN/pg_ctl" --version) running, DXSYNTH_TEST_PG=$DXSYNTH_TEST_PG" >&2
