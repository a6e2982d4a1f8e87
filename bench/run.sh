#!/usr/bin/env bash
# make bench: measures Starlog against baselines taken in the same run and
# prints a table of figures, ratios and verdicts; writes the generated part
# of bench/RESULTS.md (the hand-written part below its END marker is kept)
# and the plot bench/append_rebuild_vs_log_size.png.
#
# Sizes (environment): BENCH_CELEBRITIES (10000), BENCH_EVENTS (1000000),
# BENCH_HEAVY (facts of celeb-00000, 1000), BENCH_SECONDS per HTTP phase
# (10), BENCH_SERIES_SECONDS per append phase at the smaller log sizes of the
# size series (5, at most BENCH_SECONDS), BENCH_STEPS (the series' log sizes
# in percent of BENCH_EVENTS, "10 30 100"), BENCH_CONNECTIONS (64),
# BENCH_DIR (build/bench), BENCH_RESULTS (bench/RESULTS.md; empty: write
# neither it nor the plot into the source tree).
#
# The NDJSON data set (and its split into the series' steps) is generated
# once per size and reused by later runs; the import is measured in every
# run: the steps are imported one after the other into a fresh store, with
# appends and a rebuild measured on a copy after each step but the last, so
# the store of the last step is the big store of the other rows.
#
# Phases, in order:
#   1 data set          generate / split (cached)
#   2 empty store       SQLite single-row commits, then appends to one stream
#   3 import + series   SQLite bulk insert of the lines, then the import in
#                       steps, appends and a rebuild after each step
#   4 verify            a plain scan, then `starlog verify --db`
#   5 big store         appends over all streams
#   6 GETs              nginx on the same bytes, then the cached timeline
#   7 as-of             live timeline, then as-of at a new position per request,
#                       uncached live reads; then appends to celeb-00000 (its
#                       facts' findings re-checked by every append)
#   8 rebuild           a plain scan, then a rebuild, server RSS sampled
#   9 during rebuild    appends while a rebuild runs (restarted if it ends)
#  10 PostgreSQL        a throwaway cluster (durable: fsync on); the
#                       registrations and celeb-00000's facts imported;
#                       appends through one node, then through two at once;
#                       cached and uncached timeline GETs per node
#  11 report            table, RESULTS.md, plot
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS

BUILD=${BUILD:-build}
BIN=$BUILD/starlog
CELEBS=${BENCH_CELEBRITIES:-10000}
EVENTS=${BENCH_EVENTS:-1000000}
HEAVY=${BENCH_HEAVY:-1000}
SECS=${BENCH_SECONDS:-10}
SERIES_SECS=${BENCH_SERIES_SECONDS:-5}
STEPS=${BENCH_STEPS:-10 30 100}
CONNS=${BENCH_CONNECTIONS:-64}
DIR=${BENCH_DIR:-$BUILD/bench}
RESULTS=${BENCH_RESULTS-bench/RESULTS.md}
TOOLS=$PWD/bench/tools.py
SERIES_SECS=$(python3 -c "print(min($SERIES_SECS, $SECS))")
for tool in "$BIN" "$BUILD/bench_generate" "$BUILD/bench_sqlite_baseline" "$BUILD/bench_append_load"; do
  [ -x "$tool" ] || { echo "bench: $tool is missing (make bench builds it)" >&2; exit 1; }
done
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

