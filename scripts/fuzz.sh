#!/usr/bin/env bash
# Runs both fuzz targets (compiler/fuzz: `parse` and `compile`) for a fixed
# number of runs from a fixed seed, on the stable toolchain, seeded with the
# repository's .kdl files: part of the test command, so fuzzing is a habit,
# and deterministic, so a run that passed here passes in CI.
#
# cargo-fuzz is installed into .tools/cargo (crates.io). It builds with
# `-Cpasses=sancov-module` and libFuzzer; RUSTC_BOOTSTRAP=1 lets stable
# accept the few unstable flags it passes, and no sanitizer is used (those
# need nightly). A longer run, for a session:
#   INFRAC_FUZZ_RUNS=-1 INFRAC_FUZZ_SECONDS=1200 bash scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CARGO_FUZZ="$ROOT/.tools/cargo/bin/cargo-fuzz"
if [ ! -x "$CARGO_FUZZ" ]; then
  cargo install --quiet --locked cargo-fuzz@0.13.2 --root "$ROOT/.tools/cargo"
fi
export PATH="$ROOT/.tools/cargo/bin:$PATH" RUSTC_BOOTSTRAP=1
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# The corpus: every .kdl of the repository, less the size-limit cases
# (legal projects of many resources, slow under instrumentation).
i=0
while IFS= read -r f; do
  head -1 "$f" | grep -q '^// robustness: skip' && continue
  cp "$f" "$scratch/$i.kdl"
  i=$((i + 1))
done < <(git ls-files '*.kdl')
cd compiler/fuzz
for target in parse compile; do
  runs="${INFRAC_FUZZ_RUNS:-}"
  if [ -z "$runs" ]; then
    [ "$target" = parse ] && runs=150000 || runs=8000
  fi
  mkdir -p "$scratch/corpus-$target"
  cp "$scratch"/*.kdl "$scratch/corpus-$target/"
  log="$scratch/$target.log"
  if ! cargo fuzz run "$target" --sanitizer none "$scratch/corpus-$target" -- \
      -seed=1 -runs="$runs" -max_total_time="${INFRAC_FUZZ_SECONDS:-600}" \
      -timeout=10 -rss_limit_mb=4096 >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: $target failed (artifacts in compiler/fuzz/artifacts/$target)"
    exit 1
  fi
  echo "fuzz: $target: $(grep -E '^Done [0-9]+ runs' "$log" | tail -1)"
done
