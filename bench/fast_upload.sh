#!/usr/bin/env bash
# End-to-end `tinynas profile` of an MCUNet network compiled with random weights on
# qemu-mps2-an386, once with the model uploaded over the emulated UART (LOAD_CHUNKs) and once
# written into the runner's model region through QEMU's gdbstub (--upload gdb, LOAD_PLACED).
# Prints wall-clock seconds, cycles and the output CRC-32 of each (the last two must agree).
#   bench/fast_upload.sh [TINYNAS] [NET_CONFIG]
# TINYNAS defaults to build/apps/tinynas; NET_CONFIG to configs/nets/mcunet-in0.json when
# present (MCUNet's released net config), else configs/nets/mcunet-in3.json.
set -euo pipefail
tinynas=${1:-build/apps/tinynas}
net=${2:-}
if [[ -z "$net" ]]; then
  net=configs/nets/mcunet-in0.json
  if [[ ! -f "$net" ]]; then
    net=configs/nets/mcunet-in3.json
    echo "note: configs/nets/mcunet-in0.json not found, using $net" >&2
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$tinynas" compile --net-config "$net" --random-weights -o "$work/model.tnm" >/dev/null
echo "model: $net, $(stat -c %s "$work/model.tnm") bytes"
for upload in serial gdb; do
  start=$(date +%s.%N)
  "$tinynas" profile "$work/model.tnm" --board qemu-mps2-an386 --upload "$upload" \
    --timeout 600 --json >"$work/$upload.json"
  end=$(date +%s.%N)
  python3 - "$upload" "$start" "$end" "$work/$upload.json" <<'PY'
import json, sys
upload, start, end, path = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
r = json.load(open(path))
print(f"upload {upload:6}: {end - start:7.2f} s end to end, {r['cycles']} cycles, "
      f"output CRC-32 {r['output_crc32']:08x}, matches host: {r['output_matches_host']}")
PY
done
