#!/usr/bin/env bash
# Runs every benchmark; `make bench` calls it with the build directory:
#   bench/run.sh [BUILD_DIR]
# Each benchmark prints one line (see bench/README.md). Servers listen on
# 127.0.0.1 only, on ports the kernel picks, with data in a temporary directory.
#
# Environment:
#   MESSAGES (default 5000), CONNECTIONS (8), SIZE (4096)   intake + outbound, concurrently
#   OUT_TICKETS (default 1000)                               outbound backlog drain
#   INGEST_MESSAGES (default 200)                            the pipe door
#   AUTH_SECONDS (default 1)                                 CPU seconds per auth run (3 runs)
#   VIEW_TICKETS (default 100000), VIEW_REQUESTS (200)      workspace ticket lists
#   ONLY: a space-separated subset of "intake outbound ingest rules auth spam views"
set -euo pipefail
# DNS stays on loopback: by default a closed port, so every sender-authentication
# lookup is a quick temperror and no benchmark depends on the network.
bench_dns=${BENCH_DNS:-127.0.0.1:1}
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/postdesk
messages=${MESSAGES:-5000}
connections=${CONNECTIONS:-8}
size=${SIZE:-4096}
out_tickets=${OUT_TICKETS:-1000}
ingest_messages=${INGEST_MESSAGES:-200}
auth_seconds=${AUTH_SECONDS:-1}
view_tickets=${VIEW_TICKETS:-100000}
view_requests=${VIEW_REQUESTS:-200}
only=${ONLY:-intake outbound ingest rules auth spam views}
python=/usr/bin/python3

want() { [[ " $only " == *" $1 "* ]]; }

dir=$(mktemp -d)
pids=()
stopped=()
cleanup() {
  for p in "${stopped[@]}"; do kill -CONT "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

now() { date +%s.%N; }

# wait_for FILE PATTERN SECONDS: until a line of FILE matches PATTERN.
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "bench: timed out waiting for '$2' in $(basename "$1")" >&2
      return 1
    fi
    sleep 0.05
  done
}

# start_sink NAME EXPECT: sets sink_pid and sink_port; output in $dir/NAME.out.
start_sink() {
  "$build/bench/smtp_sink" --expect "$2" >"$dir/$1.out" 2>&1 &
  sink_pid=$!
  pids+=("$sink_pid")
  wait_for "$dir/$1.out" '^port ' 10
  sink_port=$(awk '/^port /{print $2}' "$dir/$1.out")
}

# start_serve NAME [ARGS...]: sets serve_pid, smtp_port, data (= $dir/NAME).
start_serve() {
  data=$dir/$1
  shift
  mkdir -p "$data"
  # The load generator sends thousands of messages from a few senders: the
  # per-sender rate limit (20 accepted + 20 suspended an hour) is switched off
  # so the benchmark measures throughput, not the limiter.
  printf 'rate_accept_per_hour = 0\n' >"$data/bench.toml"
  "$bin" serve --data "$data" --config "$data/bench.toml" --smtp 127.0.0.1:0 --http 127.0.0.1:0 \
    --domain support.example --dns "$bench_dns" "$@" >"$data/serve.log" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
  wait_for "$data/ports.json" smtp 10
  smtp_port=$(sed -E 's/.*"smtp": *([0-9]+).*/\1/' "$data/ports.json")
}

# field LINE NAME: the number after "NAME " in a sink line.
sink_field() { sed -E "s/.* $2 ([0-9.]+).*/\1/" <<<"$1"; }

# Every new ticket sends two notifications through the default triggers:
# "Notify requester and CCs of received request" (to the customer) and
# "Notify all agents of received request" (to the one agent, the admin).
per_ticket=2

