#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after another,
# from the seeds below. The corpus each run grows is kept in
# fuzz/corpus/TARGET (not committed); a crash, leak or timeout stops the
# script with its input saved as fuzz/crashes/TARGET-... (turn it into a
# regression test). Usage: fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]}
seconds=${2:-60}
shift $(( $# > 1 ? 2 : 1 ))
declare -A seeds=(
  [smtp_session_fuzz]="fuzz/seeds/smtp"
  [mime_fuzz]="tests/data/mail tests/data/dkim tests/data/arc/forwarded"
  [dsn_fuzz]="tests/data/bounces/bsd tests/data/bounces/not"
  [auth_records_fuzz]="fuzz/seeds/auth"
  [triggers_fuzz]="fuzz/seeds/triggers"
  [http_fuzz]="fuzz/seeds/http"
  [email_lists_fuzz]="fuzz/seeds/email_lists"
  [html_fuzz]="tests/data/xss"
)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(smtp_session_fuzz mime_fuzz dsn_fuzz auth_records_fuzz triggers_fuzz
                                      http_fuzz email_lists_fuzz html_fuzz)
mkdir -p fuzz/crashes
# glib and GMime keep global caches for the process's life: not our leaks.
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  [ -x "$bin" ] || { echo "fuzz: $bin not built (configure with -DPOSTDESK_FUZZ=ON)" >&2; exit 2; }
  mkdir -p "fuzz/corpus/$t"
  seed_dirs=()
  for d in ${seeds[$t]}; do [ -d "$d" ] && seed_dirs+=("$d"); done
  echo "fuzz: $t for ${seconds}s"
  "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=262144 \
    -print_final_stats=1 -artifact_prefix="fuzz/crashes/$t-" \
    "fuzz/corpus/$t" "${seed_dirs[@]}" 2>&1 | grep -E '^(stat::|#[0-9]+ +DONE|==[0-9]+==|SUMMARY|INFO: (Seed|Loaded))|Test unit written' || true
  # libFuzzer's status is lost in the pipe: a saved artifact is the failure.
  if compgen -G "fuzz/crashes/$t-*" > /dev/null; then
    echo "fuzz: $t found a failing input: $(ls fuzz/crashes/$t-*)" >&2
    exit 1
  fi
done
