// Placement of buffers into one arena (internal to the memory planner). A buffer is one tensor or
// an in-place chain of tensors sharing an offset; it lives over one or more segments of the op
// schedule, at a size per segment. A placement gives every buffer an offset at which it overlaps
// no buffer live at the same time. Finding the smallest arena is NP-hard (dynamic storage
// allocation), so strategies are heuristics behind one interface, as in TF-Lite Micro's
// MicroMemoryPlanner: the planner describes the buffers, a strategy places them.
#pragma once

#include <cstdint>
#include <vector>

namespace tinynas::compiler {

// Arena offsets are word aligned so kernels may read int8 activations four at a time.
inline constexpr int64_t kTensorAlignment = 4;

int64_t align_up(int64_t value, int64_t alignment);
int64_t align_down(int64_t value, int64_t alignment);

// One interval of a buffer's life at one size.
struct Segment {
  int first = 0;  // op index (-1 for the graph input, which exists before op 0)
  int last = 0;   // inclusive
  int64_t bytes = 0;
};

struct Buffer {
  std::vector<int> tensors;
  std::vector<Segment> segments;
  int first = 0;  // the first op of any segment
  int last = 0;   // the last op of any segment
  int64_t max_bytes = 0;
};

struct Placement {
  std::vector<int64_t> offsets;  // per buffer
  int64_t arena_bytes = 0;
};

class PlacementStrategy {
 public:
  virtual ~PlacementStrategy() = default;
  // `lower_bound`: no placement can be smaller (the most bytes live at any one time, with
  // alignment); a strategy may stop once it reaches it.
  virtual Placement place(const std::vector<Buffer>& buffers, int64_t lower_bound) const = 0;
};

// Bytes live while each op runs (a buffer counts once, at its largest segment live then), and a
// lower bound on any placement: with aligned offsets, every live buffer but the topmost also
// occupies its size rounded up to the alignment.
struct LiveBytes {
  std::vector<int64_t> per_op;
  int64_t lower_bound = 0;
};
LiveBytes live_bytes_per_op(const std::vector<Buffer>& buffers, int op_count);

// [lo, hi] offsets (inclusive) at which a buffer would collide with a placed one.
struct ForbiddenRange {
  int64_t lo = 0;
  int64_t hi = 0;
  int64_t placed_start = 0;  // where the colliding placed segment starts in the arena
  int placed_buffer = -1;
};

// The offsets at which `buffer` would collide with the `placed` buffers at `offsets`.
std::vector<ForbiddenRange> forbidden_ranges(const Buffer& buffer,
                                             const std::vector<Buffer>& buffers,
                                             const std::vector<int64_t>& offsets,
                                             const std::vector<int>& placed);

enum class Fit {
  kFirst,  // the lowest free aligned offset
  kBest,   // the free aligned offset with the tightest gap above it
};

// The aligned offset `fit` picks outside `ranges`.
int64_t choose_offset(const std::vector<ForbiddenRange>& ranges, Fit fit);

// The highest aligned offset <= limit outside `ranges`, or -1.
int64_t highest_offset(const std::vector<ForbiddenRange>& ranges, int64_t limit);

// Places the buffers one by one in `order`, each at the offset `choose` (a function of the
// buffer's index and its forbidden ranges) returns.
template <typename ChooseOffset>
Placement place_in_order(const std::vector<Buffer>& buffers, const std::vector<int>& order,
                         ChooseOffset choose) {
  Placement placement;
  placement.offsets.assign(buffers.size(), 0);
  std::vector<int> placed;
  placed.reserve(buffers.size());
  for (int index : order) {
    const Buffer& buffer = buffers[index];
    const int64_t offset =
        choose(index, forbidden_ranges(buffer, buffers, placement.offsets, placed), placement);
    placement.offsets[index] = offset;
    if (offset + buffer.max_bytes > placement.arena_bytes) {
      placement.arena_bytes = offset + buffer.max_bytes;
    }
    placed.push_back(index);
  }
  return placement;
}

}  // namespace tinynas::compiler