if want intake || want outbound; then
  # 1. Intake and outbound together: SMTP in, notifications out to a sink.
  start_sink sink1 $((messages * per_ticket))
  start_serve concurrent --relay "127.0.0.1:$sink_port"
  start=$(now)
  "$build/bench/smtp_load" --port "$smtp_port" --messages "$messages" \
    --connections "$connections" --size "$size" --to support@support.example
  wait_for "$dir/sink1.out" '^sink:' 600
  line=$(grep '^sink:' "$dir/sink1.out" | head -1)
  last=$(sink_field "$line" last)
  first=$(sink_field "$line" first)
  awk -v n=$((messages * per_ticket)) -v s="$start" -v f="$first" -v l="$last" 'BEGIN {
    printf "outbound (beside intake): %d notifications to a local SMTP sink, load start -> last delivered %.2f s: %.0f msg/s (first -> last delivered: %.0f msg/s)\n",
      n, l - s, n / (l - s), (n - 1) / (l - f) }'
  kill "$serve_pid" "$sink_pid"
  wait "$serve_pid" "$sink_pid" 2>/dev/null || true
fi

if want outbound; then
  # 2. The queue's own drain rate: a backlog is queued while the sink is
  # stopped (SIGSTOP; connections wait in its listen queue), then released.
  start_sink sink2 $((out_tickets * per_ticket))
  start_serve backlog --relay "127.0.0.1:$sink_port"
  kill -STOP "$sink_pid"
  stopped+=("$sink_pid")
  "$build/bench/smtp_load" --port "$smtp_port" --messages "$out_tickets" \
    --connections "$connections" --size "$size" --to support@support.example >/dev/null
  resumed=$(now)
  kill -CONT "$sink_pid"
  stopped=()
  wait_for "$dir/sink2.out" '^sink:' 600
  line=$(grep '^sink:' "$dir/sink2.out" | head -1)
  last=$(sink_field "$line" last)
  awk -v n=$((out_tickets * per_ticket)) -v s="$resumed" -v l="$last" 'BEGIN {
    printf "outbound (backlog drain): %d queued notifications delivered to a local SMTP sink in %.2f s: %.0f msg/s\n",
      n, l - s, n / (l - s) }'
  backlog_data=$data
  backlog_pid=$serve_pid
fi

if want ingest; then
  # 3. The pipe door: one process per message, as an MTA's pipe transport runs
  # it, beside a running server on the same data directory.
  if [ -z "${backlog_pid:-}" ]; then
    start_serve ingest
    backlog_data=$data
  fi
  msg="$dir/msg.eml"
  start=$(now)
  for i in $(seq "$ingest_messages"); do
    printf 'From: pipe@customer.test\r\nSubject: pipe %s\r\nMessage-ID: <pipe-%s-%s@customer.test>\r\n\r\nbody %s\r\n' \
      "$i" "$i" "$$" "$i" >"$msg"
    # The server's config: the per-sender rate is off here too (ingest counts
    # each sender's mail from the store, and all 200 come from one sender).
    "$bin" ingest --dns "$bench_dns" --data "$backlog_data" --config "$backlog_data/bench.toml" \
      --domain support.example --recipient support@support.example --sender pipe@customer.test \
      <"$msg" >/dev/null
  done
  end=$(now)
  awk -v n="$ingest_messages" -v s="$start" -v e="$end" \
    'BEGIN { printf "ingest: %d messages, one process each, beside a running server: %.0f msg/s\n", n, n / (e - s) }'
fi

if want rules; then
  # 4. Trigger evaluation (Google Benchmark; built only when it is installed).
  if [ -x "$build/src/rules/rules_bench" ]; then
    "$build/src/rules/rules_bench" --benchmark_filter='BM_Evaluate200Triggers$' \
      --benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
      --benchmark_format=csv 2>/dev/null >"$dir/rules.csv"
    # name,iterations,real_time,cpu_time,time_unit,...
    awk -F, '/_median"?,/ { gsub(/"/, "", $5);
      printf "rules: EvaluateTriggers with 200 active triggers (10 defaults + 190 custom), one new-ticket update: %.1f %s CPU (median of 3) = %.0f updates/s per core\n",
        $4, $5, ($5 == "us" ? 1e6 : ($5 == "ns" ? 1e9 : 1e3)) / $4 }' "$dir/rules.csv"
  else
    echo "rules: skipped (rules_bench not built: Google Benchmark, Debian libbenchmark-dev, is missing)"
  fi
