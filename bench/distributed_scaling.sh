#!/bin/bash
# Data-parallel scaling of supernet training on this machine: one epoch of fmnist-r28-w1.0 with
# the full network trained (the first phase of configs/jobs/train-fmnist.json, batch 128) on a
# seeded subset of the Fashion-MNIST training images, timed as `tinynas train` reports it (the
# training pass's images/s, read from the checkpoint's metadata), in three setups:
#   1 process, 1 LibTorch thread;  1 process, N threads;  --nproc N, 1 thread each.
# Runs rotate through the setups (--rounds times) so that a change in the machine's load hits all
# three; the table gives the median of each and its speed-up over the first. The figures are
# wall-clock: run it on a quiet machine (no builds, no QEMU boards, no training beside it).
#
#   bench/distributed_scaling.sh [--build DIR] [--nproc N] [--images N] [--rounds N]
set -euo pipefail

build=build
nproc=2
images=7680
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --nproc) nproc="$2"; shift 2 ;;
    --images) images="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "distributed_scaling: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
tinynas="$build/apps/tinynas"
[ -x "$tinynas" ] || { echo "distributed_scaling: no $tinynas (build first)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
space=$(realpath configs/spaces/fmnist-r28-w1.0.json)
write_job() {  # name, threads per process
  cat > "$work/$1.json" <<JOB
{
  "format": "tinynas-train/1",
  "space": "$space",
  "dataset": {"kind": "fashion-mnist", "path": "/usr/share/datasets/fashion-mnist",
              "validation_size": 0, "train_size": $images, "horizontal_flip": true},
  "output_dir": "$work/out-$1",
  "seed": 1, "threads": $2, "batch_size": 128, "eval_batch_size": 500,
  "bn_calibration_batches": 4,
  "optimizer": {"kind": "sgd", "momentum": 0.9, "nesterov": true, "weight_decay": 4e-5},
  "label_smoothing": 0.1,
  "phases": [{"name": "full", "epochs": 1, "learning_rate": 0.1, "subnets_per_step": 1}]
}
JOB
}
write_job single 1
write_job threads "$nproc"

images_per_second() {  # job name, extra arguments -> the epoch's training images/s
  local name=$1
  shift
  rm -rf "$work/out-$name"
  "$tinynas" train "$work/$name.json" "$@" > "$work/$name.log" 2>&1 ||
    { cat "$work/$name.log" >&2; exit 1; }
  python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["history"][-1]["images_per_second"])' \
    "$work/out-$name/metadata.json"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

: > "$work/single.rates"; : > "$work/threads.rates"; : > "$work/processes.rates"
for ((i = 1; i <= rounds; i++)); do
  a=$(images_per_second single); b=$(images_per_second threads)
  c=$(images_per_second single --nproc "$nproc")
  echo "$a" >> "$work/single.rates"; echo "$b" >> "$work/threads.rates"
  echo "$c" >> "$work/processes.rates"
  printf 'round %d: 1 process %.1f, %d threads %.1f, %d processes %.1f images/s\n' \
    "$i" "$a" "$nproc" "$b" "$nproc" "$c"
done
single=$(median < "$work/single.rates")
row() {  # label, median
  printf '| %s | %.0f | %.2fx |\n' "$1" "$2" "$(awk -v a="$2" -v b="$single" 'BEGIN {print a / b}')"
}
echo
echo "fmnist-r28-w1.0, full network, batch 128, $images training images; median of $rounds:"
echo
echo "| setup | images/s | speed-up |"
echo "|---|---|---|"
row "1 process, 1 thread (\`tinynas train\`)" "$single"
row "1 process, $nproc threads" "$(median < "$work/threads.rates")"
row "$nproc processes, 1 thread each (\`--nproc $nproc\`)" "$(median < "$work/processes.rates")"
echo
echo "machine: $(nproc) cores, $(uname -sm), load $(cut -d' ' -f1-3 /proc/loadavg); tinynas $(git rev-parse --short HEAD)"
