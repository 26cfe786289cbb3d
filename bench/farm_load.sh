#!/usr/bin/env bash
# Load test of the board farm with faults: CLIENTS clients each submit JOBS jobs (random models
# out of MODELS distinct ones, random runs out of 1 and 2) to a farm of BOARDS emulated boards;
# mid-run one board's QEMU is killed with -9, later the daemon itself, which is then restarted on
# the same database. Clients retry a submission the daemon did not accept (it was down); a job
# once accepted must finish. Prints:
#   jobs        submissions the farm accepted (CLIENTS x JOBS)
#   done        of them, answered with a measurement
#   failed      of them, failed (with the farm's reason)
#   lost        of them, unknown to the farm or unfinished at the end
#   duplicated  measurements beyond one per (model, runs): the same work done twice
#   jobs/s      done / seconds from the first submission to the last answer
# Run from a configured build (the firmware images must be built):
#   bench/farm_load.sh [BUILD_DIR] [CLIENTS] [JOBS] [MODELS] [BOARDS]
# Defaults: build 8 25 40 2. Needs curl and jq. Not part of the test run.
set -euo pipefail
build=${1:-build}
clients=${2:-8}
jobs=${3:-25}
models=${4:-40}
boards=${5:-2}
kind=qemu-mps2-an386
source_dir=$(cd "$(dirname "$0")/.." && pwd)
tinynas="$build/apps/tinynas"
[[ -x $tinynas ]] || { echo "farm_load: $tinynas not found (build first)" >&2; exit 1; }
command -v curl >/dev/null && command -v jq >/dev/null || { echo "farm_load: needs curl and jq" >&2; exit 1; }

work=$(mktemp -d)
daemon=""
client_pids=()
cleanup() {
  for pid in "${client_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n $daemon ]]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port for the farm.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
cat >"$work/farm.json" <<EOF
{"listen": "127.0.0.1", "port": $port, "database": "$work/farm.sqlite",
 "boards": [{"kind": "$kind", "count": $boards}],
 "limits": {"max_attempts": 3, "quarantine_after_failures": 3, "quarantine_ms": 2000,
            "max_queued_jobs": 100000}}
EOF

echo "farm_load: compiling $models models" >&2
for ((m = 0; m < models; m++)); do
  "$tinynas" compile --arch "$source_dir/configs/nets/sample-fmnist.arch.json" --random-weights \
    --seed $((m + 1)) -o "$work/model-$m.tnm" >/dev/null
done

start_daemon() {
  "$tinynas" farm serve "$work/farm.json" >>"$work/daemon.log" 2>&1 &
  daemon=$!
  for _ in $(seq 300); do
    curl -sf "$url/v1/boards" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "farm_load: the daemon did not come up; its log:" >&2
  tail -20 "$work/daemon.log" >&2
  exit 1
}

# client INDEX: submits JOBS jobs, one line "<id>" per accepted job into ids-INDEX.
client() {
  local index=$1 n=0 model runs reply id
  RANDOM=$((index * 7919 + 1))
  while ((n < jobs)); do
    model=$((RANDOM % models))
    runs=$((RANDOM % 2 + 1))
    while true; do
      reply=$(curl -s --max-time 30 -X POST -H 'Content-Type: application/octet-stream' \
        --data-binary "@$work/model-$model.tnm" "$url/v1/jobs?board=$kind&runs=$runs" || true)
      id=$(jq -r '.id // empty' <<<"$reply" 2>/dev/null || true)
      [[ -n $id ]] && break
      sleep 0.2  # the daemon is down (or refused): submit again
    done
    echo "$id" >>"$work/ids-$index"
    n=$((n + 1))
  done
}

# job_states: "<state>" per accepted job ("lost" when the farm does not know it).
job_states() {
  cat "$work"/ids-* | while read -r id; do
    curl -s --max-time 10 "$url/v1/jobs/$id" | jq -r '.state // "lost"' 2>/dev/null || echo lost
  done
}

finished_count() {
  job_states | grep -cE '^(done|failed)$' || true
}

start_daemon
begin=$(date +%s.%N)
for ((c = 0; c < clients; c++)); do
  client "$c" &
  client_pids+=($!)
done
total=$((clients * jobs))

accepted() { cat "$work"/ids-* 2>/dev/null | wc -l; }
wait_accepted() {  # wait_accepted N
  while (($(accepted) < $1)); do sleep 0.2; done
}

# A board dies a quarter of the way in: its job goes to another board, QEMU is restarted.
wait_accepted $((total / 4))
qemu=$(pgrep -P "$daemon" qemu-system-arm | head -1 || true)
if [[ -n $qemu ]]; then
  echo "farm_load: kill -9 of board QEMU $qemu" >&2
  kill -9 "$qemu"
fi
# The daemon dies half-way in, with jobs queued and running; restarted on the same database.
wait_accepted $((total / 2))
echo "farm_load: kill -9 of the daemon $daemon" >&2
kill -9 "$daemon"
wait "$daemon" 2>/dev/null || true
sleep 1
start_daemon

for pid in "${client_pids[@]}"; do wait "$pid"; done
client_pids=()
deadline=$(($(date +%s) + 1800))
while (($(finished_count) < total)) && (($(date +%s) < deadline)); do sleep 1; done
end=$(date +%s.%N)

states=$(job_states)
done_jobs=$(grep -c '^done$' <<<"$states" || true)
failed_jobs=$(grep -c '^failed$' <<<"$states" || true)
lost=$((total - done_jobs - failed_jobs))
duplicated=0
for ((m = 0; m < models; m++)); do
  sha=$(sha256sum "$work/model-$m.tnm" | cut -d' ' -f1)
  extra=$(curl -s "$url/v1/measurements?model=$sha&board=$kind" |
    jq '[.measurements[]?.runs] | group_by(.) | map(length - 1) | add // 0')
  duplicated=$((duplicated + extra))
done
echo "jobs $total"
echo "done $done_jobs"
echo "failed $failed_jobs"
echo "lost $lost"
echo "duplicated $duplicated"
awk -v d="$done_jobs" -v b="$begin" -v e="$end" 'BEGIN { printf "jobs/s %.2f\n", d / (e - b) }'
