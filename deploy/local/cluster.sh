#!/usr/bin/env bash
# The production topology on one machine, for `just cluster` and `just cluster-test`:
# PostgreSQL primary + streaming replica, PgBouncer (transaction mode, prepared statements),
# a 3-master Redis Cluster, the Alipay sandbox as its own process, 3 API instances, 2 workers
# and HAProxy health-checking /readyz. Everything runs from <dir> (default <target>/cluster) and
# is stopped by pid.
#
# Usage: deploy/local/cluster.sh up|down|status [<dir>]
#        deploy/local/cluster.sh <control> [<name>]   (on the cluster in CLUSTER_DIR or <target>/cluster)
#   controls, for the fault scenarios of `just cluster-test`:
#     kill <name>      kill -9 api1..api3 or worker1..worker2
#     term <name>      SIGTERM, then wait until it has exited (it drains first)
#     start <name>     start it again, and wait for an API instance to be ready
#     stop-replica / start-replica, freeze-primary / thaw-primary (SIGSTOP / SIGCONT)
#   LUFFY_BIN_DIR   where luffy and luffy-alipay-sandbox are (default <target>/debug)
#   CLUSTER_PORT    first port of the block used (default 18000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$(cd "$root" && cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
command="${1:-status}"
case "$command" in
    up|down|status) dir="${2:-${CLUSTER_DIR:-$target/cluster}}" ;;
    *) dir="${CLUSTER_DIR:-$target/cluster}"; name="${2:-}" ;;
esac
dir="$(realpath -m "$dir")"
bin="${LUFFY_BIN_DIR:-$target/debug}"
base="${CLUSTER_PORT:-18000}"
# A running cluster keeps the port block it was started with.
if [ "$command" != "up" ] && [ -f "$dir/cluster.env" ]; then
    base="$(sed -n 's/^CLUSTER_PORT=//p' "$dir/cluster.env")"
    bin="$(sed -n 's/^CLUSTER_BIN_DIR=//p' "$dir/cluster.env")"
fi

# The port plan.
haproxy_port=$base
haproxy_stats=$((base + 1))
api_ports=($((base + 11)) $((base + 12)) $((base + 13)))
sandbox_port=$((base + 20))
pg_primary=$((base + 32))
pg_replica=$((base + 33))
pgbouncer_port=$((base + 34))
redis_ports=($((base + 41)) $((base + 42)) $((base + 43)))

as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups "$@"
    else
        "$@"
    fi
}

pg_bin() {
    ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1
}

wait_port() {
    local port=$1 what=$2
    for _ in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "$what did not start on port $port" >&2
    return 1
}

start_bg() {
    # start_bg <name> <command...>: runs in the background with its log and pid file.
    local name=$1
    shift
    setsid nohup "$@" >"$dir/logs/$name.log" 2>&1 &
    echo $! >"$dir/pids/$name.pid"
}

luffy_env() {
    # The settings every luffy process of the cluster shares.
    export LUFFY_DATABASE_URL="postgres://postgres@127.0.0.1:$pgbouncer_port/luffy"
    export LUFFY_DATABASE_MIGRATION_URL="postgres://postgres@127.0.0.1:$pg_primary/luffy"
    export LUFFY_DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$pg_replica/luffy"
    export LUFFY_DATABASE_POOL_SIZE=10
    export LUFFY_DATABASE_REPLICA_POOL_SIZE=4
    export LUFFY_REDIS_CLUSTER_NODES="redis://127.0.0.1:${redis_ports[0]},redis://127.0.0.1:${redis_ports[1]},redis://127.0.0.1:${redis_ports[2]}"
    export LUFFY_REDIS_PREFIX="cluster:"
    export LUFFY_PUBLIC_URL="http://127.0.0.1:$haproxy_port"
    export LUFFY_ALIPAY_GATEWAY="http://127.0.0.1:$sandbox_port/sandbox/alipay/gateway.do"
    export LUFFY_ALIPAY_SELLER_ID="2088000000000000"
    # WeChat Pay's sandbox is in-process only: off in the shared topology.
    export LUFFY_WECHAT_MCHID=""
    export LUFFY_KEYS_DIR="$dir/keys"
    export LUFFY_MEDIA_DIR="$dir/media"
    export LUFFY_JWT_SECRET="${LUFFY_JWT_SECRET:-cluster-development-secret-0123456789abcdef}"
    export LUFFY_SHUTDOWN_DRAIN_SECS="${LUFFY_SHUTDOWN_DRAIN_SECS:-3}"
    export LUFFY_HTTP_WORKERS=2
    # Every test buyer registers from this one address.
    export LUFFY_SMS_DAILY_PER_ADDRESS=1000000
    export LUFFY_WORKER_POLL_MS=200
    # Short enough for the tests to see a killed worker's lease reclaimed and the sweep run.
    export LUFFY_WORKER_LEASE_SECS=5
    export LUFFY_SWEEP_INTERVAL_SECS=2
    export LUFFY_DATABASE_STATEMENT_TIMEOUT_MS=2000
    export LUFFY_DATABASE_TIMEOUT_SECS=2
    export RUST_LOG="${RUST_LOG:-info}"
}

