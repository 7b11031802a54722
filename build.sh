#!/usr/bin/env bash
# Build and test DiskTools where there is no pwsh (build.ps1 does the same and more where there is).
#   ./build.sh [deps] [build] [test] [bench]    default: build
#   deps   install the system packages the tests need (apt-get; run as root), and pwsh + Pester into tools/
#   build  assemble output/DiskTools/<version>/ (the importable module) and output/launcher/ (disktools)
#   test   build, then run every xUnit project and the Pester suite in real pwsh; prints one
#          'Total: N passed, N failed, N skipped' line over both
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
configuration=${CONFIGURATION:-Release}
version=$(sed -n "s/^ *ModuleVersion *= *'\([0-9.]*\)'.*/\1/p" DiskTools.psd1)
module_dir="$root/output/DiskTools/$version"
launcher_dir="$root/output/launcher"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '==> %s\n' "$*" >&2; }

task_deps() {
  bash "$root/build/install-deps.sh"
  bash "$root/build/install-tools.sh"
}

pwsh="$root/tools/pwsh/pwsh"

# The Pester suite runs in the pinned pwsh against the built module, with the shared C# fixtures
# (PostgreSQL, sshd, btrfs) published beside it so the .Tests.ps1 files can start them.
run_pester() {
  local results=$1
  if [ ! -x "$pwsh" ] || [ ! -d "$root/tools/Modules/Pester" ]; then
    echo "pwsh or Pester is missing under tools/: run ./build.sh deps" >&2
    return 1
  fi
  dotnet publish tests/DiskTools.TestFixtures/DiskTools.TestFixtures.csproj -c "$configuration" \
    -o "$root/output/test-fixtures" --nologo -v q
  log "testing Pester suite (pwsh $("$pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()'))"
  PSModulePath="$root/tools/Modules" "$pwsh" -NoProfile -NonInteractive -File tests/Pester/Invoke-PesterSuite.ps1 \
    -OutputPath "$root/output" -ResultsPath "$results" 2>&1 | tee "$results/Pester.log"
  return "${PIPESTATUS[0]}"
}

task_build() {
  log "DiskTools $version -> $module_dir"
  rm -rf "$module_dir" "$launcher_dir"
  # The launcher's former folder; checked by its file, as on a case-insensitive file system it is DiskTools/.
  if [ -f "$root/output/disktools/disktools.dll" ]; then rm -rf "$root/output/disktools"; fi
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
  run_pester "$results" || status=1
  # One summary line over all projects and the Pester suite, in the form CI reads, from the TRX and
  # Pester counters (a run that died before writing them counts as a failure).
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
  if [ -f "$results/Pester.counters" ]; then
    local pp pf ps
    read -r pp pf ps <"$results/Pester.counters"
    passed=$((passed + pp)); failed=$((failed + pf)); skipped=$((skipped + ps))
  else
    failed=$((failed + 1)); status=1
  fi
  # What failed, again at the very end, so whoever reads only the tail of the output sees it.
  if [ "$failed" -gt 0 ]; then
    echo "Failed:"
    for log_file in "$results"/*.log; do
      # xUnit: "  Failed <name> [time]", then "  Error Message:" and the message; Pester: "[-] <name>".
      sed 's/\x1b\[[0-9;]*m//g' "$log_file" | awk '
        /^  Failed / { print "  " substr($0, 10); want = 1; next }
        want && /Error Message:/ { next }
        want { print "      " substr($0, 1, 300); want = 0 }
        /\[-\] / { sub(/^ */, ""); print "  " substr($0, 1, 300) }'
    done
  fi
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
