#!/bin/bash
# Runs one libFuzzer harness for a while on a copy of its seed corpus.
# usage: tests/fuzz/run.sh NAME MINUTES [BUILD-DIR]   (NAME: json,
#   safetensors, labels or image; BUILD-DIR default build-fuzz, made with
#   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false)
# New corpus entries go to $WORK (default /tmp/sst-fuzz/NAME), findings to
# $WORK/crash-* etc.; copy a finding into tests/fuzz/crashes/NAME/ once it
# is fixed, and the test suite replays it from then on.
set -eu
name=$1 minutes=$2 build=${3:-build-fuzz}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/$build/tests/fuzz/fuzz-$name
[ -x "$bin" ] || { echo "no $bin: build it first (see tests/fuzz/README.md)" >&2; exit 2; }
work=${WORK:-/tmp/sst-fuzz/$name}
mkdir -p "$work/corpus"
cd "$work"
# -timeout is wall-clock: at 10 s a fuzzer at nice 19 on two busy cores
# reported "timeouts" of inputs that replay in 0.1 s (2026-12-02)
exec nice "$bin" -max_total_time=$((minutes * 60)) -print_final_stats=1 \
  -timeout=120 -rss_limit_mb=2048 "$work/corpus" "$root/tests/fuzz/corpus/$name"