start_luffy() {
    # start_luffy api1..api3|worker1..worker2: one luffy process of the cluster (logs appended),
    # in a session of its own so that it outlives whoever started it (a test, a shell).
    local name=$1
    luffy_env
    case "$name" in
        api[1-3])
            local port=${api_ports[$((${name#api} - 1))]}
            LUFFY_LISTEN="127.0.0.1:$port" LUFFY_WORKER=false \
                setsid nohup "$bin/luffy" serve >>"$dir/logs/$name.log" 2>&1 &
            ;;
        worker[1-2])
            setsid nohup "$bin/luffy" worker >>"$dir/logs/$name.log" 2>&1 &
            ;;
        *) echo "unknown process $name (api1..api3, worker1..worker2)" >&2; exit 2 ;;
    esac
    echo $! >"$dir/pids/$name.pid"
}

ready() {
    # ready <port>: waits until the instance's /readyz answers 200.
    for _ in $(seq 1 300); do
        curl -sf -o /dev/null "http://127.0.0.1:$1/readyz" && return 0
        sleep 0.1
    done
    echo "the instance on port $1 did not become ready" >&2
    return 1
}

primary_pids() {
    local postmaster
    postmaster="$(head -n 1 "$dir/pg/primary/postmaster.pid")"
    echo "$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"
}

control() {
    [ -f "$dir/cluster.env" ] || { echo "no cluster up in $dir" >&2; exit 1; }
    local pg
    pg="$(pg_bin)"
    case "$command" in
        kill) kill -9 "$(cat "$dir/pids/$name.pid")" ;;
        term)
            local pid
            pid="$(cat "$dir/pids/$name.pid")"
            kill -TERM "$pid"
            for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
            echo "$name did not stop within 30 s of SIGTERM; killed" >&2
            kill -9 "$pid"
            return 1
            ;;
        start)
            start_luffy "$name"
            case "$name" in api*) ready "${api_ports[$((${name#api} - 1))]}" ;; esac
            ;;
        stop-replica) as_postgres "$pg/pg_ctl" -D "$dir/pg/replica" -m fast -w stop >/dev/null ;;
        start-replica)
            as_postgres "$pg/pg_ctl" -D "$dir/pg/replica" -l "$dir/logs/pg-replica.log" -w -o \
                "-p $pg_replica -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
            ;;
        freeze-primary)
            primary_pids >"$dir/pg/frozen.pids"
            # shellcheck disable=SC2046
            kill -STOP $(cat "$dir/pg/frozen.pids")
            ;;
        thaw-primary)
            # shellcheck disable=SC2046
            if [ -f "$dir/pg/frozen.pids" ]; then kill -CONT $(cat "$dir/pg/frozen.pids") || true; fi
            rm -f "$dir/pg/frozen.pids"
            ;;
    esac
}

