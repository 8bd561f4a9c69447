# Sourced by the scripts/bench-* commands: builds release binaries of `parley` and
# `parley-bench`, starts Parley with its defaults (HTTPS, SQLite file) in a fresh work directory,
# and stops everything in `pids` on exit. Leaves `bin`, `tmp`, `server` and `pids` set, and
# `REQUESTS_CA_BUNDLE` pointing at the server's CA for the Python set-up scripts. Extra `parley
# serve` arguments may be put in `serve_args` before sourcing (e.g. `serve_args=(--dev)`).

echo "==> swift build -c release --product parley --product parley-bench"
swift build -c release --product parley
swift build -c release --product parley-bench
bin="$(swift build -c release --show-bin-path)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench.XXXXXX")
echo "work directory: $tmp"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Callers may set `serve_args` (an array) for more flags.
"$bin/parley" serve --port 0 --data-dir "$tmp/data" --ready-file "$tmp/ready.json" --log-level warning ${serve_args[@]+"${serve_args[@]}"} >"$tmp/server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 300); do [ -s "$tmp/ready.json" ] && break; sleep 0.1; done
[ -s "$tmp/ready.json" ] || { cat "$tmp/server.log"; exit 1; }

export REQUESTS_CA_BUNDLE=$tmp/data/ca.pem