fi

if want auth; then
  # 5. Sender authentication per core, and the same DKIM messages verified by
  # dkimpy (Debian python3-dkim) in the same run.
  mkdir -p "$dir/auth"
  "$build/bench/auth_bench" --seconds "$auth_seconds" --repeat 3 --export "$dir/auth" |
    tee "$dir/auth.txt"
  if "$python" -c 'import dkim, nacl' 2>/dev/null; then
    "$python" "$here/dkimpy_reference.py" "$dir/auth" "$auth_seconds" | tee "$dir/dkimpy.txt"
    for c in dkim-rsa dkim-ed25519; do
      ours=$(awk -v c="$c" '$1 == "auth" && $2 == c { print $3 }' "$dir/auth.txt")
      theirs=$(awk -v c="$c" '$1 == "dkimpy" && $2 == c { print $3 }' "$dir/dkimpy.txt")
      awk -v c="$c" -v o="$ours" -v t="$theirs" 'BEGIN {
        printf "auth %s: postdesk / dkimpy = %.1fx (%s vs %s verifications/s per core, same messages, same run)\n",
          c, o / t, o, t }'
    done
  else
    echo "auth: dkimpy reference skipped (Debian python3-dkim and python3-nacl are needed)"
  fi
fi

if want spam; then
  # 6. The spam filter against bogofilter on the SpamAssassin corpus, both
  # splits (installs the corpus into bench/out the first time).
  "$here/spam_accuracy.sh" "$build"
fi

if want views; then
  # 7. The workspace at scale: a store with VIEW_TICKETS tickets, postdesk
  # serve on it, each list VIEW_REQUESTS times over one keep-alive connection,
  # then the workspace's bundle size.
  mkdir -p "$dir/views"
  seed_start=$(now)
  "$build/bench/views_bench" seed "$dir/views" "$view_tickets"
  awk -v n="$view_tickets" -v s="$seed_start" -v e="$(now)" \
    'BEGIN { printf "views: seeded %d tickets in %.1f s\n", n, e - s }'
  "$bin" serve --data "$dir/views" --smtp 127.0.0.1:0 --http 127.0.0.1:0 \
    --domain support.example --dns "$bench_dns" >"$dir/views/serve.log" 2>&1 &
  views_pid=$!
  pids+=("$views_pid")
  wait_for "$dir/views/ports.json" http 30
  http_port=$(sed -E 's/.*"http": *([0-9]+).*/\1/' "$dir/views/ports.json")
  "$build/bench/views_bench" load "$http_port" "$(cat "$dir/views/admin-token")" "$view_requests" \
    /api/v2/views/compact \
    "/api/v2/views/all_open/tickets?per_page=50" \
    "/api/v2/views/all_open/tickets?per_page=50&page=500" \
    "/api/v2/views/all_open/tickets?per_page=50&sort_by=requester" \
    "/api/v2/views/unassigned/tickets?per_page=50" \
    "/api/v2/search?query=status%3Aopen%20invoice&per_page=50" \
    "/api/v2/search?query=%E8%AB%8B%E6%B1%82%E6%9B%B8&per_page=50" \
    /agent/views/all_open
  kill "$views_pid"
  wait "$views_pid" 2>/dev/null || true
  if ls "$here"/../web/dist/assets/*.js >/dev/null 2>&1; then
    js=$(cat "$here"/../web/dist/assets/*.js | wc -c)
    js_gz=$(cat "$here"/../web/dist/assets/*.js | gzip -9 | wc -c)
    css_gz=$(cat "$here"/../web/dist/assets/*.css 2>/dev/null | gzip -9 | wc -c)
    echo "views: workspace bundle: JavaScript $js bytes, $js_gz gzipped; CSS $css_gz gzipped"
  else
    echo "views: workspace bundle: web/dist not built"
  fi
fi
