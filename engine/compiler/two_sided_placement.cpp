#include "engine/compiler/placement_strategies.h"

namespace tinynas::compiler {

Placement TwoSidedPlacement::place(const std::vector<Buffer>& buffers, int64_t) const {
  const int64_t cap = cap_;
  return place_in_order(
      buffers, sorted_order(buffers, order_),
      [&](int index, const std::vector<ForbiddenRange>& ranges, const Placement& placement) {
        const Buffer& buffer = buffers[index];
        int anchor = -1;
        for (const ForbiddenRange& range : ranges) {
          if (anchor < 0 || buffers[range.placed_buffer].max_bytes > buffers[anchor].max_bytes) {
            anchor = range.placed_buffer;
          }
        }
        const bool anchor_low =
            anchor >= 0 && 2 * placement.offsets[anchor] + buffers[anchor].max_bytes < cap;
        const int64_t low = choose_offset(ranges, Fit::kFirst);
        const int64_t high = highest_offset(ranges, cap - buffer.max_bytes);
        const bool low_fits = low + buffer.max_bytes <= cap;
        return high >= 0 && (anchor_low || !low_fits) ? high : low;
      });
}

}  // namespace tinynas::compiler
