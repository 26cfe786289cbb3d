#include "engine/compiler/arena_placement.h"

#include <algorithm>
#include <functional>
#include <limits>

namespace tinynas::compiler {
namespace {

bool overlap_in_time(const Segment& a, const Segment& b) {
  return a.first <= b.last && b.first <= a.last;
}

bool collides(int64_t offset, const std::vector<ForbiddenRange>& ranges) {
  for (const ForbiddenRange& range : ranges) {
    if (offset >= range.lo && offset <= range.hi) return true;
  }
  return false;
}

}  // namespace

int64_t align_up(int64_t value, int64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

int64_t align_down(int64_t value, int64_t alignment) {
  return value >= 0 ? value / alignment * alignment : -align_up(-value, alignment);
}

std::vector<ForbiddenRange> forbidden_ranges(const Buffer& buffer,
                                             const std::vector<Buffer>& buffers,
                                             const std::vector<int64_t>& offsets,
                                             const std::vector<int>& placed) {
  std::vector<ForbiddenRange> ranges;
  for (int other : placed) {
    const Buffer& placed_buffer = buffers[other];
    if (placed_buffer.first > buffer.last || buffer.first > placed_buffer.last) continue;
    for (const Segment& mine : buffer.segments) {
      for (const Segment& theirs : placed_buffer.segments) {
        if (!overlap_in_time(mine, theirs)) continue;
        // [o, o + mine) and [p, p + theirs) intersect iff p - mine < o < p + theirs.
        const int64_t start = offsets[other];
        ranges.push_back({start - mine.bytes + 1, start + theirs.bytes - 1, start, other});
      }
    }
  }
  return ranges;
}

int64_t choose_offset(const std::vector<ForbiddenRange>& ranges, Fit fit) {
  // The lowest free offset is 0 or just above some colliding segment (aligned up).
  std::vector<int64_t> candidates{0};
  for (const ForbiddenRange& range : ranges) {
    candidates.push_back(align_up(range.hi + 1, kTensorAlignment));
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();
  int64_t best_offset = -1;
  int64_t best_gap = kUnbounded;
  for (int64_t offset : candidates) {
    if (collides(offset, ranges)) continue;
    if (fit == Fit::kFirst) return offset;
    // Best fit: the free gap starting here ends at the next colliding segment above.
    int64_t gap = kUnbounded;
    for (const ForbiddenRange& range : ranges) {
      if (range.placed_start >= offset) gap = std::min(gap, range.placed_start - offset);
    }
    if (best_offset < 0 || gap < best_gap) {
      best_offset = offset;
      best_gap = gap;
    }
  }
  return best_offset;
}

int64_t highest_offset(const std::vector<ForbiddenRange>& ranges, int64_t limit) {
  if (limit < 0) return -1;
  std::vector<int64_t> candidates{align_down(limit, kTensorAlignment)};
  for (const ForbiddenRange& range : ranges) {
    const int64_t below = align_down(range.lo - 1, kTensorAlignment);
    if (below >= 0 && below <= limit) candidates.push_back(below);
  }
  std::sort(candidates.begin(), candidates.end(), std::greater<int64_t>());
  for (int64_t offset : candidates) {
    if (!collides(offset, ranges)) return offset;
  }
  return -1;
}

LiveBytes live_bytes_per_op(const std::vector<Buffer>& buffers, int op_count) {
  LiveBytes live;
  live.per_op.assign(op_count, 0);
  std::vector<int64_t> aligned_live_bytes(op_count, 0);
  std::vector<int64_t> largest_alignment_slack(op_count, 0);
  for (const Buffer& buffer : buffers) {
    for (int i = std::max(buffer.first, 0); i <= buffer.last && i < op_count; ++i) {
      int64_t bytes_now = 0;
      for (const Segment& segment : buffer.segments) {
        if (segment.first <= i && i <= segment.last) bytes_now = std::max(bytes_now, segment.bytes);
      }
      if (bytes_now == 0) continue;
      const int64_t aligned = align_up(bytes_now, kTensorAlignment);
      live.per_op[i] += bytes_now;
      aligned_live_bytes[i] += aligned;
      largest_alignment_slack[i] = std::max(largest_alignment_slack[i], aligned - bytes_now);
    }
  }
  for (int i = 0; i < op_count; ++i) {
    live.lower_bound =
        std::max(live.lower_bound, aligned_live_bytes[i] - largest_alignment_slack[i]);
  }
  return live;
}

}  // namespace tinynas::compiler
