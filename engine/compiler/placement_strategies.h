// The placement strategies the memory planner uses (arena_placement.h). BestPlacement, the one it
// runs, keeps the smallest of the others' results: greedy placements in four orders with first
// and best fit, two-sided placements under caps, then a local search when none reached the
// lower bound. Every strategy is deterministic.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compiler/arena_placement.h"

namespace tinynas::compiler {

// Orders in which greedy placement takes buffers.
enum class BufferOrder {
  kLargestFirst,  // TF-Lite Micro's GreedyMemoryPlanner
  kByBirth,       // in schedule order, larger first among buffers born together
  kLargestArea,   // size x lifetime: the largest area in the (time, address) plane first
  kLongestLived,  // longest-lived first, then largest
};

inline constexpr BufferOrder kBufferOrders[] = {BufferOrder::kLargestFirst, BufferOrder::kByBirth,
                                                BufferOrder::kLargestArea,
                                                BufferOrder::kLongestLived};

// Buffer indices sorted by `order` (stable: ties keep index order).
std::vector<int> sorted_order(const std::vector<Buffer>& buffers, BufferOrder order);

// Each buffer in turn, at the offset `fit` picks (greedy_placement.cpp).
class GreedyPlacement : public PlacementStrategy {
 public:
  GreedyPlacement(BufferOrder order, Fit fit) : order_(order), fit_(fit) {}
  Placement place(const std::vector<Buffer>& buffers, int64_t lower_bound) const override;

 private:
  BufferOrder order_;
  Fit fit_;
};

// Greedy placement in an explicit order.
Placement place_greedily(const std::vector<Buffer>& buffers, const std::vector<int>& order,
                         Fit fit);

// Two-sided placement under a cap (two_sided_placement.cpp): each buffer goes to the bottom or
// the top of [0, cap), opposite to the largest buffer it must coexist with (usually the op's
// input). A chain of producer -> consumer tensors then alternates between the two ends instead
// of stacking up, which first-fit from the bottom cannot do (it would have to know where later
// tensors go). A buffer that fits at neither end goes past the cap: the result is just larger.
class TwoSidedPlacement : public PlacementStrategy {
 public:
  TwoSidedPlacement(BufferOrder order, int64_t cap) : order_(order), cap_(cap) {}
  Placement place(const std::vector<Buffer>& buffers, int64_t lower_bound) const override;

 private:
  BufferOrder order_;
  int64_t cap_;
};

// A step after the strategies (local_search_placement.cpp): a seeded search over first-fit
// orders, starting from `start`, that stops at the lower bound. Never larger than `start`.
Placement improve_by_local_search(const std::vector<Buffer>& buffers, Placement start,
                                  int64_t lower_bound);

// The planner's strategy (best_placement.cpp): the smallest result of the greedy placements in
// every order with first and best fit, of two-sided placements for a few caps between the lower
// bound and the best so far, and of the local search from the best, stopping at the lower bound.
class BestPlacement : public PlacementStrategy {
 public:
  Placement place(const std::vector<Buffer>& buffers, int64_t lower_bound) const override;
};

}  // namespace tinynas::compiler
