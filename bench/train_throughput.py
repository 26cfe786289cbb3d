#!/usr/bin/python3
"""Supernet training throughput against PyTorch, one table from one run: build/bench/train_bench
(the elastic supernet in LibTorch, largest and smallest subnet active) writes the two subnets'
architecture files, then bench/train_bench_pytorch.py trains each of them as a plain torch.nn
network, default (NCHW) and channels-last, on the same thread count; the figures are paired by
subnet and batch size and printed as a Markdown table with the machine and the commit.

    bench/train_throughput.py [--build build] [--threads 2] [--steps 20]

Run it on a quiet machine: the figures are wall-clock images/s.
"""
import argparse
import os
import platform
import subprocess
import sys
import tempfile

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTORCH_BENCH = os.path.join(SOURCE_DIR, "bench", "train_bench_pytorch.py")
SUBNETS = ("largest", "smallest")


def run(command):
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"train_throughput: {command[0]} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def figures(output):
    """{(subnet, batch): images/s} from the table lines `NAME BATCH IMAGES_PER_SECOND`."""
    table = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1].isdigit():
            table[(fields[0], int(fields[1]))] = float(fields[2])
    return table


def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def commit():
    try:
        head = subprocess.run(["git", "-C", SOURCE_DIR, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", SOURCE_DIR, "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True).stdout
        return head + (" (with uncommitted changes)" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(SOURCE_DIR, "build"), help="build dir")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of both")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per figure")
    args = parser.parse_args()
    common = ["--threads", str(args.threads), "--steps", str(args.steps)]
    with tempfile.TemporaryDirectory() as arch_dir:
        ours = figures(run([os.path.join(args.build, "bench", "train_bench"), *common,
                            "--arch-dir", arch_dir]))
        theirs, theirs_channels_last = {}, {}
        for subnet in SUBNETS:
            arch = os.path.join(arch_dir, f"{subnet}.arch.json")
            theirs.update(figures(run([sys.executable, PYTORCH_BENCH, arch, *common])))
            theirs_channels_last.update(
                figures(run([sys.executable, PYTORCH_BENCH, arch, *common, "--channels-last"])))
    print(f"machine: {machine()}; commit {commit()}; {args.threads} threads, "
          f"{args.steps} timed steps per figure after 3 warm-up steps; images/s")
    print()
    print("| subnet | batch | tinynas | PyTorch | tinynas / PyTorch "
          "| PyTorch channels-last | tinynas / PyTorch channels-last |")
    print("|---|---|---|---|---|---|---|")
    for key in sorted(ours, key=lambda k: (SUBNETS.index(k[0]), k[1])):
        if key not in theirs or key not in theirs_channels_last:
            sys.exit(f"train_throughput: no PyTorch figure for {key[0]} at batch {key[1]}")
        print(f"| {key[0]} | {key[1]} | {ours[key]:.0f} | {theirs[key]:.0f} "
              f"| {ours[key] / theirs[key]:.2f}x | {theirs_channels_last[key]:.0f} "
              f"| {ours[key] / theirs_channels_last[key]:.2f}x |")


if __name__ == "__main__":
    main()
