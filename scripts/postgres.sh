#!/usr/bin/env bash
# Throwaway PostgreSQL server for the test suite (CI's second run, `make test-postgres`).
#
#   scripts/postgres.sh        install Debian's postgresql if missing, start a fresh server in
#                              ${TRIAGE_PG_DIR:-/tmp/triage-pg} on 127.0.0.1:${TRIAGE_PG_PORT:-55432}
#                              (any earlier one on that directory is stopped and wiped), create the
#                              role triage/triage (CREATEDB) and the database triage, and print the
#                              SQLAlchemy URL as the only line on stdout.
#   scripts/postgres.sh stop   stop that server (no-op if it is not running).
#
# Runs as root (postgres itself runs as the `postgres` OS user) or as any ordinary user.
# Everything except the URL goes to stderr, so `URL="$(scripts/postgres.sh)"` works.
set -euo pipefail

PG_DIR="${TRIAGE_PG_DIR:-/tmp/triage-pg}"
PG_PORT="${TRIAGE_PG_PORT:-55432}"
DATA="" # set once PG_DIR is resolved
MARKER=".triage-pg"

die() {
	echo "postgres.sh: error: $*" >&2
	exit 1
}
log() { echo "postgres.sh: $*" >&2; }

[[ -n "$PG_DIR" ]] || die "TRIAGE_PG_DIR is empty"
PG_DIR="$(realpath -m -- "$PG_DIR")"
[[ "$PG_DIR" != "/" ]] || die "refusing to use / as TRIAGE_PG_DIR"
[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "TRIAGE_PG_PORT must be a number, got '$PG_PORT'"
DATA="$PG_DIR/data"

# Newest Debian postgresql server binaries (/usr/lib/postgresql/<version>/bin), or empty.
find_bin() {
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)" || true
	if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
		echo "$d"
	fi
}

# Run a command as the postgres OS user when we are root (postgres refuses to run as root).
if [[ "$(id -u)" -eq 0 ]]; then
	as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
	as_pg() { (cd / && "$@"); }
fi

install_postgres() {
	log "PostgreSQL server binaries not found under /usr/lib/postgresql; installing Debian's postgresql"
	[[ "$(id -u)" -eq 0 ]] || die "installing postgresql needs root; run 'apt-get install postgresql' as root first"
	command -v apt-get >/dev/null || die "apt-get not found; this script needs Debian's postgresql packages"
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }; then
		die "could not install postgresql with apt-get (see the messages above)"
	fi
}

# True if a postmaster is running on $DATA. Uses pg_ctl status when the binaries are there.
server_running() {
	local bin="$1"
	[[ -f "$DATA/postmaster.pid" ]] || return 1
	if [[ -n "$bin" ]]; then
		as_pg "$bin/pg_ctl" status -D "$DATA" >/dev/null 2>&1
	else
		local pid
		pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null)" || return 1
		[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
	fi
}

stop_server() {
	local bin="$1"
	if ! server_running "$bin"; then
		return 0
	fi
	log "stopping the server on $DATA"
	if [[ -n "$bin" ]] && as_pg "$bin/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >&2; then
		return 0
	fi
	# pg_ctl missing or failed: signal the postmaster named in its own pid file.
	local pid i
	pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null)" || return 0
	[[ "$pid" =~ ^[0-9]+$ ]] || return 0
	kill -INT "$pid" 2>/dev/null || return 0
	for i in $(seq 1 60); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 1
	done
	die "the server on $DATA (pid $pid) did not stop"
}

# Everything start() runs writes to stderr: it is called with stdout redirected, so no child
# (in particular the daemonised postmaster) holds the caller's stdout, and `$(scripts/postgres.sh)`
# returns as soon as the URL is printed.
URL=""
start() {
	BIN="$(find_bin)"
	if [[ -z "$BIN" ]]; then
		install_postgres
		BIN="$(find_bin)"
		[[ -n "$BIN" ]] || die "postgresql was installed but no /usr/lib/postgresql/*/bin/initdb was found"
	fi
	log "using $BIN"

	stop_server "$BIN"

	# Wipe the previous directory, but only if it is ours (or empty): never rm -rf a stranger's dir.
	if [[ -e "$PG_DIR" ]]; then
		if [[ -d "$PG_DIR" && (-f "$PG_DIR/$MARKER" || -z "$(ls -A "$PG_DIR")") ]]; then
			rm -rf -- "$PG_DIR"
		else
			die "$PG_DIR exists and was not made by this script (no $MARKER); remove it or set TRIAGE_PG_DIR"
		fi
	fi
	mkdir -p -- "$PG_DIR"
	touch "$PG_DIR/$MARKER"
	if [[ "$(id -u)" -eq 0 ]]; then
		chown postgres:postgres "$PG_DIR"
		chmod 700 "$PG_DIR"
		as_pg test -w "$PG_DIR" || die "the postgres user cannot write to $PG_DIR (check the parent directories' permissions)"
	fi

	log "initdb $DATA"
	as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
		--auth-local=trust --auth-host=scram-sha-256 >&2 ||
		die "initdb failed"

	cat >>"$DATA/postgresql.conf" <<EOF

# --- scripts/postgres.sh (throwaway test server) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 200
EOF

	log "starting the server on 127.0.0.1:$PG_PORT"
	if ! as_pg "$BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/logfile" -w -t 60 start >&2; then
		echo "----- $PG_DIR/logfile -----"
		tail -n 30 "$PG_DIR/logfile" 2>/dev/null || true
		die "the server did not start (is port $PG_PORT already in use?)"
	fi

	psql_admin() {
		as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres "$@"
	}
	psql_admin -c "CREATE ROLE triage LOGIN CREATEDB PASSWORD 'triage'" >&2 || die "could not create role triage"
	psql_admin -c "CREATE DATABASE triage OWNER triage" >&2 || die "could not create database triage"

	log "ready on 127.0.0.1:$PG_PORT (stop it with: scripts/postgres.sh stop)"
	URL="postgresql+psycopg://triage:triage@127.0.0.1:$PG_PORT/triage"
}

case "${1:-start}" in
start)
	start >&2
	echo "$URL"
	;;
stop) stop_server "$(find_bin)" >&2 ;;
*) die "usage: $0 [start|stop]" >&2 ;;
esac
