#!/usr/bin/env bash
# make bench: measures Starlog against baselines taken in the same run and
# prints a table of figures and ratios, also written to bench/RESULTS.md.
#
# Sizes (environment): BENCH_CELEBRITIES (10000), BENCH_EVENTS (1000000),
# BENCH_HEAVY (facts of celeb-00000, 1000), BENCH_SECONDS per load phase (10),
# BENCH_CONNECTIONS (64), BENCH_DIR (build/bench), BENCH_RESULTS
# (bench/RESULTS.md; empty: don't write). The data set is generated and
# imported once per size and reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
BIN=$BUILD/starlog
CELEBS=${BENCH_CELEBRITIES:-10000}
EVENTS=${BENCH_EVENTS:-1000000}
HEAVY=${BENCH_HEAVY:-1000}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
DIR=${BENCH_DIR:-$BUILD/bench}
RESULTS=${BENCH_RESULTS-bench/RESULTS.md}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

say() { printf '%s\n' "$*" >&2; }
json_get() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# --- data set --------------------------------------------------------------
DATA="$DIR/data-$CELEBS-$EVENTS-$HEAVY"
DB="$DATA/starlog.db"
if [ ! -f "$DATA/ready" ]; then
  rm -rf "$DATA"; mkdir -p "$DATA"
  say "generating $EVENTS events for $CELEBS celebrities"
  "$BUILD/bench_generate" --celebrities "$CELEBS" --events "$EVENTS" --heavy-facts "$HEAVY" > "$DATA/events.ndjson"
  say "importing (starlog import)"
  start=$(date +%s.%N)
  "$BIN" import --db "$DB" "$DATA/events.ndjson"
  end=$(date +%s.%N)
  python3 -c "print(f'{$EVENTS/($end-$start):.0f}')" > "$DATA/import_rate"
  rm -f "$DATA/events.ndjson"
  touch "$DATA/ready"
fi
IMPORT_RATE=$(cat "$DATA/import_rate")
# The load phases write to a copy, so every run starts from the same log.
RUN="$DIR/run"
rm -rf "$RUN"; mkdir -p "$RUN"
cp "$DB" "$RUN/starlog.db"
[ -f "$DB-wal" ] && cp "$DB-wal" "$RUN/starlog.db-wal"
TOKEN=$("$BIN" token create --db "$RUN/starlog.db" --name bench --role admin)

PORT=$(free_port)
"$BIN" serve --db "$RUN/starlog.db" --listen "127.0.0.1:$PORT" > "$RUN/server.log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
B="http://127.0.0.1:$PORT"
AUTH="Authorization: Bearer $TOKEN"
HEAD=$(curl -sf "$B/v1/events?limit=1" | json_get '["head"]')

# --- 1. durable appends ----------------------------------------------------
say "1/5 appends: SQLite baseline, then $CONNS clients for ${SECS}s"
BASE_APPENDS=$("$BUILD/bench_sqlite_baseline" appends "$RUN/baseline.db" "$SECS" | json_get '["per_second"]')
APPENDS_JSON=$("$BUILD/bench_append_load" --port "$PORT" --connections "$CONNS" --seconds "$SECS" --celebrities "$CELEBS" --token "$TOKEN")
APPENDS=$(echo "$APPENDS_JSON" | json_get '["per_second"]')
APPENDS_P99=$(echo "$APPENDS_JSON" | json_get '["p99_ms"]')

# --- 2. cached timeline GETs vs nginx --------------------------------------
say "2/5 timeline GETs: nginx on the same bytes, then starlog"
TL="/v1/celebrities/celeb-00000/timeline?limit=100"
mkdir -p "$RUN/www" "$RUN/nginx"
curl -sf "$B$TL" > "$RUN/www/timeline.json"
NPORT=$(free_port)
cat > "$RUN/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $RUN/nginx; proxy_temp_path $RUN/nginx;
  fastcgi_temp_path $RUN/nginx; uwsgi_temp_path $RUN/nginx; scgi_temp_path $RUN/nginx;
  server { listen 127.0.0.1:$NPORT; root $RUN/www;
           location / { default_type application/json; add_header Cache-Control no-cache; etag on; } }
}
CONF
nginx -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" -g 'daemon off;' &
PIDS+=("$!")
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NPORT/timeline.json" >/dev/null && break; sleep 0.1; done
wrk_run() {  # url [header] -> "rps p99_ms"
  local out
  if [ -n "${2:-}" ]; then out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "$2" "$1"); else out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$1"); fi
  echo "$out" | python3 -c '
import re,sys
t=sys.stdin.read()
rps=float(re.search(r"Requests/sec:\s+([\d.]+)",t).group(1))
m=re.search(r"99%\s+([\d.]+)(us|ms|s)",t)
v=float(m.group(1)); u=m.group(2)
print(rps, v/1000 if u=="us" else (v*1000 if u=="s" else v))
non=re.search(r"Non-2xx or 3xx responses:\s+(\d+)",t)
if non: sys.stderr.write("wrk: %s non-2xx answers\n" % non.group(1))'
}
read NGINX_RPS NGINX_P99 < <(wrk_run "http://127.0.0.1:$NPORT/timeline.json")
read GET_RPS GET_P99 < <(wrk_run "$B$TL")

