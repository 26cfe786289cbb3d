#include <algorithm>

#include "engine/compiler/placement_strategies.h"

namespace tinynas::compiler {
namespace {

int64_t lifetime(const Buffer& buffer) { return int64_t{buffer.last} - buffer.first + 1; }

bool before(BufferOrder order, const Buffer& a, const Buffer& b) {
  switch (order) {
    case BufferOrder::kLargestFirst:
      return a.max_bytes > b.max_bytes;
    case BufferOrder::kByBirth:
      return a.first != b.first ? a.first < b.first : a.max_bytes > b.max_bytes;
    case BufferOrder::kLargestArea:
      return a.max_bytes * lifetime(a) > b.max_bytes * lifetime(b);
    case BufferOrder::kLongestLived:
      return lifetime(a) != lifetime(b) ? lifetime(a) > lifetime(b) : a.max_bytes > b.max_bytes;
  }
  return false;
}

}  // namespace

std::vector<int> sorted_order(const std::vector<Buffer>& buffers, BufferOrder order) {
  std::vector<int> indices(buffers.size());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<int>(i);
  std::stable_sort(indices.begin(), indices.end(),
                   [&](int a, int b) { return before(order, buffers[a], buffers[b]); });
  return indices;
}

Placement place_greedily(const std::vector<Buffer>& buffers, const std::vector<int>& order,
                         Fit fit) {
  return place_in_order(buffers, order,
                        [fit](int, const std::vector<ForbiddenRange>& ranges, const Placement&) {
                          return choose_offset(ranges, fit);
                        });
}

Placement GreedyPlacement::place(const std::vector<Buffer>& buffers, int64_t) const {
  return place_greedily(buffers, sorted_order(buffers, order_), fit_);
}

}  // namespace tinynas::compiler
