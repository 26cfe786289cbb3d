#include "engine/compiler/placement_strategies.h"

namespace tinynas::compiler {
namespace {

// Caps tried by the two-sided placement: lower bound + lower bound / divisor (0: no slack).
constexpr int64_t kTwoSidedCapSlackDivisors[] = {0, 64, 16, 8, 4};

}  // namespace

Placement BestPlacement::place(const std::vector<Buffer>& buffers, int64_t lower_bound) const {
  Placement best;
  bool have_best = false;
  for (BufferOrder order : kBufferOrders) {
    for (Fit fit : {Fit::kFirst, Fit::kBest}) {
      Placement candidate = GreedyPlacement(order, fit).place(buffers, lower_bound);
      if (!have_best || candidate.arena_bytes < best.arena_bytes) {
        best = std::move(candidate);
        have_best = true;
      }
      if (best.arena_bytes <= lower_bound) return best;
    }
  }
  for (int64_t cap_slack_divisor : kTwoSidedCapSlackDivisors) {
    if (best.arena_bytes <= lower_bound) break;
    const int64_t cap =
        cap_slack_divisor == 0 ? lower_bound : lower_bound + lower_bound / cap_slack_divisor;
    if (cap >= best.arena_bytes) break;
    for (BufferOrder order : {BufferOrder::kByBirth, BufferOrder::kLargestFirst}) {
      Placement candidate = TwoSidedPlacement(order, cap).place(buffers, lower_bound);
      if (candidate.arena_bytes < best.arena_bytes) best = std::move(candidate);
    }
  }
  if (best.arena_bytes > lower_bound) best = improve_by_local_search(buffers, best, lower_bound);
  return best;
}

}  // namespace tinynas::compiler
