// The processes of a data-parallel run and the collectives training needs (LibTorch's c10d with
// the Gloo backend, TCP rendezvous at rank 0). c10d and Gloo headers stay in the .cpp file; this
// header brings in ATen's tensor only.
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "distributed/world_settings.h"

namespace tinynas::distributed {

class ProcessGroup {
 public:
  // Joins the group of `world` (blocks until every rank has joined, at most `timeout`). Throws
  // std::runtime_error naming the address on failure.
  static std::shared_ptr<ProcessGroup> connect(const WorldSettings& world,
                                               std::chrono::milliseconds timeout = kDefaultTimeout);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int size() const;

  // Every rank's tensors summed, in place (the same list of shapes on every rank).
  void all_reduce_sum(std::vector<at::Tensor>& tensors);
  // Rank 0's tensor copied into every rank's (same shape everywhere).
  void broadcast(at::Tensor& tensor);
  // Rank 0's bytes to every rank (any size).
  void broadcast(std::string& bytes);
  void barrier();

 private:
  struct State;
  explicit ProcessGroup(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace tinynas::distributed
