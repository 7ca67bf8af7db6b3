# Shared by scripts/run and scripts/test: installs what is missing and starts a PostgreSQL.
# Sourced, not run. Needs root for apt-get (as on a fresh Debian machine or CI).

# The Debian packages Puntos needs to build, run and test.
PUNTOS_PACKAGES=(postgresql postgresql-contrib libpq-dev libcurl4-openssl-dev libssl-dev pkg-config python3-aiosmtpd)

# The PyPI tools the tests use: cfn-lint checks deploy.yaml, the aws client calls the invoke endpoint,
# openapi-spec-validator checks openapi.yaml and schemathesis fuzzes a live puntos up against it.
PUNTOS_PIP_PACKAGES=(cfn-lint awscli openapi-spec-validator schemathesis)

log() { printf '==> %s\n' "$*" >&2; }

ensure_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        if [ "$(id -u)" -ne 0 ]; then
            echo "missing Debian packages: ${missing[*]}; run as root or install them" >&2
            return 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null || { echo "swift is not on PATH (expected a Swift 6 toolchain)" >&2; return 1; }
}

ensure_pip_packages() {
    local missing=()
    for package in "$@"; do
        python3 -m pip show -q "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]} (pip)"
        python3 -m pip install -q "${missing[@]}"
    fi
}

postgres_bindir() {
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
    else
        ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1
    fi
}

# A port nobody listens on.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_postgres DATADIR PORT: initialises DATADIR if empty and starts a server on 127.0.0.1:PORT,
# as the postgres user (PostgreSQL refuses to run as root). Trust authentication, local only.
start_postgres() {
    local datadir=$1 port=$2 bindir
    bindir=$(postgres_bindir)
    local as_postgres=()
    if [ "$(id -u)" -eq 0 ]; then
        as_postgres=(runuser -u postgres --)
        mkdir -p "$datadir"
        chown postgres:postgres "$datadir"
        chmod 700 "$datadir"
    else
        mkdir -p "$datadir"
    fi
    if [ ! -f "$datadir/PG_VERSION" ]; then
        log "initialising PostgreSQL in $datadir"
        "${as_postgres[@]}" "$bindir/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    log "starting PostgreSQL on 127.0.0.1:$port"
    "${as_postgres[@]}" "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 60 \
        -o "-p $port -k $datadir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PUNTOS_PG_FSYNC:-on}" \
        start >/dev/null
}

stop_postgres() {
    local datadir=$1 bindir
    bindir=$(postgres_bindir)
    [ -f "$datadir/postmaster.pid" ] || return 0
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null || true
    else
        "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null || true
    fi
}

# What scripts/package and the tests add: ELF patching and zips for Lambda, a pooler to test through.
PUNTOS_LAMBDA_TOOLS=(patchelf zip unzip binutils pgbouncer)

# start_pgbouncer DIR PORT POSTGRES_PORT: a PgBouncer in transaction mode on 127.0.0.1:PORT in front of
# the PostgreSQL on POSTGRES_PORT, as the postgres user (PgBouncer refuses to run as root), trust
# authentication for the users of its userlist (puntos_app, postgres), local only.
start_pgbouncer() {
    local dir=$1 port=$2 upstream=$3
    mkdir -p "$dir"
    printf '"puntos_app" ""\n"postgres" ""\n' >"$dir/userlist.txt"
    cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$upstream

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 40
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
    local as_postgres=()
    if [ "$(id -u)" -eq 0 ]; then
        as_postgres=(runuser -u postgres --)
        chown -R postgres:postgres "$dir"
    fi
    log "starting PgBouncer (pool_mode = transaction) on 127.0.0.1:$port"
    "${as_postgres[@]}" pgbouncer -d -q "$dir/pgbouncer.ini"
    for _ in $(seq 1 50); do
        psql -q -d "postgresql://puntos_app@127.0.0.1:$port/puntos_test" -c 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "PgBouncer did not start: $(tail -n 5 "$dir/pgbouncer.log" 2>/dev/null)" >&2
    return 1
}

stop_pgbouncer() {
    local dir=$1
    [ -f "$dir/pgbouncer.pid" ] || return 0
    kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
}
