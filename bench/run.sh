#!/usr/bin/env bash
# Runs the intake benchmarks against a fresh `postdesk serve` on loopback:
#   bench/run.sh [BUILD_DIR]
# Environment: MESSAGES (default 5000), CONNECTIONS (default 8), SIZE (default 4096),
# INGEST_MESSAGES (default 200).
set -euo pipefail
build=${1:-build}
bin=$build/postdesk
messages=${MESSAGES:-5000}
connections=${CONNECTIONS:-8}
size=${SIZE:-4096}
ingest_messages=${INGEST_MESSAGES:-200}

dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" serve --data "$dir" --smtp 127.0.0.1:0 --http 127.0.0.1:0 --domain support.example \
  >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -f "$dir/ports.json" ] && break; sleep 0.1; done
port=$(sed -E 's/.*"smtp": *([0-9]+).*/\1/' "$dir/ports.json")

"$build/bench/smtp_load" --port "$port" --messages "$messages" --connections "$connections" \
  --size "$size" --to support@support.example

# The pipe door: one process per message, as an MTA's pipe transport runs it.
msg="$dir/msg.eml"
start=$(date +%s.%N)
for i in $(seq "$ingest_messages"); do
  printf 'From: pipe@customer.test\r\nSubject: pipe %s\r\nMessage-ID: <pipe-%s-%s@customer.test>\r\n\r\nbody %s\r\n' \
    "$i" "$i" "$$" "$i" >"$msg"
  "$bin" ingest --data "$dir" --domain support.example --recipient support@support.example \
    --sender pipe@customer.test <"$msg" >/dev/null
done
end=$(date +%s.%N)
awk -v n="$ingest_messages" -v s="$start" -v e="$end" \
  'BEGIN { printf "ingest: %d messages, one process each, beside a running server: %.0f msg/s\n", n, n / (e - s) }'
