#!/usr/bin/env bash
# Runs every libFuzzer target of BUILD_DIR for SECONDS each, starting from the
# seed corpus in fuzz/corpus/<target>/ (new inputs go to BUILD_DIR/corpus/,
# never into the repository; crashes to BUILD_DIR/artifacts/). Prints one line
# per target; on a finding prints the fuzzer's log and exits 1.
#   fuzz/run.sh build-fuzz 5      # the smoke run of `make test`
#   fuzz/run.sh build-fuzz 600    # `make fuzz`
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS}
failed=0
for target in occurred event_validation http_request; do
  bin="$build/${target}_fuzz"
  work="$build/corpus/$target"
  log="$build/${target}_fuzz.log"
  mkdir -p "$work" "$build/artifacts"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$build/artifacts/$target-" "$work" "fuzz/corpus/$target" >"$log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1 || true)
    echo "fuzz: $target clean (${runs:-done} in ${seconds}s)"
  else
    echo "fuzz: $target FAILED; its log:"
    tail -60 "$log"
    failed=1
  fi
done
exit $failed
