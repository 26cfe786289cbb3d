#include <algorithm>
#include <random>

#include "engine/compiler/placement_strategies.h"

namespace tinynas::compiler {
namespace {

constexpr int kLocalSearchIterations = 400;
constexpr uint32_t kLocalSearchSeed = 20200101;

// Buffers in the order of their offsets in `placement`: first-fit in this order reproduces the
// placement or a lower one (each buffer finds its old place free or an earlier gap), so every
// placement, the optimal one included, is the first-fit result of some order.
std::vector<int> order_by_offset(const Placement& placement) {
  std::vector<int> order(placement.offsets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return placement.offsets[a] < placement.offsets[b]; });
  return order;
}

}  // namespace

// Random swaps and moves in the first-fit order, keeping changes that do not grow the arena
// (plateau moves help it wander off local minima). Deterministic: fixed seed.
Placement improve_by_local_search(const std::vector<Buffer>& buffers, Placement start,
                                  int64_t lower_bound) {
  Placement best = std::move(start);
  if (buffers.size() < 2) return best;
  std::vector<int> order = order_by_offset(best);
  {
    Placement replayed = place_greedily(buffers, order, Fit::kFirst);
    if (replayed.arena_bytes <= best.arena_bytes) best = std::move(replayed);
  }
  std::mt19937 random(kLocalSearchSeed);
  const uint32_t count = static_cast<uint32_t>(order.size());
  for (int iteration = 0; iteration < kLocalSearchIterations; ++iteration) {
    if (best.arena_bytes <= lower_bound) break;
    std::vector<int> candidate_order = order;
    const uint32_t from = random() % count;
    const uint32_t to = random() % count;
    if (random() % 2 == 0) {
      std::swap(candidate_order[from], candidate_order[to]);
    } else {
      const int moved = candidate_order[from];
      candidate_order.erase(candidate_order.begin() + from);
      candidate_order.insert(candidate_order.begin() + to, moved);
    }
    Placement candidate = place_greedily(buffers, candidate_order, Fit::kFirst);
    if (candidate.arena_bytes <= best.arena_bytes) {
      best = std::move(candidate);
      order = std::move(candidate_order);
    }
  }
  return best;
}

}  // namespace tinynas::compiler