say() { printf '%s\n' "$*" >&2; }
json_get() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Every process started in the background is listed here and stopped by
# its pid (on exit too).
PIDS=" "
track() { PIDS="$PIDS$1 "; }
stop_pid() {  # pid: SIGTERM, up to 30 s to exit, then SIGKILL
  local p=$1 state
  PIDS=${PIDS// $p / }
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 300); do
    state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || true)
    [ -z "$state" ] || [ "$state" = Z ] && break
    sleep 0.1
  done
  [ -n "$state" ] && [ "$state" != Z ] && kill -9 "$p" 2>/dev/null
  wait "$p" 2>/dev/null || true
}
# What other users' processes must reach (nginx's workers and PostgreSQL
# run as nobody) lives outside the build tree, which may sit in a directory
# only its owner can enter.
SHARED=$(mktemp -d /tmp/starlog-bench.XXXXXX)
chmod 755 "$SHARED"
cleanup() { for p in $PIDS; do stop_pid "$p"; done; rm -rf "$SHARED"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# The figures, one "key<TAB>value" (JSON or text) a line, for the report.
RUN="$DIR/run"
rm -rf "$RUN"; mkdir -p "$RUN"
FIG="$RUN/figures.tsv"
put() { printf '%s\t%s\n' "$1" "$2" >> "$FIG"; }

# A store is two SQLite files, the log PATH and the read models
# PATH.projections, each perhaps with a -wal: all are copied (not the -shm),
# or the server would refold the whole log at start.
copy_store() {  # src dst
  local f
  mkdir -p "$(dirname "$2")"
  for f in "$1" "$1"-wal "$1".projections "$1".projections-wal; do
    [ -f "$f" ] && cp "$f" "$2${f#"$1"}"
  done
  return 0
}
new_token() { "$BIN" token create --db "$1" --name bench --role admin 2>>"$RUN/cli.log"; }

SERVER= PORT= B=
start_server() {  # db log: sets SERVER, PORT, B
  PORT=$(free_port)
  "$BIN" serve --db "$1" --listen "127.0.0.1:$PORT" > "$2" 2>&1 &
  SERVER=$!; track "$SERVER"
  B="http://127.0.0.1:$PORT"
  for _ in $(seq 6000); do  # at most 600 s: /readyz is 200 once the start-up fold is done
    curl -sf "$B/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.1
  done
  say "bench: the server did not start; the end of $2:"; tail -20 "$2" >&2
  exit 1
}
head_of() { curl -sf "$B/v1/events?limit=1" | json_get '["head"]'; }
hwm_kib() { awk '/^VmHWM/{print $2}' "/proc/$1/status"; }

append_load() {  # streams seconds -> the load's JSON (errors are counted, not fatal)
  "$BUILD/bench_append_load" --port "$PORT" --connections "$CONNS" --seconds "$2" \
    --celebrities "$1" --token "$TOKEN" || true
}
wrk_run() {  # url [header] [lua script] -> JSON {rps, p99_ms, requests, non2xx, socket_errors}
  local args=(-t1 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency)
  [ -n "${2:-}" ] && args+=(-H "$2")
  [ -n "${3:-}" ] && args+=(-s "$3")
  wrk "${args[@]}" "$1" | python3 "$TOOLS" wrk
}
rebuild_once() { python3 "$TOOLS" rebuild-once "$B" "$TOKEN" "$SERVER"; }

put celebrities "$CELEBS"; put events "$EVENTS"; put heavy "$HEAVY"; put secs "$SECS"
put series_secs "$SERIES_SECS"; put conns "$CONNS"

# --- 1. data set (cached per size) ---------------------------------------------
say "[1/11] data set: $EVENTS events for $CELEBS celebrities"
DATA="$DIR/data-$CELEBS-$EVENTS-$HEAVY"
NDJSON="$DATA/events.ndjson"
GENERATED=0
if [ ! -f "$DATA/ready" ] || [ ! -f "$NDJSON" ]; then  # (older runs cached a store, not the file)
  rm -rf "$DATA"; mkdir -p "$DATA"
  say "  generating"
  "$BUILD/bench_generate" --celebrities "$CELEBS" --events "$EVENTS" --heavy-facts "$HEAVY" > "$NDJSON"
  touch "$DATA/ready"
  GENERATED=1
fi
put generated "$GENERATED"
put ndjson_mib "$(( $(stat -c %s "$NDJSON") / 1048576 ))"
# The series' log sizes, ascending, the last one the whole data set.
CUTS=""; prev=0
for pct in $STEPS; do
  n=$(( EVENTS * pct / 100 ))
  [ "$n" -gt "$prev" ] && [ "$n" -lt "$EVENTS" ] && { CUTS="$CUTS $n"; prev=$n; }
done
CUTS="${CUTS# } $EVENTS"; CUTS=${CUTS# }
PARTS="$DATA/parts-${CUTS// /-}"
if [ ! -f "$PARTS/ready" ]; then
  say "  splitting at $CUTS lines"
  rm -rf "$PARTS"; mkdir -p "$PARTS"
  awk -v cuts="$CUTS" -v dir="$PARTS" 'BEGIN { n = split(cuts, c, " "); k = 1; f = dir "/part-1.ndjson" }
    { print > f; if (NR == c[k] && k < n) { close(f); k++; f = dir "/part-" k ".ndjson" } }' "$NDJSON"
  touch "$PARTS/ready"
fi

# --- 2. appends to one stream of an empty store ------------------------------------
say "[2/11] empty store: SQLite single-row commits for ${SECS}s, then $CONNS clients appending to one stream for ${SECS}s"
BASE_APPENDS=$("$BUILD/bench_sqlite_baseline" appends "$RUN/baseline.db" "$SECS" | json_get '["per_second"]')
rm -f "$RUN"/baseline.db*
head -n 1 "$NDJSON" > "$RUN/one.ndjson"  # celeb-00000's registration
mkdir -p "$RUN/empty"
"$BIN" import --db "$RUN/empty/starlog.db" "$RUN/one.ndjson" 2>>"$RUN/cli.log"
TOKEN=$(new_token "$RUN/empty/starlog.db")
start_server "$RUN/empty/starlog.db" "$RUN/server-empty.log"
J=$(append_load 1 "$SECS")
put empty_base "$BASE_APPENDS"
put empty_appends "$(echo "$J" | json_get '["per_second"]')"
put empty_p99 "$(echo "$J" | json_get '["p99_ms"]')"
put empty_errors "$(echo "$J" | json_get '["errors"]')"
stop_pid "$SERVER"
rm -rf "$RUN/empty"

# --- 3. import in steps, with the size series ------------------------------------------
say "[3/11] import: SQLite bulk insert of the $EVENTS lines, then starlog import in steps to $CUTS events"
put bulk_rate "$("$BUILD/bench_sqlite_baseline" bulk "$RUN/bulk.db" "$NDJSON" | json_get '["per_second"]')"
rm -f "$RUN"/bulk.db*
STORE="$DIR/store/starlog.db"  # the big store once the last step is in
rm -rf "$DIR/store"; mkdir -p "$DIR/store"
SERIES="$RUN/series.dat"; : > "$SERIES"
put series_file "$SERIES"
IMPORT_SECS=0; IMPORT_PEAK=0; k=0; prev=0
for n in $CUTS; do
  k=$((k + 1))
  say "  step $k: lines $((prev + 1))-$n"
  python3 "$TOOLS" measure "$RUN/import-$k.json" "import step $k@notty" "$BIN" import --db "$STORE" "$PARTS/part-$k.ndjson"
  rc=$(json_get '["rc"]' < "$RUN/import-$k.json")
  [ "$rc" = 0 ] || { say "bench: starlog import failed (exit $rc)"; exit 1; }
  secs=$(json_get '["seconds"]' < "$RUN/import-$k.json")
  peak=$(json_get '["peak_kib"]' < "$RUN/import-$k.json")
  [ "$peak" -gt "$IMPORT_PEAK" ] && IMPORT_PEAK=$peak
  IMPORT_SECS=$(python3 -c "print($IMPORT_SECS + $secs)")
  STEP_RATE=$(python3 -c "print(round($((n - prev)) / $secs, 1))")
  say "  step $k: $((n - prev)) events in $(printf '%.1f' "$secs") s, $STEP_RATE/s"
  if [ "$n" -lt "$EVENTS" ]; then
    streams=$(( n < CELEBS ? n : CELEBS ))
    # Each on its own copy of the store as imported: the rebuild covers
    # exactly the $n events, and the appends do not run beside the sweep of
    # the rows a rebuild replaced.
    say "  series at $n events: a rebuild, then appends over $streams streams for ${SERIES_SECS}s (each on a copy)"
    copy_store "$STORE" "$RUN/series/starlog.db"
    TOKEN=$(new_token "$RUN/series/starlog.db")
    start_server "$RUN/series/starlog.db" "$RUN/server-series-$k-rebuild.log"
    J=$(rebuild_once)
    stop_pid "$SERVER"
    rm -rf "$RUN/series"
    copy_store "$STORE" "$RUN/series/starlog.db"
    TOKEN=$(new_token "$RUN/series/starlog.db")
    start_server "$RUN/series/starlog.db" "$RUN/server-series-$k-appends.log"
    A=$(append_load "$streams" "$SERIES_SECS" | json_get '["per_second"]')
    stop_pid "$SERVER"
    rm -rf "$RUN/series"
    # log size, appends/s, their seconds, rebuild events/s, import step
    # events/s, events rebuilt
    echo "$n $A $SERIES_SECS $(echo "$J" | json_get '["per_second"]') $STEP_RATE $(echo "$J" | json_get '["position"]')" >> "$SERIES"
  fi
  prev=$n
done
put import_seconds "$IMPORT_SECS"
put import_rate "$(python3 -c "print($EVENTS / $IMPORT_SECS)")"
put import_peak_kib "$IMPORT_PEAK"

# --- 4. verify ---------------------------------------------------------------------------
say "[4/11] verify: a plain scan of the events table, then starlog verify --db of the big store"
put verify_scan "$("$BUILD/bench_sqlite_baseline" scan "$STORE" | json_get '["per_second"]')"
python3 "$TOOLS" measure "$RUN/verify.json" "verify" "$BIN" verify --db "$STORE" > "$RUN/verify-report.json"
VSECS=$(json_get '["seconds"]' < "$RUN/verify.json")
VEVENTS=$(json_get '["events"]' < "$RUN/verify-report.json" 2>/dev/null || echo "$EVENTS")
put verify_seconds "$VSECS"
put verify_events "$VEVENTS"
put verify_rate "$(python3 -c "print($VEVENTS / $VSECS)")"
put verify_peak_kib "$(json_get '["peak_kib"]' < "$RUN/verify.json")"
put verify_ok "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get("verified")))' "$RUN/verify-report.json" 2>/dev/null || echo "no report")"

# --- 5. appends over every stream of the big store ---------------------------------------
TOKEN=$(new_token "$STORE")
AUTH="Authorization: Bearer $TOKEN"
start_server "$STORE" "$RUN/server.log"
MAIN_SERVER=$SERVER
put big_head_before "$(head_of)"
say "[5/11] big store: $CONNS clients appending over $CELEBS streams for ${SECS}s"
J=$(append_load "$CELEBS" "$SECS")
BIG_APPENDS=$(echo "$J" | json_get '["per_second"]')
put big_appends "$BIG_APPENDS"
put big_p99 "$(echo "$J" | json_get '["p99_ms"]')"
put big_errors "$(echo "$J" | json_get '["errors"]')"

# --- 6. cached timeline GETs vs nginx ----------------------------------------------------
say "[6/11] timeline GETs: nginx on the same bytes for ${SECS}s, then starlog for ${SECS}s (wrk -t1 -c$CONNS)"
TL="/v1/celebrities/celeb-00000/timeline?limit=100"
mkdir -p "$SHARED/www" "$SHARED/nginx"
curl -sf "$B$TL" > "$SHARED/www/timeline.json"
NPORT=$(free_port)
cat > "$SHARED/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $SHARED/nginx/nginx.pid;
error_log $SHARED/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $SHARED/nginx; proxy_temp_path $SHARED/nginx;
  fastcgi_temp_path $SHARED/nginx; uwsgi_temp_path $SHARED/nginx; scgi_temp_path $SHARED/nginx;
  server { listen 127.0.0.1:$NPORT; root $SHARED/www;
           location / { default_type application/json; add_header Cache-Control no-cache; etag on; } }
}
CONF
nginx -c "$SHARED/nginx/nginx.conf" -p "$SHARED/nginx" -g 'daemon off;' &
NGINX=$!; track "$NGINX"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NPORT/timeline.json" >/dev/null && break; sleep 0.1; done
J=$(wrk_run "http://127.0.0.1:$NPORT/timeline.json")
put nginx_rps "$(echo "$J" | json_get '["rps"]')"; put nginx_p99 "$(echo "$J" | json_get '["p99_ms"]')"
stop_pid "$NGINX"
J=$(wrk_run "$B$TL")
put get_rps "$(echo "$J" | json_get '["rps"]')"; put get_p99 "$(echo "$J" | json_get '["p99_ms"]')"
put get_bad "$(echo "$J" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["non2xx"]+j["socket_errors"])')"

# --- 7. as-of (uncached) vs live ---------------------------------------------------------
# A new as_of_position on every request, cycling down from the head through
# the positions at which celeb-00000 already has all its facts: each answer
# is folded afresh (the body cache is keyed by position).
HEAD=$(head_of)
LO=$(( CELEBS + HEAVY < HEAD ? CELEBS + HEAVY : HEAD ))
cat > "$RUN/asof.lua" <<LUA
local lo, hi, n = $LO, $HEAD, 0
request = function()
  local p = hi - (n % (hi - lo + 1))
  n = n + 1
  return wrk.format(nil, "$TL&as_of_position=" .. p)
end
LUA
say "[7/11] live timeline for ${SECS}s, then as-of at a new position per request (positions $LO-$HEAD) for ${SECS}s"
J=$(wrk_run "$B$TL" "$AUTH")
put live_rps "$(echo "$J" | json_get '["rps"]')"; put live_p99 "$(echo "$J" | json_get '["p99_ms"]')"
put live_bad "$(echo "$J" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["non2xx"]+j["socket_errors"])')"
J=$(wrk_run "$B/" "$AUTH" "$RUN/asof.lua")
put asof_rps "$(echo "$J" | json_get '["rps"]')"; put asof_p99 "$(echo "$J" | json_get '["p99_ms"]')"
REQS=$(echo "$J" | json_get '["requests"]')
put asof_bad "$(echo "$J" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["non2xx"]+j["socket_errors"])')"
put asof_requests "$REQS"
# Uncached live reads: celeb-00000's timeline up to a new date (and limit)
# on every request, so the body cache never answers; the same on the
# PostgreSQL nodes below.
cat > "$RUN/uncached.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  local day = n % 18000
  local y, d = 1975 + math.floor(day / 360), day % 360
  local to = string.format("%04d-%02d-%02d", y, 1 + math.floor(d / 30), 1 + d % 28)
  return wrk.format(nil, "/v1/celebrities/celeb-00000/timeline?order=desc&limit=" .. (50 + n % 51) .. "&to=" .. to)
end
LUA
J=$(wrk_run "$B/" "$AUTH" "$RUN/uncached.lua")
put uncached_rps "$(echo "$J" | json_get '["rps"]')"; put uncached_p99 "$(echo "$J" | json_get '["p99_ms"]')"
put asof_distinct "$(( REQS < HEAD - LO + 1 ? REQS : HEAD - LO + 1 ))"
# Appends to celeb-00000 come after the reads of its timeline: they add
# tens of thousands of facts to it, and the rows above measure a celebrity
# with $HEAVY.
say "[7/11] big store: $CONNS clients appending to celeb-00000 ($HEAVY facts: each append re-checks its findings) for ${SECS}s"
J=$(append_load 1 "$SECS")
put heavy_appends "$(echo "$J" | json_get '["per_second"]')"
put heavy_p99 "$(echo "$J" | json_get '["p99_ms"]')"
put heavy_errors "$(echo "$J" | json_get '["errors"]')"

# --- 8. rebuild -----------------------------------------------------------------------------
say "[8/11] rebuild: a plain scan of the events table, then POST /v1/projections/timeline/rebuild until live"
put rebuild_scan "$("$BUILD/bench_sqlite_baseline" scan "$STORE" | json_get '["per_second"]')"
J=$(rebuild_once)
REBUILD_RATE=$(echo "$J" | json_get '["per_second"]')
put rebuild_rate "$REBUILD_RATE"
REBUILT=$(echo "$J" | json_get '["position"]')
put rebuild_events "$REBUILT"
put rebuild_seconds "$(echo "$J" | json_get '["seconds"]')"
put rebuild_result "$(echo "$J" | json_get '["result"]')"
put rebuild_peak_kib "$(echo "$J" | json_get '["peak_rss_kib"]')"
echo "$EVENTS $BIG_APPENDS $SECS $REBUILD_RATE $STEP_RATE $REBUILT" >> "$SERIES"

# --- 9. appends while a rebuild runs ------------------------------------------------------
say "[9/11] appends over $CELEBS streams for ${SECS}s while a rebuild runs (started again whenever one ends)"
python3 "$TOOLS" rebuild-keep "$B" "$TOKEN" "$SECS" > "$RUN/keep.json" &
KEEP=$!; track "$KEEP"
sleep 0.5
J=$(append_load "$CELEBS" "$SECS")
wait "$KEEP" || true; PIDS=${PIDS// $KEEP / }
put during_appends "$(echo "$J" | json_get '["per_second"]')"
put during_p99 "$(echo "$J" | json_get '["p99_ms"]')"
put during_errors "$(echo "$J" | json_get '["errors"]')"
put during_rebuilds "$(json_get '["started"]' < "$RUN/keep.json")"
put during_rebuilding_fraction "$(json_get '["rebuilding_fraction"]' < "$RUN/keep.json")"
# The last rebuild is not waited for: the server stops it on exit, and the
# store is rebuilt from the data set by the next run.
put server_hwm_kib "$(hwm_kib "$MAIN_SERVER")"
stop_pid "$MAIN_SERVER"

# --- 10. PostgreSQL ---------------------------------------------------------------------------
say "[10/11] PostgreSQL: a throwaway cluster; appends through one node, then two, for ${SECS}s each; cached and uncached GETs per node"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { say "bench: PostgreSQL is not installed (make deps installs it)"; exit 1; }
PGDIR="$SHARED/pg"; mkdir -p "$PGDIR"
AS=()
if [ "$(id -u)" = 0 ]; then chown nobody "$PGDIR"; AS=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
"${AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U starlog --auth=trust -E UTF8 --locale=C > "$PGDIR/initdb.log" 2>&1 \
  || { say "bench: initdb failed:"; tail -5 "$PGDIR/initdb.log" >&2; exit 1; }
# Durable like the SQLite store: fsync and synchronous_commit stay on.
"${AS[@]}" "$PGBIN/postgres" -D "$PGDIR/data" -k "$PGDIR" -c listen_addresses= -c max_connections=200 \
  > "$PGDIR/server.log" 2>&1 &
PGPID=$!; track "$PGPID"
PGURI="postgresql:///postgres?host=$PGDIR&user=starlog"
for _ in $(seq 300); do "$BIN" token list --db "$PGURI" >/dev/null 2>&1 && break; sleep 0.1; done
{ head -n "$CELEBS" "$NDJSON"; tail -n +"$((CELEBS + 1))" "$NDJSON" | grep '"stream":"celeb-00000"'; } > "$RUN/pg.ndjson"
PG_LINES=$(wc -l < "$RUN/pg.ndjson")
python3 "$TOOLS" measure "$RUN/pg-import.json" "import into PostgreSQL@notty" "$BIN" import --db "$PGURI" "$RUN/pg.ndjson"
put pg_import_rate "$(python3 -c "import json; print($PG_LINES / json.load(open('$RUN/pg-import.json'))['seconds'])")"
put pg_lines "$PG_LINES"
TOKEN=$(new_token "$PGURI"); AUTH="Authorization: Bearer $TOKEN"
start_server "$PGURI" "$RUN/server-pg-1.log"; PG1=$SERVER; PG1_PORT=$PORT; PG1_B=$B
J=$(append_load "$CELEBS" "$SECS")
put pg1_appends "$(echo "$J" | json_get '["per_second"]')"; put pg1_p99 "$(echo "$J" | json_get '["p99_ms"]')"
put pg1_errors "$(echo "$J" | json_get '["errors"]')"
start_server "$PGURI" "$RUN/server-pg-2.log"; PG2=$SERVER; PG2_PORT=$PORT
# Two loads at once, one per node, half the connections each.
LOADS=""
for port in "$PG1_PORT" "$PG2_PORT"; do
  "$BUILD/bench_append_load" --port "$port" --connections "$(( CONNS / 2 ))" --seconds "$SECS" \
    --celebrities "$CELEBS" --token "$TOKEN" > "$RUN/pg2-$port.json" &
  LOADS="$LOADS $!"
done
for l in $LOADS; do wait "$l" || true; done
put pg2_appends "$(python3 -c "import json; print(sum(json.load(open('$RUN/pg2-' + p + '.json'))['per_second'] for p in ['$PG1_PORT', '$PG2_PORT']))")"
put pg2_p99 "$(python3 -c "import json; print(max(json.load(open('$RUN/pg2-' + p + '.json'))['p99_ms'] for p in ['$PG1_PORT', '$PG2_PORT']))")"
put pg2_errors "$(python3 -c "import json; print(sum(json.load(open('$RUN/pg2-' + p + '.json'))['errors'] for p in ['$PG1_PORT', '$PG2_PORT']))")"
for node in 1 2; do
  NB=http://127.0.0.1:$([ $node = 1 ] && echo "$PG1_PORT" || echo "$PG2_PORT")
  J=$(wrk_run "$NB$TL" "$AUTH")
  put "pg${node}_get_rps" "$(echo "$J" | json_get '["rps"]')"; put "pg${node}_get_p99" "$(echo "$J" | json_get '["p99_ms"]')"
  J=$(wrk_run "$NB/" "$AUTH" "$RUN/uncached.lua")
  put "pg${node}_uncached_rps" "$(echo "$J" | json_get '["rps"]')"; put "pg${node}_uncached_p99" "$(echo "$J" | json_get '["p99_ms"]')"
done
put pg_head "$(curl -sf "$PG1_B/v1/events?limit=1" | json_get '["head"]')"
put pg_node_hwm_kib "$(hwm_kib "$PG1")"
stop_pid "$PG1"; stop_pid "$PG2"
# A new node catching up from the database: how fast a node folds the log.
python3 "$TOOLS" measure "$RUN/pg-verify.json" "verify on PostgreSQL@notty" "$BIN" verify --db "$PGURI" > "$RUN/pg-verify-report.json"
put pg_fold_rate "$(python3 -c "import json; print(json.load(open('$RUN/pg-verify-report.json'))['events'] / json.load(open('$RUN/pg-verify.json'))['seconds'])")"
stop_pid "$PGPID"

# --- 11. report ------------------------------------------------------------------------------
say "[10/11] report"
PLOT_NAME=append_rebuild_vs_log_size.png
PLOT_OK=0
if command -v gnuplot >/dev/null 2>&1; then
  { read -r XTICS; read -r XMIN; read -r XMAX; } < <(python3 -c '
import sys
rows = [l.split() for l in open(sys.argv[1])]
xs = sorted(int(r[0]) for r in rows)
def label(n):
    for d, s in ((10**6, "M"), (10**3, "k")):
        if n >= d: return ("%g" % (n / d)) + s
    return str(n)
print(",".join("\"%s\" %d" % (label(x), x) for x in xs))
print(int(xs[0] * 0.8))
print(int(max(int(r[5]) for r in rows) * 1.1))' "$SERIES")
  MACHINE="$(nproc) cores, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), $(( $(awk '/^MemTotal/{print $2}' /proc/meminfo) / 1024 )) MiB RAM, Linux $(uname -r)"
  if gnuplot > "$RUN/gnuplot.log" 2>&1 <<GP
set terminal pngcairo size 960,560 noenhanced
set output "$RUN/$PLOT_NAME"
set title "Starlog: append and rebuild rate against log size\n$CELEBS celebrities, up to $EVENTS events; $MACHINE"
set xlabel "events in the log"
set ylabel "appends/s ($CONNS clients, over all streams)"
set y2label "rebuild, events/s"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set logscale x
set xtics ($XTICS)
set xrange [$XMIN:$XMAX]
set grid
set key top right
plot "$SERIES" using 1:2 axes x1y1 with linespoints lw 2 pt 7 title "appends/s at that log size (left axis)", \
     "$SERIES" using 6:4 axes x1y2 with linespoints lw 2 pt 5 title "rebuild of the log, events/s (right axis)"
GP
  then PLOT_OK=1; else say "bench: gnuplot failed (see $RUN/gnuplot.log)"; fi
else
  say "bench: gnuplot is missing (the Debian package gnuplot-nox; make deps installs it): no plot"
fi
put plot_ok "$PLOT_OK"
put date "$(date -u +%Y-%m-%dT%H:%MZ)"
put commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY=$(git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null | wc -l || echo 0)
[ "$DIRTY" -gt 0 ] && put dirty " with uncommitted changes in $DIRTY tracked files" || put dirty ""
put elapsed "$(( SECONDS - T0 ))"
PLOT_OUT=""
if [ -n "$RESULTS" ]; then
  PLOT_OUT="$(dirname "$RESULTS")/$PLOT_NAME"
  [ "$PLOT_OK" = 1 ] && cp "$RUN/$PLOT_NAME" "$PLOT_OUT"
fi
python3 "$TOOLS" report "$FIG" "$RESULTS" "$PLOT_OUT"
[ "$PLOT_OK" = 1 ] && say "plot: ${PLOT_OUT:-$RUN/$PLOT_NAME}"
say "bench: $(( SECONDS - T0 )) s end to end"
