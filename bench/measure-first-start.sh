#!/bin/bash
# Time a newcomer's first `make up`: a fresh clone in a temp dir, no DATABASE_URL (so the
# embedded PostgreSQL path runs), MESSAGEFLOW_HOME in the temp dir, from `make up` to the printed
# demo login; then stop it. Usage: bench/measure-first-start.sh [REPO] [BRANCH]
# (docs/benchmarks.md, "First start"). Extra environment (e.g. MESSAGEFLOW_INSTALLER=pip) passes.
set -euo pipefail
REPO=${1:-$(git rev-parse --show-toplevel)}
BRANCH=${2:-$(git -C "$REPO" rev-parse --abbrev-ref HEAD)}
WORK=$(mktemp -d /tmp/mf-first-start.XXXXXX)
git clone -q --branch "$BRANCH" "$REPO" "$WORK/repo"
cd "$WORK/repo"
export MESSAGEFLOW_HOME="$WORK/home" PORT=${PORT:-18180} DAGSTER_PORT=${DAGSTER_PORT:-13100}
export STREAMLIT_PORT=${STREAMLIT_PORT:-18601}
unset DATABASE_URL
start=$(date +%s.%N)
setsid make up > "$WORK/up.log" 2>&1 &
pid=$!
until grep -q "^  password  " "$WORK/up.log"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "make up ended early; see $WORK/up.log"; exit 1; fi
    sleep 0.5
done
login=$(date +%s.%N)
grep -E "^==> installed" "$WORK/up.log" || true
printf 'make up -> demo login: %.1f s (log: %s)\n' "$(echo "$login - $start" | bc)" "$WORK/up.log"
kill -INT -- -"$pid" 2>/dev/null || true
wait "$pid" || true
