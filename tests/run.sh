#!/usr/bin/env bash
# The test command (README): installs what the suite needs when it is missing (Debian's Chromium, the npm packages
# of the Node client tests, a private PostgreSQL cluster), runs every test project, and prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
for package in tests/*/node/package.json; do
  [ -f "$package" ] || continue
  dir="$(dirname "$package")"
  echo "Installing npm packages in $dir" >&2
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
done

source tests/postgres.sh
trap chatagent_postgres_stop EXIT

dotnet tool restore >/dev/null
dotnet build ChatAgent.sln -c Release -nologo -clp:ErrorsOnly
log="$(mktemp)"
status=0
dotnet test ChatAgent.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line over all test assemblies: "N passed, N failed, N skipped".
awk '/^(Passed|Failed)!/ {
  for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
} END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit $status
