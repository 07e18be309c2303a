#!/usr/bin/env bash
# Event -> tray / watch / notification latency (README "Benchmark"):
#   tests/bench/attention.sh [rounds, default 20]
# Builds ea-bench-attention in Release into build-bench-rel/ and runs it on a private D-Bus
# session bus (dbus-run-session), where it registers a notification service that records when
# each Notify call arrives. Prints one JSON line of medians and maxima in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${EA_BENCH_BUILD_DIR:-$PWD/build-bench-rel}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEA_BUILD_TESTS=ON \
    -DEA_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j2 --target ea-bench-attention >&2
exec dbus-run-session -- "$build/tests/bench/ea-bench-attention" "${1:-20}"
