# luffy: the order, coupon, points and payment back end for course stores.
# `just run` serves the API with demo data; `just test` runs the whole suite.

set shell := ["bash", "-euo", "pipefail", "-c"]

export LUFFY_DATABASE_URL := env_var_or_default("LUFFY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/luffy")
export LUFFY_REDIS_URL := env_var_or_default("LUFFY_REDIS_URL", "redis://127.0.0.1:6379/0")

# Where cargo puts its builds (honours CARGO_TARGET_DIR and .cargo/config).
target_dir := `cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'`

# The crates published for other projects to reuse.
library_crates := "-p luffy-common -p luffy-account -p luffy-catalog -p luffy-cart -p luffy-coupon -p luffy-credit -p luffy-order -p luffy-payment-alipay -p luffy-payment-wechat -p luffy-scheduler"

# List the recipes.
default:
    @just --list

# Start PostgreSQL and Redis when they are not running (apt-get installs them when missing).
services:
    #!/usr/bin/env bash
    set -euo pipefail
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else echo "warning: not root and no sudo; cannot install or start services" >&2; fi
    fi
    apt_install() {
        echo "installing $* with apt-get" >&2
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    }
    # PostgreSQL
    if ! command -v pg_isready >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        apt_install postgresql postgresql-client
    fi
    if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || $SUDO service postgresql start
        for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
        pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start" >&2; exit 1; }
    fi
    # luffy's defaults connect as postgres without a password over TCP (development only).
    if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
        hba=$($SUDO -u postgres psql -Atqc 'SHOW hba_file' 2>/dev/null || su postgres -c "psql -Atqc 'SHOW hba_file'")
        echo "allowing passwordless local TCP connections in $hba (development machine)" >&2
        $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload || $SUDO service postgresql reload
        sleep 1
        psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null
    fi
    # Redis
    if ! command -v redis-server >/dev/null 2>&1; then
        apt_install redis-server
    fi
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        $SUDO mkdir -p /var/lib/redis /var/log/redis
        $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/luffy.log
        for _ in $(seq 1 40); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.25; done
        redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis did not start" >&2; exit 1; }
    fi
    echo "PostgreSQL and Redis are running" >&2

# Install Debian's chromium and chromium-driver when missing (the browser test drives them).
browser:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then exit 0; fi
    SUDO=""
    if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    echo "installing chromium and chromium-driver with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

# Serve the API on http://127.0.0.1:8000 with demo data (starts the services, migrates, seeds).
# It builds the whole workspace with its tests, like `just test`, so the two share one build.
run: services build
    "{{target_dir}}/debug/luffy" keys
    "{{target_dir}}/debug/luffy" migrate
    "{{target_dir}}/debug/luffy" seed
    "{{target_dir}}/debug/luffy" serve

# Build everything `just test` and `just run` need, with one set of features (one build).
build:
    cargo build --workspace --all-targets

# The whole suite: unit, property and end-to-end tests against real PostgreSQL and Redis.
test: services browser
    #!/usr/bin/env bash
    set -euo pipefail
    if cargo nextest --version >/dev/null 2>&1; then
        cargo nextest run --workspace --no-fail-fast
        # The scenarios that race, pay and recover again, each app through a private PgBouncer
        # in transaction mode with prepared statements (built from Debian's source when the
        # installed one is older than 1.21).
        LUFFY_TEST_THROUGH_PGBOUNCER=1 cargo nextest run -p luffy-e2e --no-fail-fast \
            --test concurrency --test checkout --test payments --test refunds --test scheduler \
            --test coupons --test wechat --test after_sale --test reconciliation
        # Alipay's other modes: the payment, refund and reconciliation scenarios again with
        # every app (and its sandbox) in certificate mode with AES content encryption.
        LUFFY_TEST_ALIPAY_MODE=certificates-aes cargo nextest run -p luffy-e2e --no-fail-fast \
            --test payments --test refunds --test after_sale --test reconciliation
        # nextest does not run doctests (the crates' README examples among them).
        cargo test --doc --workspace --no-fail-fast
    else
        cargo test --workspace --no-fail-fast
    fi
    # An outside team's crate (examples/consumer, not a member): builds against the library
    # crates by path, with the Alipay client off, and runs.
    CARGO_TARGET_DIR="{{target_dir}}/consumer" cargo run --locked --manifest-path examples/consumer/Cargo.toml

