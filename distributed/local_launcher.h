// `--nproc N` on one machine: N worker processes of this executable, each told its place by the
// torchrun-style environment (distributed/world_settings.h) on loopback. No LibTorch.
#pragma once

#include <string>
#include <vector>

namespace tinynas::distributed {

// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick).
int free_loopback_port();

// Runs this executable (/proc/self/exe) `nproc` times with `arguments` (argv after the program
// name) and MASTER_ADDR=127.0.0.1, MASTER_PORT=a free port, RANK=LOCAL_RANK=i, WORLD_SIZE=nproc
// in the environment, and waits for all of them. When a worker fails, the others are stopped
// (they would wait for it until their timeout) and std::runtime_error names the worker and how
// it ended.
void run_local_workers(int nproc, const std::vector<std::string>& arguments);

}  // namespace tinynas::distributed
