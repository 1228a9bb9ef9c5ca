#!/usr/bin/env bash
# Captures the Temporal UI of a running `npm start` into docs/images/:
#   temporal-ui-ticks.png          the workflow list, filtered to tick runs
#   temporal-ui-tick-run.png       the newest tick run, with its statistics as the result
#   temporal-ui-workspace-run.png  one per-workspace run that made a build, with its decision
#
# Needs:
#   - `npm start` running (this script reads the addresses it wrote to <data dir>/runtime.json;
#     set AUTOBUILD_DATA_DIR if you started it with one), and at least one tick that made a
#     build (for example `npx autobuild tick --at <a minute when a workspace is due> --allow-future`);
#   - Chromium, headless. On Debian/Ubuntu: apt-get update && apt-get install -y chromium
#     (or set CHROMIUM=/path/to/chrome).
#
# Usage: scripts/screenshot-ui.sh [output dir, default docs/images]
set -euo pipefail
cd "$(dirname "$0")/.."

out_dir="${1:-docs/images}"
data_dir="${AUTOBUILD_DATA_DIR:-.data}"
runtime="$data_dir/runtime.json"
if [ ! -f "$runtime" ]; then
  echo "error: $runtime not found; start the service first (npm start)" >&2
  exit 1
fi
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [ -z "$chromium" ]; then
  echo "error: Chromium not found; install it with: apt-get update && apt-get install -y chromium (or set CHROMIUM)" >&2
  exit 1
fi
temporal="${TEMPORAL_CLI_PATH:-.venv-temporal/bin/temporal}"
if [ ! -x "$temporal" ]; then temporal="$(command -v temporal || true)"; fi
if [ -z "$temporal" ]; then
  echo "error: the temporal CLI was not found (npm install puts it in .venv-temporal/bin; or set TEMPORAL_CLI_PATH)" >&2
  exit 1
fi

field() { node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(String(r[process.argv[2]] ?? ""))' "$runtime" "$1"; }
ui="$(field uiUrl)"
address="$(field temporalAddress)"
namespace="$(field namespace)"
if [ -z "$ui" ]; then
  echo "error: this service runs against an external Temporal without the embedded UI; open your cluster's UI instead" >&2
  exit 1
fi

urlencode() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1"; }

# The newest per-workspace run that made a build (falls back to any per-workspace run).
latest_run() {
  "$temporal" workflow list --address "$address" --namespace "$namespace" --limit 1 --output json --query "$1" 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const rows = [].concat(JSON.parse(s || "[]")); const r = rows[0]?.execution;
      if (r) process.stdout.write(`${r.workflowId} ${r.runId}`);
    })'
}
run="$(latest_run "WorkflowType='evaluateWorkspace' AND Transition IS NOT NULL")"
[ -n "$run" ] || run="$(latest_run "WorkflowType='evaluateWorkspace'")"
if [ -z "$run" ]; then
  echo "error: no per-workspace run yet; run a tick that makes a build first (npx autobuild tick --at ...)" >&2
  exit 1
fi
read -r workflow_id run_id <<<"$run"
tick_run="$(latest_run "WorkflowType='tick' AND ExecutionStatus='Completed'")"

shoot() {
  local file="$1" url="$2"
  "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-dev-shm-usage \
    --hide-scrollbars --window-size=1400,900 --virtual-time-budget=15000 \
    --screenshot="$file" "$url" >/dev/null 2>&1
  echo "wrote $file  ($url)"
}

mkdir -p "$out_dir"
shoot "$out_dir/temporal-ui-ticks.png" \
  "$ui/namespaces/$namespace/workflows?query=$(urlencode "WorkflowType='tick'")"
if [ -n "$tick_run" ]; then
  read -r tick_id tick_run_id <<<"$tick_run"
  shoot "$out_dir/temporal-ui-tick-run.png" \
    "$ui/namespaces/$namespace/workflows/$(urlencode "$tick_id")/$tick_run_id/history"
fi
shoot "$out_dir/temporal-ui-workspace-run.png" \
  "$ui/namespaces/$namespace/workflows/$(urlencode "$workflow_id")/$run_id/history"
