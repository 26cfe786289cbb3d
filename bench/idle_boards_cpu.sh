#!/usr/bin/env bash
# CPU time that idle emulated boards cost the host: boots qemu-mps2-an386 and
# qemu-netduinoplus2 with the runner images of FIRMWARE_DIR (default: build/firmware) exactly as
# tinynas does (-icount, serial on a unix socket, no client), leaves them idle for SECONDS
# (default 60) and prints each QEMU's user+system CPU seconds and the share of one core.
#   bench/idle_boards_cpu.sh [FIRMWARE_DIR] [SECONDS]
set -euo pipefail
firmware_dir=${1:-build/firmware}
seconds=${2:-60}
tick=$(getconf CLK_TCK)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

boot() {  # boot BOARD MACHINE ICOUNT_SHIFT
  qemu-system-arm -machine "$2" -nographic -monitor none \
    -serial "unix:$work/$1.sock,server=on,wait=off" -icount "shift=$3" \
    -kernel "$firmware_dir/$1/tinynas-runner.elf" >"$work/$1.log" 2>&1 &
  pids+=($!)
}
boot qemu-mps2-an386 mps2-an386 5
boot qemu-netduinoplus2 netduinoplus2 3
sleep "$seconds"
i=0
for board in qemu-mps2-an386 qemu-netduinoplus2; do
  read -r -a stat <"/proc/${pids[$i]}/stat"
  # Fields 14 and 15 (utime, stime) in clock ticks; the comm field has no spaces here.
  cpu=$(((stat[13] + stat[14])))
  awk -v b="$board" -v c="$cpu" -v t="$tick" -v s="$seconds" \
    'BEGIN { printf "%s: %.2f s CPU in %d s idle (%.1f%% of a core)\n", b, c / t, s, 100 * c / t / s }'
  i=$((i + 1))
done
