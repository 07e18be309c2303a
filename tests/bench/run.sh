#!/usr/bin/env bash
# The benchmark in one command (see "Benchmark" in README.md):
#   tests/bench/run.sh [bench.py options, e.g. --runs 3 or --only throughput latency]
# Builds Release into build-bench-rel/ (its own directory: the bench targets are off in normal
# builds and never registered with CTest), then runs every figure with tests/bench/bench.py,
# prints the table and writes build-bench-rel/bench-results.json. About 20 minutes on 2 cores.
# Needs what ./dev test needs (Qt 6 dev packages, node + npm, Debian's python3-socketio).
# clang, as ./dev builds every tree: the figures are those of the binary ./dev run starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${EA_BENCH_BUILD_DIR:-$root/build-bench-rel}
work=$(mktemp -d "${TMPDIR:-/tmp}/ea-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ ! -d tests/peers/node_modules ]] || [[ tests/peers/package-lock.json -nt tests/peers/node_modules ]]; then
    (cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
fi
if ! /usr/bin/python3 -c 'import socketio, aiohttp' 2>/dev/null; then
    echo "run.sh: Debian's python3-socketio and python3-aiohttp are needed (apt-get install python3-socketio python3-aiohttp)" >&2
    exit 2
fi

echo "== building Release into $build" >&2
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEA_BUILD_TESTS=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DEA_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j2 --target event-aggregator ea-bench-pipeline >&2

echo "== measuring (load average now: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
/usr/bin/python3 tests/bench/bench.py --app "$build/app/event-aggregator" \
    --pipeline "$build/tests/bench/ea-bench-pipeline" --work "$work" \
    --json "$build/bench-results.json" "$@"