up() {
    if [ -f "$dir/cluster.env" ]; then
        echo "a cluster is already up in $dir (deploy/local/cluster.sh down first)" >&2
        exit 1
    fi
    for binary in luffy luffy-alipay-sandbox; do
        [ -x "$bin/$binary" ] || { echo "$bin/$binary is missing: cargo build --workspace" >&2; exit 1; }
    done
    command -v haproxy >/dev/null || { echo "haproxy is missing: apt-get install haproxy" >&2; exit 1; }
    local pgbouncer
    pgbouncer="$("$here/pgbouncer-build.sh" "$target/pgbouncer")"
    rm -rf "$dir"
    mkdir -p "$dir/pids" "$dir/logs" "$dir/pg" "$dir/redis" "$dir/keys" "$dir/media"
    chmod 777 "$dir/logs"
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$dir/pg"

    # PostgreSQL primary and its streaming replica.
    local pg
    pg="$(pg_bin)"
    as_postgres "$pg/initdb" -D "$dir/pg/primary" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$dir/logs/initdb.log"
    as_postgres "$pg/pg_ctl" -D "$dir/pg/primary" -l "$dir/logs/pg-primary.log" -w -o \
        "-p $pg_primary -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
    as_postgres "$pg/pg_basebackup" -h 127.0.0.1 -p "$pg_primary" -U postgres -D "$dir/pg/replica" -R -X stream --no-sync --checkpoint=fast
    as_postgres "$pg/pg_ctl" -D "$dir/pg/replica" -l "$dir/logs/pg-replica.log" -w -o \
        "-p $pg_replica -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null

    # PgBouncer in transaction mode with prepared statements.
    printf '"postgres" ""\n' >"$dir/pg/userlist.txt"
    cat >"$dir/pg/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$pg_primary
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgbouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $dir/pg/userlist.txt
admin_users = postgres
pool_mode = transaction
max_prepared_statements = 200
max_client_conn = 1000
default_pool_size = 40
ignore_startup_parameters = extra_float_digits
logfile = $dir/logs/pgbouncer.log
pidfile = $dir/pg/pgbouncer.pid
EOF
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$dir/pg/userlist.txt" "$dir/pg/pgbouncer.ini"
    as_postgres "$pgbouncer" -d "$dir/pg/pgbouncer.ini"
    wait_port "$pgbouncer_port" PgBouncer

    # A 3-master Redis Cluster.
    for port in "${redis_ports[@]}"; do
        redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
            --cluster-config-file "$dir/redis/nodes-$port.conf" --save "" --appendonly no \
            --dir "$dir/redis" --daemonize yes --pidfile "$dir/pids/redis-$port.pid" \
            --logfile "$dir/logs/redis-$port.log"
        wait_port "$port" "redis-server"
    done
    redis-cli --cluster create "${redis_ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >"$dir/logs/redis-cluster-create.log"
    for _ in $(seq 1 100); do
        redis-cli -p "${redis_ports[0]}" cluster info | grep -q cluster_state:ok && break
        sleep 0.1
    done

    # Keys, schema, demo data (migrations straight to the primary).
    luffy_env
    "$bin/luffy" keys >"$dir/logs/keys.log" 2>&1
    "$bin/luffy" migrate >"$dir/logs/migrate.log" 2>&1
    "$bin/luffy" seed >"$dir/logs/seed.log" 2>&1

    # The Alipay sandbox, shared by every instance.
    SANDBOX_LISTEN="127.0.0.1:$sandbox_port" start_bg sandbox "$bin/luffy-alipay-sandbox"
    wait_port "$sandbox_port" "the Alipay sandbox"

    # Three API instances and two workers.
    for name in api1 api2 api3; do start_luffy "$name"; done
    for port in "${api_ports[@]}"; do wait_port "$port" "luffy serve"; done
    start_luffy worker1
    start_luffy worker2

    # HAProxy: /readyz checks every 500 ms; no retries or redispatch, so what a buyer would
    # see is what the tests see.
    {
        cat <<EOF
global
    maxconn 4096
    pidfile $dir/pids/haproxy.pid
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 0
    option http-keep-alive
frontend luffy
    bind 127.0.0.1:$haproxy_port
    default_backend api
frontend stats
    bind 127.0.0.1:$haproxy_stats
    stats enable
    stats uri /stats
backend api
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 1 rise 2
EOF
        i=0
        for port in "${api_ports[@]}"; do
            i=$((i + 1))
            echo "    server api$i 127.0.0.1:$port check"
        done
    } >"$dir/haproxy.cfg"
    haproxy -f "$dir/haproxy.cfg" -D
    wait_port "$haproxy_port" HAProxy

    cat >"$dir/cluster.env" <<EOF
CLUSTER_DIR=$dir
CLUSTER_PORT=$base
CLUSTER_BIN_DIR=$bin
CLUSTER_URL=http://127.0.0.1:$haproxy_port
CLUSTER_API_PORTS=${api_ports[*]}
CLUSTER_PRIMARY_URL=postgres://postgres@127.0.0.1:$pg_primary/luffy
CLUSTER_REPLICA_URL=postgres://postgres@127.0.0.1:$pg_replica/luffy
CLUSTER_PGBOUNCER_URL=postgres://postgres@127.0.0.1:$pgbouncer_port/luffy
CLUSTER_REDIS_PORTS=${redis_ports[*]}
CLUSTER_SANDBOX_URL=http://127.0.0.1:$sandbox_port
CLUSTER_HAPROXY_STATS=http://127.0.0.1:$haproxy_stats/stats
CLUSTER_JWT_SECRET=$LUFFY_JWT_SECRET
EOF
    # Ready when HAProxy sees all three instances up.
    for _ in $(seq 1 100); do
        up_count=$(curl -s "http://127.0.0.1:$haproxy_stats/stats;csv" | grep -c '^api,api[0-9],.*,UP,' || true)
        [ "$up_count" = "3" ] && break
        sleep 0.2
    done
    echo "luffy cluster is up ($dir):"
    echo "  API through HAProxy   http://127.0.0.1:$haproxy_port   (stats http://127.0.0.1:$haproxy_stats/stats)"
    echo "  API instances         ${api_ports[*]}"
    echo "  PostgreSQL primary    postgres://postgres@127.0.0.1:$pg_primary/luffy"
    echo "  PostgreSQL replica    postgres://postgres@127.0.0.1:$pg_replica/luffy"
    echo "  PgBouncer             postgres://postgres@127.0.0.1:$pgbouncer_port/luffy"
    echo "  Redis Cluster         ${redis_ports[*]}"
    echo "  Alipay sandbox        http://127.0.0.1:$sandbox_port/sandbox/alipay/"
}

