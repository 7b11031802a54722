#!/usr/bin/env bash
# Build and test DiskTools where there is no pwsh (build.ps1 does the same and more where there is).
#   ./build.sh [deps] [build] [test] [bench]    default: build
#   deps   install the system packages the tests need (apt-get; run as root)
#   build  assemble output/DiskTools/<version>/ (the importable module) and output/disktools/ (launcher)
#   test   build, then run every test project; prints one 'N passed, N failed' summary line
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
configuration=${CONFIGURATION:-Release}
version=$(sed -n "s/^ *ModuleVersion *= *'\([0-9.]*\)'.*/\1/p" DiskTools.psd1)
module_dir="$root/output/DiskTools/$version"
launcher_dir="$root/output/disktools"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '==> %s\n' "$*" >&2; }

task_deps() {
  bash "$root/build/install-deps.sh"
}

task_build() {
  log "DiskTools $version -> $module_dir"
  rm -rf "$module_dir" "$launcher_dir"
  mkdir -p "$module_dir/bin" "$module_dir/en-US"
  # ReadyToRun for this machine's runtime: start-up and the first scan skip the JIT; the IL stays in the
  # assemblies, so the module still loads on any other platform pwsh runs on.
  dotnet publish src/DiskTools/DiskTools.csproj -c "$configuration" -o "$module_dir/bin" --nologo -v q \
    --use-current-runtime --self-contained false -p:PublishReadyToRun=true
  dotnet publish src/DiskTools.Loader/DiskTools.Loader.csproj -c "$configuration" -o "$module_dir/bin" --nologo -v q
  rm -f "$module_dir"/bin/*.pdb.bak "$module_dir"/bin/*.deps.json.bak
  cp DiskTools.psd1 "$module_dir/"
  cp module/DiskTools.psm1 module/*.ps1xml "$module_dir/"
  cp -r module/en-US/. "$module_dir/en-US/"
  dotnet run --project build/HelpBuilder/HelpBuilder.csproj -c "$configuration" -- \
    "$root/docs/en-US" "$module_dir/en-US/DiskTools.dll-Help.xml"
  # ReadyToRun (precompiled, including the PowerShell engine) halves the launcher's start-up; it needs a RID.
  dotnet publish src/DiskTools.Host/DiskTools.Host.csproj -c "$configuration" -o "$launcher_dir" --nologo -v q \
    --use-current-runtime --self-contained false -p:PublishReadyToRun=true
  log "launcher: $launcher_dir/disktools"
}

task_test() {
  task_build
  local results="$root/output/test-results"
  rm -rf "$results"; mkdir -p "$results"
  local status=0
  export DISKTOOLS_OUTPUT="$root/output"
  for project in tests/*.Tests/*.csproj; do
    local name; name=$(basename "$project" .csproj)
    log "testing $name"
    dotnet test "$project" -c "$configuration" --nologo \
      --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
      --logger "console;verbosity=normal" 2>&1 | tee "$results/$name.log" || status=1
  done
  # One summary line over all projects, in the form CI reads, from the TRX counters (a project whose
  # test host died leaves no TRX and counts as a failure).
  local passed=0 failed=0 skipped=0
  for project in tests/*.Tests/*.csproj; do
    local trx; trx="$results/$(basename "$project" .csproj).trx"
    if [ ! -f "$trx" ]; then failed=$((failed + 1)); status=1; continue; fi
    local counters; counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    local t p f
    t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + t - p - f))
  done
  echo "Total: $passed passed, $failed failed, $skipped skipped"
  return $status
}

task_bench() {
  task_build
  bash "$root/bench/run.sh"
}

[ $# -gt 0 ] || set -- build
for task in "$@"; do
  case "$task" in
    deps|build|test|bench) "task_$task" ;;
    *) echo "unknown task: $task (deps, build, test, bench)" >&2; exit 2 ;;
  esac
done
