#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each one for a
# bounded time on a copy of its seed corpus, two at a time (one per core).
#   tests/fuzz/run.sh [seconds per target, default 30] [target...]
# A crash, leak, timeout or out-of-memory stops that target; its input is left in
# build-fuzz/artifacts/<target>/ and the script exits 1 at the end. Copy such an input to
# tests/fuzz/regressions/<target>/ once the bug is fixed: the normal test run replays it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
shift || true
build=${EA_FUZZ_BUILD_DIR:-$root/build-fuzz}
all=(engine socket normalizer recording journal sessionfile config redactor)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    echo "fuzz: clang and libclang-rt-14-dev are needed (apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi

# A sanitized clang tree of the whole project (./dev test --asan, EA_FUZZ_BUILD_DIR=build-asan)
# already holds the instrumented core: the targets are built there. Otherwise a core-only tree.
if ! grep -q '^EA_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DEA_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

summary="$build/fuzz-summary.txt"
: >"$summary"
run_one() {
    local t=$1
    local work="$build/corpus/$t" art="$build/artifacts/$t/" log="$build/fuzz-$t.log"
    mkdir -p "$work" "$art"
    # Seeds and regressions are read-only inputs; new coverage goes to the working corpus.
    local inputs=("$work" "$root/tests/fuzz/corpus/$t")
    [[ -d $root/tests/fuzz/regressions/$t ]] && inputs+=("$root/tests/fuzz/regressions/$t")
    local status=0
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$art" "${inputs[@]}" \
        >"$log" 2>&1 || status=$?
    local execs
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    local cov
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
    if [[ $status -eq 0 ]]; then
        echo "fuzz_$t: ${execs:-0} executions in ${seconds}s, coverage $cov, no crash" >>"$summary"
    else
        echo "fuzz_$t: FAILED (exit $status) after ${execs:-0} executions; see $log and $art" >>"$summary"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >>"$summary" || true
    fi
}

# Two at a time: the machine has two cores.
pids=()
for t in "${targets[@]}"; do
    run_one "$t" &
    pids+=($!)
    if [[ ${#pids[@]} -ge 2 ]]; then
        wait "${pids[0]}"
        pids=("${pids[@]:1}")
    fi
done
wait
sort "$summary"
! grep -q FAILED "$summary"