down() {
    [ -d "$dir" ] || { echo "no cluster in $dir"; return 0; }
    # shellcheck disable=SC2046
    if [ -f "$dir/pg/frozen.pids" ]; then kill -CONT $(cat "$dir/pg/frozen.pids") 2>/dev/null || true; fi
    for pidfile in "$dir"/pids/*.pid "$dir/pg/pgbouncer.pid"; do
        [ -f "$pidfile" ] || continue
        kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    local pg
    pg="$(pg_bin)"
    for data in replica primary; do
        [ -d "$dir/pg/$data" ] && as_postgres "$pg/pg_ctl" -D "$dir/pg/$data" -m fast -w stop >/dev/null 2>&1 || true
    done
    sleep 0.5
    for pidfile in "$dir"/pids/*.pid; do
        [ -f "$pidfile" ] || continue
        kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    done
    rm -f "$dir/cluster.env"
    echo "luffy cluster stopped ($dir)"
}

status() {
    [ -f "$dir/cluster.env" ] || { echo "no cluster up in $dir"; return 0; }
    cat "$dir/cluster.env"
    for pidfile in "$dir"/pids/*.pid; do
        name="$(basename "$pidfile" .pid)"
        if kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "  $name: running"; else echo "  $name: stopped"; fi
    done
}

case "$command" in
    up) up ;;
    down) down ;;
    status) status ;;
    kill|term|start|stop-replica|start-replica|freeze-primary|thaw-primary) control ;;
    *) echo "usage: $0 up|down|status [dir] | kill|term|start <name> | stop-replica|start-replica|freeze-primary|thaw-primary" >&2; exit 2 ;;
esac