# The production topology on this machine: PostgreSQL primary + streaming replica, PgBouncer
# (transaction mode), a 3-master Redis Cluster, the Alipay sandbox, 3 API instances and 2
# workers behind HAProxy (deploy/local/cluster.sh; docs/scaling.md).
cluster: services build haproxy
    deploy/local/cluster.sh up

# Stop everything `just cluster` started.
cluster-down:
    deploy/local/cluster.sh down

# The scale-out scenarios through a private copy of that topology (started, tested, stopped).
cluster-test: services build haproxy
    #!/usr/bin/env bash
    set -euo pipefail
    dir="{{target_dir}}/cluster-test"
    deploy/local/cluster.sh down "$dir" >/dev/null 2>&1 || true
    trap 'deploy/local/cluster.sh down "$dir" >/dev/null' EXIT
    CLUSTER_PORT=18100 RUST_LOG=info deploy/local/cluster.sh up "$dir"
    LUFFY_CLUSTER_ENV="$dir/cluster.env" cargo nextest run -p luffy-e2e --test cluster \
        --run-ignored only --test-threads 1 --no-fail-fast

# Order creation through HAProxy and PgBouncer with 3 instances, then with 1 (release build,
# a fresh cluster each time; prints both and the pgbench limit). Figures in docs/scaling.md.
cluster-bench: services haproxy
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build --release -p luffy-api -p luffy-loadgen -p luffy-alipay-sandbox
    export LUFFY_BIN_DIR="{{target_dir}}/release" CLUSTER_PORT=18200 RUST_LOG=warn
    dir="{{target_dir}}/cluster-bench"
    trap 'deploy/local/cluster.sh down "$dir" >/dev/null' EXIT
    for instances in 3 1; do
        deploy/local/cluster.sh down "$dir" >/dev/null 2>&1 || true
        deploy/local/cluster.sh up "$dir" >/dev/null
        if [ "$instances" = 1 ]; then
            CLUSTER_DIR="$dir" deploy/local/cluster.sh term api2
            CLUSTER_DIR="$dir" deploy/local/cluster.sh term api3
            sleep 2   # HAProxy's checks take them out
        fi
        setting() { sed -n "s/^$1=//p" "$dir/cluster.env"; }
        echo "== $instances instance(s) through HAProxy and PgBouncer" >&2
        "$LUFFY_BIN_DIR/luffy-loadgen" --base "$(setting CLUSTER_URL)" \
            --database-url "$(setting CLUSTER_PRIMARY_URL)" \
            --jwt-secret "$(setting CLUSTER_JWT_SECRET)" --keys-dir "$dir/keys" \
            --server-pid "$(cat "$dir/pids/api1.pid")" --orders-only ${BENCH_ARGS:-}
    done

# Install HAProxy with apt-get when missing (the cluster's load balancer).
haproxy:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v haproxy >/dev/null 2>&1; then exit 0; fi
    SUDO=""
    if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    echo "installing haproxy with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null

# Regenerate the console screenshots in docs/console/ (the browser test writes them; Chinese
# labels need a CJK font, installed with apt-get when missing).
screenshots: services browser
    #!/usr/bin/env bash
    set -euo pipefail
    if ! fc-list 2>/dev/null | grep -qi "cjk"; then
        SUDO=""
        if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
    fi
    LUFFY_SCREENSHOTS=1 cargo test -p luffy-e2e --test console -- --nocapture

