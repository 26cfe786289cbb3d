#!/bin/bash
# One supernet training epoch on the same 60,000 Fashion-MNIST training images, read from the IDX
# files (`"kind": "fashion-mnist"`) and from PNG class folders (`"kind": "image-folder"`, the
# folder scripts/fashion-mnist-to-png writes), timed as whole `tinynas train` processes: reading
# the dataset, one epoch of fmnist-r28-w0.5 at batch 128 on 2 threads, the validation pass and the
# checkpoint. Runs alternate (IDX, folder, IDX, folder, ...) so that a change in the machine's
# load hits both; the folder's first run decodes every PNG and writes the decoded-image cache
# (reported apart as "cold"), the timed ones read the cache, as every run after the first does.
# Run it on a quiet machine (no builds, no QEMU boards, no training beside it).
#
#   bench/image_folder_epoch.sh [--build DIR] [--png DIR] [--pairs N]
set -euo pipefail

build=build
png=data/fashion-mnist-png
pairs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --png) png="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "image_folder_epoch: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
tinynas="$build/apps/tinynas"
[ -x "$tinynas" ] || { echo "image_folder_epoch: no $tinynas (build first)" >&2; exit 1; }
[ -d "$png/train" ] || scripts/fashion-mnist-to-png "$png"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
space=$(realpath configs/spaces/fmnist-r28-w0.5.json)
write_job() {  # name, dataset object
  cat > "$work/$1.json" <<JOB
{
  "format": "tinynas-train/1",
  "space": "$space",
  "dataset": $2,
  "output_dir": "$work/out-$1",
  "seed": 1, "threads": 2, "batch_size": 128, "eval_batch_size": 500,
  "bn_calibration_batches": 4,
  "optimizer": {"kind": "sgd", "momentum": 0.9, "nesterov": true, "weight_decay": 4e-5},
  "phases": [{"name": "full", "epochs": 1, "learning_rate": 0.1, "subnets_per_step": 1}]
}
JOB
}
write_job idx '{"kind": "fashion-mnist", "path": "/usr/share/datasets/fashion-mnist",
                "validation_size": 2000, "horizontal_flip": true}'
write_job folder "{\"kind\": \"image-folder\", \"path\": \"$(realpath "$png")\",
                   \"validation_size\": 2000, \"horizontal_flip\": true}"

seconds() {  # job name -> wall seconds of one run
  rm -rf "$work/out-$1"
  local start end
  start=$(date +%s.%N)
  "$tinynas" train "$work/$1.json" > "$work/$1.log" 2>&1 || { cat "$work/$1.log" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

rm -f "$png/.tinynas-images.cache"
echo "folder, cold (decodes $(find "$png" -name '*.png' | wc -l) PNGs, writes the cache): $(seconds folder) s"
: > "$work/idx.times"; : > "$work/folder.times"
for ((i = 1; i <= pairs; i++)); do
  a=$(seconds idx); b=$(seconds folder)
  echo "$a" >> "$work/idx.times"; echo "$b" >> "$work/folder.times"
  printf 'pair %d: IDX %.1f s, image folder %.1f s\n' "$i" "$a" "$b"
done
idx=$(median < "$work/idx.times"); folder=$(median < "$work/folder.times")
printf 'median of %d: IDX %.1f s, image folder %.1f s: the folder runs at %.1f%% of the IDX speed\n' \
  "$pairs" "$idx" "$folder" "$(awk -v a="$idx" -v b="$folder" 'BEGIN {print 100 * a / b}')"
echo "machine: $(nproc) cores, $(uname -sm), load $(cut -d' ' -f1-3 /proc/loadavg); tinynas $(git rev-parse --short HEAD)"
