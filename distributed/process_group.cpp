#include "distributed/process_group.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace tinynas::distributed {
namespace {

// Gloo's variable naming the network interface to use (as torch.distributed reads it).
constexpr const char* kSocketInterfaceVariable = "GLOO_SOCKET_IFNAME";

bool is_loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

// The interface Gloo's pairs bind to: the one named by GLOO_SOCKET_IFNAME, loopback when the
// master is on this machine's loopback, else the address this machine's hostname resolves to.
std::shared_ptr<gloo::transport::Device> make_device(const WorldSettings& world) {
  const char* interface = std::getenv(kSocketInterfaceVariable);
  if (interface != nullptr && *interface != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (is_loopback(world.master_address)) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

struct ProcessGroup::State {
  WorldSettings world;
  std::chrono::milliseconds timeout{};
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;

  // Waits for `work`; a failure (a rank that died, a timeout) becomes an error naming this rank.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) const {
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw std::runtime_error(
          "distributed training: rank " + std::to_string(world.rank) + ": " + what +
          " failed (a rank died, or did not answer within " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
          " s): " + e.what());
    }
  }
};

ProcessGroup::ProcessGroup(std::unique_ptr<State> state) : state_(std::move(state)) {}
ProcessGroup::~ProcessGroup() = default;

std::shared_ptr<ProcessGroup> ProcessGroup::connect(const WorldSettings& world,
                                                    std::chrono::milliseconds timeout) {
  auto state = std::make_unique<State>();
  state->world = world;
  state->timeout = timeout;
  const std::string where = world.master_address + ":" + std::to_string(world.master_port);
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(world.master_port);
    store_options.isServer = world.rank == 0;
    store_options.numWorkers = static_cast<std::size_t>(world.world_size);
    store_options.waitWorkers = true;
    store_options.timeout = timeout;
    state->store = c10::make_intrusive<c10d::TCPStore>(world.master_address, store_options);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(make_device(world));
    options->threads = 1;
    state->group = c10::make_intrusive<c10d::ProcessGroupGloo>(state->store, world.rank,
                                                               world.world_size, options);
  } catch (const std::exception& e) {
    throw std::runtime_error("distributed training: rank " + std::to_string(world.rank) + " of " +
                             std::to_string(world.world_size) + " could not join the group at " +
                             where + ": " + e.what());
  }
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(state)));
}

int ProcessGroup::rank() const { return state_->world.rank; }
int ProcessGroup::size() const { return state_->world.world_size; }

void ProcessGroup::all_reduce_sum(std::vector<at::Tensor>& tensors) {
  for (at::Tensor& tensor : tensors) {
    std::vector<at::Tensor> one{tensor};
    state_->wait(state_->group->allreduce(one), "all-reduce");
  }
}

void ProcessGroup::broadcast(at::Tensor& tensor) {
  std::vector<at::Tensor> one{tensor};
  state_->wait(state_->group->broadcast(one), "broadcast");
}

void ProcessGroup::broadcast(std::string& bytes) {
  at::Tensor size = at::full({1}, static_cast<int64_t>(bytes.size()), at::kLong);
  broadcast(size);
  if (size.item<int64_t>() == 0) {
    bytes.clear();
    return;
  }
  at::Tensor data = at::empty({size.item<int64_t>()}, at::kByte);
  if (rank() == 0) std::memcpy(data.data_ptr(), bytes.data(), bytes.size());
  broadcast(data);
  bytes.assign(static_cast<const char*>(data.data_ptr()), static_cast<size_t>(data.numel()));
}

std::shared_ptr<ProcessGroup> join_process_group(const WorldSettings& world,
                                                 std::chrono::seconds timeout) {
  return ProcessGroup::connect(world, timeout);
}

void ProcessGroup::barrier() { state_->wait(state_->group->barrier(), "barrier"); }

}  // namespace tinynas::distributed