# Benchmarks: a release build over loopback vs pgbench and redis-benchmark; writes docs/benchmarks.md.
# Extra loadgen flags via BENCH_ARGS (e.g. BENCH_ARGS="--duration 5 --timeout-jobs 20000").
bench: services
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build --release -p luffy-api -p luffy-loadgen
    export LUFFY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/luffy_bench
    export LUFFY_REDIS_PREFIX="bench_$$:"
    export LUFFY_JWT_SECRET="bench-only-secret-$RANDOM-$RANDOM"
    export LUFFY_LISTEN=127.0.0.1:8099 LUFFY_PUBLIC_URL=http://127.0.0.1:8099 LUFFY_WORKER=false LUFFY_KEYS_DIR=keys
    export RUST_LOG=warn
    # Pools sized to this PostgreSQL (two cores): 6 connections, 3 per HTTP worker, kept busy,
    # cost PostgreSQL less per order than 16 contending ones (docs/operations.md, "Pool size").
    export LUFFY_DATABASE_POOL_SIZE="${LUFFY_DATABASE_POOL_SIZE:-6}"
    export LUFFY_REDIS_POOL_SIZE="${LUFFY_REDIS_POOL_SIZE:-16}"
    psql postgres://postgres@127.0.0.1:5432/postgres -qc 'DROP DATABASE IF EXISTS luffy_bench WITH (FORCE)'
    bin="{{target_dir}}/release"
    "$bin/luffy" keys
    "$bin/luffy" migrate
    "$bin/luffy" seed
    # The census of one checkout's statements runs on a private PostgreSQL that preloads
    # pg_stat_statements (deploy/local/census-postgres.sh), migrated and seeded like this one.
    census="{{target_dir}}/census-pg"
    deploy/local/census-postgres.sh stop "$census"
    deploy/local/census-postgres.sh start "$census" 5499
    census_url=postgres://postgres@127.0.0.1:5499/luffy_census
    psql postgres://postgres@127.0.0.1:5499/postgres -qc 'DROP DATABASE IF EXISTS luffy_census WITH (FORCE)'
    LUFFY_DATABASE_URL=$census_url "$bin/luffy" migrate
    LUFFY_DATABASE_URL=$census_url "$bin/luffy" seed
    # LUFFY_BENCH_SERVER: another build's luffy binary, to measure a before/after.
    "${LUFFY_BENCH_SERVER:-$bin/luffy}" serve > "{{target_dir}}/bench-server.log" 2>&1 &
    pid=$!
    # SIGINT stops at once (SIGTERM would drain first and hold the port for the next run).
    trap 'kill -INT $pid 2>/dev/null && wait $pid 2>/dev/null; deploy/local/census-postgres.sh stop "$census"; redis-cli --scan --pattern "${LUFFY_REDIS_PREFIX}*" | xargs -r redis-cli del >/dev/null' EXIT
    "$bin/luffy-loadgen" --base http://127.0.0.1:8099 --database-url "$LUFFY_DATABASE_URL" \
        --jwt-secret "$LUFFY_JWT_SECRET" --keys-dir keys --server-pid $pid \
        --census-database-url "$census_url" ${BENCH_ARGS:-}

# Formatting check, clippy with warnings as errors, and packaging of the library crates (what
# `cargo publish` would upload, built from the package alone).
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy -p luffy-api --no-default-features -- -D warnings
    # cargo package checks each crate against the others as packaged, through a local registry
    # whose extracted copies it never refreshes: drop luffy's copies left by an earlier run.
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/luffy-*
    cargo package --allow-dirty {{library_crates}}

# Format the code.
fmt:
    cargo fmt --all

# Write missing development key pairs into keys/.
keys: build
    "{{target_dir}}/debug/luffy" keys

# Drop and recreate the development database with demo data.
db-reset: services build
    #!/usr/bin/env bash
    set -euo pipefail
    name="${LUFFY_DATABASE_URL##*/}"; name="${name%%\?*}"
    server="${LUFFY_DATABASE_URL%/*}"
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)"
    "{{target_dir}}/debug/luffy" migrate
    "{{target_dir}}/debug/luffy" seed
