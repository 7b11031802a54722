#!/usr/bin/env bash
# Installs the pinned test tools into tools/ (git-ignored), without touching the system:
#   tools/pwsh/pwsh                 PowerShell 7.6.9, the dotnet global tool (ships PSResourceGet)
#   tools/Modules/Pester/<version>  Pester, the tools/ folder of its NuGet package, checked by SHA-512
# Re-running is cheap: whatever is already there at the pinned version is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pwsh_version=7.6.9
pester_version=5.7.1
pester_sha512=0419649aaea0b783b24ed06e97d6be7ab0401018d7d4f928e75507427578493ba0927d46b3faae89127e58804008a774732a32f4ccc9bf9fade61c59a9564bd4
feed=${NUGET_FLAT_CONTAINER:-https://api.nuget.org/v3-flatcontainer}
tools="$root/tools"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

pwsh="$tools/pwsh/pwsh"
if [ -x "$pwsh" ] && [ "$("$pwsh" -NoProfile -NoLogo -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)" = "$pwsh_version" ]; then
  echo "pwsh $pwsh_version: present" >&2
else
  rm -rf "$tools/pwsh"
  echo "installing pwsh $pwsh_version (dotnet tool) -> $tools/pwsh" >&2
  dotnet tool install --tool-path "$tools/pwsh" PowerShell --version "$pwsh_version" >/dev/null
fi

pester_dir="$tools/Modules/Pester/$pester_version"
if [ -f "$pester_dir/Pester.psd1" ]; then
  echo "Pester $pester_version: present" >&2
else
  echo "installing Pester $pester_version (NuGet) -> $pester_dir" >&2
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  # pwsh does the download and the unzip, so a fresh machine needs neither curl nor unzip.
  PESTER_URI="$feed/pester/$pester_version/pester.$pester_version.nupkg" PESTER_FILE="$download/pester.nupkg" \
  PESTER_SHA512="$pester_sha512" PESTER_TARGET="$pester_dir" \
  "$pwsh" -NoProfile -NoLogo -NonInteractive -Command '
    $ErrorActionPreference = "Stop"
    $uri, $file, $sha512, $target = $env:PESTER_URI, $env:PESTER_FILE, $env:PESTER_SHA512, $env:PESTER_TARGET
    $ProgressPreference = "SilentlyContinue"
    Invoke-WebRequest -Uri $uri -OutFile $file
    $actual = (Get-FileHash -LiteralPath $file -Algorithm SHA512).Hash
    if ($actual -ne $sha512) { throw "Pester package hash mismatch: got $actual" }
    $unpacked = Join-Path ([IO.Path]::GetDirectoryName($file)) unpacked
    Expand-Archive -LiteralPath $file -DestinationPath $unpacked
    $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($target))
    Move-Item -LiteralPath (Join-Path $unpacked tools) -Destination $target
  ' >/dev/null \
    || { echo "could not install Pester $pester_version from $feed" >&2; exit 1; }
fi
