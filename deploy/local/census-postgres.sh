#!/usr/bin/env bash
# A private PostgreSQL with pg_stat_statements preloaded, for `just bench`'s census of the
# statements one checkout costs (the shared server does not preload it, and loading it needs a
# restart). Same PostgreSQL version and defaults as the shared server; nothing else uses it.
#   census-postgres.sh start DIR PORT   initdb (if needed) and start
#   census-postgres.sh stop DIR
set -euo pipefail

as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups "$@"
    else
        "$@"
    fi
}

pg="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
dir="$2"
case "$1" in
    start)
        port="$3"
        mkdir -p "$dir"
        [ "$(id -u)" = "0" ] && chown postgres:postgres "$dir"
        if [ ! -f "$dir/data/PG_VERSION" ]; then
            as_postgres "$pg/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$dir/initdb.log"
        fi
        as_postgres "$pg/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
            "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top" \
            start >/dev/null
        ;;
    stop)
        [ -d "$dir/data" ] && as_postgres "$pg/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
        ;;
    *)
        echo "usage: $0 start DIR PORT | stop DIR" >&2
        exit 2
        ;;
esac
