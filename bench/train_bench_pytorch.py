#!/usr/bin/python3
"""PyTorch reference for build/bench/train_bench: training throughput (images/s) of one network
of our architecture format (docs/arch-format.md), built from plain torch.nn layers, one SGD step
= forward, backward and update on a random batch, 3 warm-up steps not timed (as train_bench).
Run both on the same machine with the same thread count to compare the C++ trainer (elastic
supernet, LibTorch) with PyTorch; bench/train_throughput.py does that and prints the table:

    build/bench/train_bench --threads 2 --arch-dir /tmp/nets
    bench/train_bench_pytorch.py /tmp/nets/largest.arch.json --threads 2 [--channels-last]

Needs python3-torch (installed by scripts/setup).
"""
import argparse
import json
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit("train_bench_pytorch: PyTorch is missing (Debian package python3-torch; "
             "scripts/setup installs it)")

WARMUP_STEPS = 3
DEFAULT_STEPS = 20
LEARNING_RATE = 0.01
MOMENTUM = 0.9
BATCH_SIZES = (64, 128, 256)


def conv_bn_act(in_channels, out_channels, kernel_size, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2,
                        groups=groups, bias=False),
              nn.BatchNorm2d(out_channels)]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, in_channels, block):
        super().__init__()
        out_channels = block["out_channels"]
        stride = block.get("stride", 1)
        middle = round(in_channels * block.get("expand_ratio", 6))
        layers = []
        if middle != in_channels:
            layers.append(conv_bn_act(in_channels, middle, 1))
        layers.append(conv_bn_act(middle, middle, block["kernel_size"], stride, groups=middle))
        layers.append(conv_bn_act(middle, out_channels, 1, act=False))
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def build(arch):
    first = arch["first_conv"]
    channels = first["out_channels"]
    layers = [conv_bn_act(arch.get("input_channels", 3), channels, first["kernel_size"],
                          first["stride"])]
    for block in arch["blocks"]:
        layers.append(InvertedResidual(channels, block))
        channels = block["out_channels"]
    mix = arch.get("feature_mix")
    if mix:
        layers.append(conv_bn_act(channels, mix["out_channels"], 1))
        channels = mix["out_channels"]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, arch["num_classes"])]
    return nn.Sequential(*layers)


def images_per_second(net, arch, batch_size, steps, memory_format):
    net.train()
    sgd = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    resolution = arch["resolution"]
    images = torch.randn(batch_size, arch.get("input_channels", 3), resolution, resolution)
    images = images.contiguous(memory_format=memory_format)
    labels = torch.randint(arch["num_classes"], (batch_size,))
    loss_function = nn.CrossEntropyLoss()

    def step():
        sgd.zero_grad()
        loss_function(net(images), labels).backward()
        sgd.step()

    for _ in range(WARMUP_STEPS):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch_size * steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arch", help="architecture file (tinynas-arch/1)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help="timed steps per figure")
    parser.add_argument("--channels-last", action="store_true",
                        help="channels-last weights and images (torch.channels_last)")
    args = parser.parse_args()
    try:
        with open(args.arch) as f:
            arch = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"train_bench_pytorch: {args.arch}: {e}")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    net = build(arch).to(memory_format=memory_format)
    name = arch.get("name", args.arch)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, {args.steps} steps "
          f"per figure{', channels-last' if args.channels_last else ''}")
    print(f"{'network':<10} {'batch':>8} {'images/s':>14}")
    for batch in BATCH_SIZES:
        figure = images_per_second(net, arch, batch, args.steps, memory_format)
        print(f"{name:<10} {batch:>8} {figure:>14.0f}", flush=True)


if __name__ == "__main__":
    main()