# --- 3. as-of vs live --------------------------------------------------------
say "3/5 as-of timeline vs live timeline"
read LIVE_RPS LIVE_P99 < <(wrk_run "$B$TL" "$AUTH")
read ASOF_RPS ASOF_P99 < <(wrk_run "$B$TL&as_of_position=$HEAD" "$AUTH")

# --- 4 & 5. rebuild (full replay) and appends during it -----------------------
say "4/5 full replay (rebuild) vs a plain SQLite scan"
SCAN=$("$BUILD/bench_sqlite_baseline" scan "$RUN/starlog.db" | json_get '["per_second"]')
RSS_BEFORE=$(awk '/VmRSS/{print $2}' /proc/$SERVER/status)
start=$(date +%s.%N)
curl -sf -X POST -H "$AUTH" "$B/v1/projections/timeline/rebuild" > /dev/null
PEAK=0
rebuilt() { curl -sf "$B/v1/projections" | python3 -c '
import json,sys
ps=json.load(sys.stdin); ps=ps.get("projections",ps) if isinstance(ps,dict) else ps
t=[p for p in ps if p["name"]=="timeline"][0]
sys.exit(0 if t["status"]=="live" and t["lag"]==0 else 1)'; }
sleep 0.2
for _ in $(seq 9000); do  # at most 30 minutes
  rebuilt && break
  rss=$(awk '/VmRSS/{print $2}' /proc/$SERVER/status); [ "$rss" -gt "$PEAK" ] && PEAK=$rss
  printf '\r  rebuilding: %s ' "$(curl -sf "$B/v1/projections" | python3 -c '
import json,sys
ps=json.load(sys.stdin); ps=ps.get("projections",ps) if isinstance(ps,dict) else ps
r=[p for p in ps if p["name"]=="timeline"][0].get("rebuild") or {}
print("%s/%s %s" % (r.get("position",0), r.get("head",0), r.get("phase","")))' 2>/dev/null)" >&2
  sleep 0.2
done
printf '\n' >&2
end=$(date +%s.%N)
REPLAY=$(python3 -c "print(f'{$HEAD/($end-$start):.1f}')")
REPLAY_RSS_MB=$(python3 -c "print(f'{max($PEAK,$RSS_BEFORE)/1024:.0f}')")

say "5/5 appends while a rebuild runs"
curl -sf -X POST -H "$AUTH" "$B/v1/projections/timeline/rebuild" > /dev/null
DURING=$("$BUILD/bench_append_load" --port "$PORT" --connections "$CONNS" --seconds "$SECS" --celebrities "$CELEBS" --token "$TOKEN" | json_get '["per_second"]')
# The rebuild is not waited for: the server stops on exit (a stopped rebuild
# leaves its copy in this run's throw-away database).

# --- report ------------------------------------------------------------------
python3 - "$RESULTS" <<PY
import platform, subprocess, sys
r = lambda a, b: a / b if b else float("nan")
rows = [
 ("durable single-event appends/s, $CONNS clients", $APPENDS, "SQLite single-row txns, synchronous=FULL", $BASE_APPENDS,
  ">= 8x and >= 30,000/s; p99 <= 10 ms", f"p99 {$APPENDS_P99:.1f} ms"),
 ("cached timeline GETs/s (100 entries), $CONNS conns", $GET_RPS, "nginx, same bytes as a static file", $NGINX_RPS,
  ">= 0.5x; p99 <= 5 ms", f"p99 {$GET_P99:.2f} ms (nginx {$NGINX_P99:.2f} ms)"),
 ("full replay (rebuild) of $HEAD events, events/s", $REPLAY, "plain SQLite scan of the events table", $SCAN,
  ">= 250,000/s and >= 0.25x; RSS <= 256 MiB", f"server RSS peak {$REPLAY_RSS_MB} MiB"),
 ("as-of timeline GETs/s, celebrity with $HEAVY facts", $ASOF_RPS, "live timeline GETs/s, same celebrity", $LIVE_RPS,
  "<= 10x slower (ratio >= 0.1)", f"p99 {$ASOF_P99:.2f} ms vs {$LIVE_P99:.2f} ms"),
 ("appends/s while a rebuild runs", $DURING, "appends/s without it (figure 1)", $APPENDS,
  ">= 0.7x", ""),
]
cpu = next((l.split(":",1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
lines = ["| figure | Starlog | baseline (same run) | baseline value | ratio | target | notes |", "|---|---|---|---|---|---|---|"]
for name, v, bname, b, target, note in rows:
    lines.append(f"| {name} | {v:,.0f} | {bname} | {b:,.0f} | {r(v,b):.2f}x | {target} | {note} |")
table = "\n".join(lines)
print(table)
out = sys.argv[1]
if out:
    with open(out, "w") as f:
        f.write("# Benchmark results\n\n")
        f.write(f"Machine: {subprocess.getoutput('nproc')} cores ({cpu}), {int(mem)//1024} MiB RAM, {platform.system()} {platform.release()}.\n")
        f.write("Data set: $CELEBS celebrities, $EVENTS events ($HEAVY facts on celeb-00000), imported at $IMPORT_RATE events/s.\n")
        f.write("Each load phase runs ${SECS}s with $CONNS connections; the baselines are measured in the same run.\n\n")
        f.write(table + "\n")
    sys.stderr.write(f"written to {out}\n")
PY
