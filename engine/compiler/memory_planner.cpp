// The memory planner (memory_plan.h).
//
// 1. Lifetimes: a tensor is live from the op that produces it (the graph input: from before op 0)
//    to the last op that reads it (the graph output: to the end of the schedule), inclusive, so
//    an op's inputs and outputs are live together.
// 2. In-place depthwise (MCUNet, Lin et al., NeurIPS 2020, section 3.2 / TinyEngine): when a
//    depthwise conv is the last reader of its input, its output starts at the input's address.
//    The two tensors form one buffer whose size drops from the input's to the output's after the
//    op (stride 2 frees the tail).
// 3. Placement: buffers are put into one arena, each at an offset where it overlaps no buffer
//    that is live at the same time. Finding the smallest arena is NP-hard (dynamic storage
//    allocation), so several greedy heuristics are run and the smallest result is kept: orders by
//    size (TFLite Micro's GreedyMemoryPlanner), by birth, by size x lifetime and by lifetime, each
//    with first-fit (lowest offset) and best-fit (tightest gap) placement; a two-sided placement
//    under a cap (producer/consumer chains alternate between the arena's ends); and, if none
//    reached the lower bound (most bytes live at once), a short seeded local search over
//    first-fit orders. Every run of the planner on the same graph gives the same plan.
// 4. Scratch: each op's need comes from the runtime's own kernel_scratch_bytes(), so plan and
//    kernel cannot disagree; one shared buffer holds the largest.
// 5. Fused schedule (MCUNetV2, Lin et al., NeurIPS 2021, section 3: the peak sits in the early
//    blocks' expanded tensors): an expand -> depthwise -> project triple runs row-streamed. Its
//    two inner tensors get no buffer; the group reads its input and writes its output during all
//    three ops, so the input lives to the group's last op and the output from its first; the
//    group's scratch (a ring of kernel_h expanded rows plus one depthwise row) comes from
//    inverted_residual_rows_s8_get_buffer_size and is charged to the expand op.
// 6. Patch stage (MCUNetV2, Lin et al., NeurIPS 2021, section 3.1; patch_planner.h): ops
//    [0, split) run once per patch, so every stage tensor but the split output needs only its
//    largest per-patch region in the arena, and the same lifetimes as in a plain schedule (a
//    region lives within one patch); the graph input is read, and the split output written, by
//    every patch, so both live through the whole stage. Stage ops' scratch is their largest
//    gathered window; nothing in the stage runs in place or fused.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/compiler/memory_plan.h"
#include "engine/compiler/patch_planner.h"
#include "engine/runtime/model_reader.h"

namespace tinynas::compiler {
namespace {

// Arena offsets are word aligned so kernels may read int8 activations four at a time.
constexpr int64_t kTensorAlignment = 4;
constexpr int kGraphInputBirth = -1;  // the graph input exists before op 0 runs
constexpr int kNoTensorIndex = -1;
// Caps tried by the two-sided placement: lower bound + lower bound / divisor (0: no slack).
constexpr int64_t kTwoSidedCapSlackDivisors[] = {0, 64, 16, 8, 4};
// Local search over placement orders when no heuristic reached the lower bound.
constexpr int kLocalSearchIterations = 400;
constexpr uint32_t kLocalSearchSeed = 20200101;

int64_t align_up(int64_t value, int64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}
int64_t align_down(int64_t value, int64_t alignment) {
  return value >= 0 ? value / alignment * alignment : -align_up(-value, alignment);
}

std::string op_label(const Graph& graph, size_t index) {
  return "op " + std::to_string(index) + " (" + graph.ops[index].name + ")";
}

std::string tensor_label(const Graph& graph, int index) {
  if (index < 0 || index >= static_cast<int>(graph.tensors.size())) {
    return "tensor " + std::to_string(index);
  }
  return "tensor " + std::to_string(index) + " (" + graph.tensors[index].name + ")";
}

[[noreturn]] void malformed(const std::string& message) {
  throw std::invalid_argument("plan_memory: " + message);
}

size_t expected_input_count(OpKind kind) { return kind == OpKind::kAdd ? 2 : 1; }

// Checks the graph and returns, per tensor, the op that produces it (kGraphInputBirth for the
// graph input, kNoTensorIndex for constants).
std::vector<int> check_graph_and_find_producers(const Graph& graph) {
  const int tensor_count = static_cast<int>(graph.tensors.size());
  auto in_range = [&](int index) { return index >= 0 && index < tensor_count; };
  if (graph.ops.empty()) malformed("the graph has no ops");
  if (!in_range(graph.input))
    malformed("graph input " + tensor_label(graph, graph.input) + " is not a tensor of the graph");
  if (!in_range(graph.output))
    malformed("graph output " + tensor_label(graph, graph.output) +
              " is not a tensor of the graph");
  for (int t = 0; t < tensor_count; ++t) {
    const Tensor& tensor = graph.tensors[t];
    const TensorShape& s = tensor.shape;
    if (s.n < 1 || s.h < 1 || s.w < 1 || s.c < 1) {
      malformed(tensor_label(graph, t) + " has a non-positive dimension");
    }
  }
  if (graph.tensors[graph.input].is_constant) {
    malformed("graph input " + tensor_label(graph, graph.input) + " is a constant");
  }

  std::vector<int> producer(tensor_count, kNoTensorIndex);
  std::vector<bool> produced(tensor_count, false);
  produced[graph.input] = true;
  producer[graph.input] = kGraphInputBirth;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    if (op.inputs.size() != expected_input_count(op.kind)) {
      malformed(op_label(graph, i) + " has " + std::to_string(op.inputs.size()) +
                " inputs, expected " + std::to_string(expected_input_count(op.kind)));
    }
    for (int input : op.inputs) {
      if (!in_range(input))
        malformed(op_label(graph, i) + " reads missing " + tensor_label(graph, input));
      if (graph.tensors[input].is_constant) {
        malformed(op_label(graph, i) + " reads constant " + tensor_label(graph, input) +
                  " as an activation");
      }
      if (!produced[input]) {
        malformed(op_label(graph, i) + " reads " + tensor_label(graph, input) +
                  " before any op produces it");
      }
    }
    if (op.weights != kNoTensorIndex &&
        (!in_range(op.weights) || !graph.tensors[op.weights].is_constant)) {
      malformed(op_label(graph, i) + ": weights " + tensor_label(graph, op.weights) +
                " is not a constant tensor");
    }
    if (!in_range(op.output))
      malformed(op_label(graph, i) + " writes missing " + tensor_label(graph, op.output));
    if (graph.tensors[op.output].is_constant) {
      malformed(op_label(graph, i) + " writes constant " + tensor_label(graph, op.output));
    }
    if (produced[op.output]) {
      malformed(op_label(graph, i) + " writes " + tensor_label(graph, op.output) +
                ", which already exists (the graph input or another op's output)");
    }
    produced[op.output] = true;
    producer[op.output] = static_cast<int>(i);
  }
  if (producer[graph.output] == kGraphInputBirth) {
    malformed("graph output " + tensor_label(graph, graph.output) + " is the graph input");
  }
  for (int t = 0; t < tensor_count; ++t) {
    if (!graph.tensors[t].is_constant && !produced[t]) {
      malformed(tensor_label(graph, t) + " is an activation that no op produces");
    }
  }
  return producer;
}

runtime::Shape runtime_shape(const TensorShape& shape) {
  runtime::Shape s;
  s.n = shape.n;
  s.h = shape.h;
  s.w = shape.w;
  s.c = shape.c;
  return s;
}

bool is_pointwise(const Op& op) {
  return op.kind == OpKind::kConv2d && op.kernel_h == 1 && op.kernel_w == 1 && op.stride_h == 1 &&
         op.stride_w == 1 && op.pad_top == 0 && op.pad_left == 0 && op.pad_bottom == 0 &&
         op.pad_right == 0;
}

int64_t fused_group_scratch_bytes(const Graph& graph, const Op& depthwise) {
  return runtime::inverted_residual_rows_s8_get_buffer_size(
      runtime_shape(graph.tensors[depthwise.inputs[0]].shape),
      runtime_shape(graph.tensors[depthwise.weights].shape),
      runtime_shape(graph.tensors[depthwise.output].shape));
}

int64_t op_scratch_bytes(const Graph& graph, const Op& op, bool in_place) {
  runtime::OpInfo info;
  info.kind = op.kind;
  info.flags = in_place ? runtime::kOpFlagInPlace : 0;
  info.kernel_h = op.kernel_h;
  info.kernel_w = op.kernel_w;
  info.stride_h = op.stride_h;
  info.stride_w = op.stride_w;
  info.pad_top = op.pad_top;
  info.pad_left = op.pad_left;
  info.pad_bottom = op.pad_bottom;
  info.pad_right = op.pad_right;
  runtime::TensorInfo input;
  input.shape = runtime_shape(graph.tensors[op.inputs[0]].shape);
  input.size_bytes = static_cast<uint32_t>(graph.tensors[op.inputs[0]].bytes());
  runtime::TensorInfo weights;
  if (op.weights != kNoTensorIndex) {
    weights.storage = runtime::Storage::kConstant;
    weights.shape = runtime_shape(graph.tensors[op.weights].shape);
    weights.size_bytes = static_cast<uint32_t>(graph.tensors[op.weights].bytes());
  }
  return runtime::kernel_scratch_bytes(info, input, weights);
}

// One interval of a buffer's life at one size.
struct Segment {
  int first = 0;  // op index (kGraphInputBirth for the graph input)
  int last = 0;   // inclusive
  int64_t bytes = 0;
};

bool overlap_in_time(const Segment& a, const Segment& b) {
  return a.first <= b.last && b.first <= a.last;
}

// A region of the arena: one tensor, or an in-place chain of tensors sharing an offset.
struct Buffer {
  std::vector<int> tensors;
  std::vector<Segment> segments;
  int first = 0;
  int last = 0;
  int64_t max_bytes = 0;
};

// [lo, hi] offsets (inclusive) at which a buffer would collide with a placed one.
struct ForbiddenRange {
  int64_t lo = 0;
  int64_t hi = 0;
  int64_t placed_start = 0;  // where the colliding placed segment starts in the arena
  int placed_buffer = -1;
};

enum class Fit { kFirst, kBest };

struct Placement {
  std::vector<int64_t> offsets;  // per buffer
  int64_t arena_bytes = 0;
};

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

bool collides(int64_t offset, const std::vector<ForbiddenRange>& ranges) {
  for (const ForbiddenRange& range : ranges) {
    if (offset >= range.lo && offset <= range.hi) return true;
  }
  return false;
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

Placement place(const std::vector<Buffer>& buffers, const std::vector<int>& order, Fit fit) {
  Placement placement;
  placement.offsets.assign(buffers.size(), 0);
  std::vector<int> placed;
  placed.reserve(buffers.size());
  for (int index : order) {
    const Buffer& buffer = buffers[index];
    const int64_t offset =
        choose_offset(forbidden_ranges(buffer, buffers, placement.offsets, placed), fit);
    placement.offsets[index] = offset;
    placement.arena_bytes = std::max(placement.arena_bytes, offset + buffer.max_bytes);
    placed.push_back(index);
  }
  return placement;
}

// The highest aligned offset <= limit that collides with nothing, or -1.
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

// Two-sided placement under a cap: each buffer goes to the bottom or the top of [0, cap),
// opposite to the largest buffer it must coexist with (usually the op's input). A chain of
// producer -> consumer tensors then alternates between the two ends instead of stacking up, which
// first-fit from the bottom cannot do (it would have to know where later tensors go).
Placement place_two_sided(const std::vector<Buffer>& buffers, const std::vector<int>& order,
                          int64_t cap) {
  Placement placement;
  placement.offsets.assign(buffers.size(), 0);
  std::vector<int> placed;
  placed.reserve(buffers.size());
  for (int index : order) {
    const Buffer& buffer = buffers[index];
    const std::vector<ForbiddenRange> ranges =
        forbidden_ranges(buffer, buffers, placement.offsets, placed);
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
    int64_t offset = low;  // past the cap if neither end fits: the result is just larger
    if (high >= 0 && (anchor_low || !low_fits)) offset = high;
    placement.offsets[index] = offset;
    placement.arena_bytes = std::max(placement.arena_bytes, offset + buffer.max_bytes);
    placed.push_back(index);
  }
  return placement;
}

using BufferOrder = std::function<bool(const Buffer&, const Buffer&)>;

std::vector<int> sorted_order(const std::vector<Buffer>& buffers, const BufferOrder& before) {
  std::vector<int> order(buffers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return before(buffers[a], buffers[b]); });
  return order;
}

int64_t lifetime(const Buffer& buffer) { return int64_t{buffer.last} - buffer.first + 1; }

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

// Local search over first-fit orders: random swaps and moves, keeping changes that do not grow
// the arena (plateau moves help it wander off local minima). Deterministic: fixed seed.
Placement improve_by_local_search(const std::vector<Buffer>& buffers, Placement best,
                                  int64_t lower_bound) {
  if (buffers.size() < 2) return best;
  std::vector<int> order = order_by_offset(best);
  {
    Placement replayed = place(buffers, order, Fit::kFirst);
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
    Placement candidate = place(buffers, candidate_order, Fit::kFirst);
    if (candidate.arena_bytes <= best.arena_bytes) {
      best = std::move(candidate);
      order = std::move(candidate_order);
    }
  }
  return best;
}

// `lower_bound`: no placement can be smaller (the most bytes live at any one time, with
// alignment).
Placement best_placement(const std::vector<Buffer>& buffers, int64_t lower_bound) {
  const std::vector<BufferOrder> orders = {
      // Largest first (TFLite Micro GreedyMemoryPlanner).
      [](const Buffer& a, const Buffer& b) { return a.max_bytes > b.max_bytes; },
      // In schedule order, larger first among buffers born together.
      [](const Buffer& a, const Buffer& b) {
        return a.first != b.first ? a.first < b.first : a.max_bytes > b.max_bytes;
      },
      // Largest area in the (time, address) plane first.
      [](const Buffer& a, const Buffer& b) {
        return a.max_bytes * lifetime(a) > b.max_bytes * lifetime(b);
      },
      // Longest-lived first, then largest.
      [](const Buffer& a, const Buffer& b) {
        return lifetime(a) != lifetime(b) ? lifetime(a) > lifetime(b) : a.max_bytes > b.max_bytes;
      },
  };
  Placement best;
  bool have_best = false;
  for (const BufferOrder& order : orders) {
    const std::vector<int> sequence = sorted_order(buffers, order);
    for (Fit fit : {Fit::kFirst, Fit::kBest}) {
      Placement candidate = place(buffers, sequence, fit);
      if (!have_best || candidate.arena_bytes < best.arena_bytes) {
        best = std::move(candidate);
        have_best = true;
      }
      if (best.arena_bytes <= lower_bound) return best;
    }
  }
  // Two-sided placement for a few caps between the lower bound and the best so far.
  const std::vector<int> by_birth = sorted_order(buffers, orders[1]);
  const std::vector<int> by_size = sorted_order(buffers, orders[0]);
  for (int64_t cap_slack_divisor : kTwoSidedCapSlackDivisors) {
    if (best.arena_bytes <= lower_bound) break;
    const int64_t cap =
        cap_slack_divisor == 0 ? lower_bound : lower_bound + lower_bound / cap_slack_divisor;
    if (cap >= best.arena_bytes) break;
    for (const std::vector<int>* sequence : {&by_birth, &by_size}) {
      Placement candidate = place_two_sided(buffers, *sequence, cap);
      if (candidate.arena_bytes < best.arena_bytes) best = std::move(candidate);
    }
  }
  if (best.arena_bytes > lower_bound) best = improve_by_local_search(buffers, best, lower_bound);
  return best;
}

}  // namespace

const char* schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::kPlain:
      return "plain";
    case Schedule::kFused:
      return "fused";
    case Schedule::kPatch:
      return "patch";
    case Schedule::kAuto:
      return "auto";
  }
  return "plain";
}

Schedule parse_schedule(const std::string& name) {
  for (Schedule schedule :
       {Schedule::kPlain, Schedule::kFused, Schedule::kPatch, Schedule::kAuto}) {
    if (name == schedule_name(schedule)) return schedule;
  }
  throw std::invalid_argument("unknown schedule '" + name +
                              "' (expected plain, fused, patch or auto)");
}

std::vector<int> find_fused_groups(const Graph& graph) {
  const int op_count = static_cast<int>(graph.ops.size());
  const int tensor_count = static_cast<int>(graph.tensors.size());
  std::vector<int> readers(tensor_count, 0);
  for (const Op& op : graph.ops) {
    for (int input : op.inputs) {
      if (input >= 0 && input < tensor_count) ++readers[input];
    }
  }
  // An inner tensor of a group: read once (by the next op of the group), not the graph output.
  auto streamable = [&](int tensor) {
    return tensor >= 0 && tensor < tensor_count && readers[tensor] == 1 && tensor != graph.output;
  };
  std::vector<int> groups;
  for (int i = 0; i + runtime::kFusedGroupOpCount <= op_count; ++i) {
    const Op& expand = graph.ops[i];
    const Op& depthwise = graph.ops[i + 1];
    const Op& project = graph.ops[i + 2];
    const bool matches = is_pointwise(expand) && depthwise.kind == OpKind::kDepthwiseConv2d &&
                         is_pointwise(project) && depthwise.inputs.size() == 1 &&
                         depthwise.inputs[0] == expand.output && project.inputs.size() == 1 &&
                         project.inputs[0] == depthwise.output && streamable(expand.output) &&
                         streamable(depthwise.output);
    if (!matches) continue;
    groups.push_back(i);
    i += runtime::kFusedGroupOpCount - 1;
  }
  return groups;
}

namespace {

// The plan with exactly `fused_groups` (expand op indices from find_fused_groups, none inside
// the patch stage) row-streamed, and `patch` (none, or one without a patch_stage_problem).
MemoryPlan plan_with_groups(const Graph& graph, const PlannerOptions& options,
                            const std::vector<int>& fused_groups, const PatchConfig& patch = {}) {
  const std::vector<int> producer = check_graph_and_find_producers(graph);
  const int tensor_count = static_cast<int>(graph.tensors.size());
  const int op_count = static_cast<int>(graph.ops.size());

  MemoryPlan plan;
  plan.schedule = patch.enabled()        ? Schedule::kPatch
                  : fused_groups.empty() ? Schedule::kPlain
                                         : Schedule::kFused;
  plan.offsets.assign(tensor_count, -1);
  plan.first_use.assign(tensor_count, -1);
  plan.last_use.assign(tensor_count, -1);
  plan.in_place.assign(op_count, false);
  plan.op_scratch.assign(op_count, 0);
  plan.fused_rows.assign(op_count, false);

  // Fused groups: which ops run row-streamed and which tensors are never materialised.
  std::vector<bool> streamed(tensor_count, false);
  for (int first : fused_groups) {
    for (int k = 0; k < runtime::kFusedGroupOpCount; ++k) plan.fused_rows[first + k] = true;
    streamed[graph.ops[first].output] = true;
    streamed[graph.ops[first + 1].output] = true;
  }

  // Patch stage: region sizes and the MACs its overlap recomputes.
  const int split = patch.enabled() ? patch.split : 0;
  PatchStageFacts patch_facts;
  if (patch.enabled()) {
    patch_facts = patch_stage_facts(graph, patch);
    plan.patch = patch;
    plan.mac_overhead = patch_facts.mac_overhead;
    plan.patch_region_bytes.assign(tensor_count, 0);
    for (int k = 0; k + 1 < split; ++k) {
      plan.patch_region_bytes[graph.ops[k].output] = patch_facts.region_bytes[k];
    }
  }
  auto arena_bytes_of = [&](int tensor) {
    return plan.tensor_patched(tensor) ? plan.patch_region_bytes[tensor]
                                       : graph.tensors[tensor].bytes();
  };

  // Lifetimes.
  for (int t = 0; t < tensor_count; ++t) {
    if (graph.tensors[t].is_constant) continue;
    plan.first_use[t] = producer[t];
    plan.last_use[t] = producer[t];
  }
  for (int i = 0; i < op_count; ++i) {
    for (int input : graph.ops[i].inputs) plan.last_use[input] = std::max(plan.last_use[input], i);
  }
  plan.last_use[graph.output] = op_count - 1;
  for (int first : fused_groups) {
    const int last = first + runtime::kFusedGroupOpCount - 1;
    const int input = graph.ops[first].inputs[0];
    plan.last_use[input] = std::max(plan.last_use[input], last);
    plan.first_use[graph.ops[last].output] = first;
  }
  if (split > 0) {
    plan.last_use[graph.input] = std::max(plan.last_use[graph.input], split - 1);
    plan.first_use[graph.ops[split - 1].output] = 0;
  }

  // In-place depthwise: the output joins its input's buffer. The split output of a patch stage
  // joins the graph input's buffer, starting split_output_lead_bytes below it, when the input
  // dies in the stage (runtime::split_output_may_overlap_input). A tensor starts `shift` bytes
  // into its buffer.
  std::vector<int> buffer_of(tensor_count, kNoTensorIndex);
  std::vector<int64_t> shift(tensor_count, 0);
  std::vector<Buffer> buffers;
  auto new_buffer = [&](int tensor) {
    buffer_of[tensor] = static_cast<int>(buffers.size());
    buffers.emplace_back();
    buffers.back().tensors.push_back(tensor);
  };
  new_buffer(graph.input);
  for (int i = 0; i < op_count; ++i) {
    const Op& op = graph.ops[i];
    const int input = op.inputs[0];
    if (streamed[op.output]) continue;  // no buffer: lives row by row in the group's scratch
    const bool in_place = i >= split && !plan.fused_rows[i] && options.in_place_depthwise &&
                          op.allow_in_place && op.kind == OpKind::kDepthwiseConv2d &&
                          plan.last_use[input] == i &&
                          graph.tensors[op.output].bytes() <= graph.tensors[input].bytes();
    plan.in_place[i] = in_place;
    const bool split_over_input = i + 1 == split && plan.last_use[graph.input] == split - 1;
    if (in_place) {
      buffer_of[op.output] = buffer_of[input];
      shift[op.output] = shift[input];
      buffers[buffer_of[input]].tensors.push_back(op.output);
    } else if (split_over_input) {
      buffer_of[op.output] = buffer_of[graph.input];
      shift[graph.input] = align_up(patch_facts.split_output_lead_bytes, kTensorAlignment);
      buffers[buffer_of[graph.input]].tensors.push_back(op.output);
    } else {
      new_buffer(op.output);
    }
  }

  // Scratch: each op's kernel need; in the arena (options.scratch_in_arena) one buffer that is
  // live exactly while an op with a need runs, at that op's size, so tensors share its bytes the
  // rest of the time.
  for (int i = 0; i < op_count; ++i) {
    plan.op_scratch[i] = op_scratch_bytes(graph, graph.ops[i], plan.in_place[i]);
    if (plan.fused_rows[i]) {
      const bool group_start =
          std::find(fused_groups.begin(), fused_groups.end(), i) != fused_groups.end();
      plan.op_scratch[i] = group_start ? fused_group_scratch_bytes(graph, graph.ops[i + 1]) : 0;
    }
    if (i < split) plan.op_scratch[i] += patch_facts.op_scratch[i];
  }
  const int64_t largest_scratch = *std::max_element(plan.op_scratch.begin(), plan.op_scratch.end());
  int scratch_buffer = kNoTensorIndex;
  if (options.scratch_in_arena && largest_scratch > 0) {
    scratch_buffer = static_cast<int>(buffers.size());
    buffers.emplace_back();
  }
  for (Buffer& buffer : buffers) {
    buffer.first = std::numeric_limits<int>::max();
    buffer.last = std::numeric_limits<int>::min();
    for (int tensor : buffer.tensors) {
      const Segment segment{plan.first_use[tensor], plan.last_use[tensor],
                            shift[tensor] + arena_bytes_of(tensor)};
      buffer.segments.push_back(segment);
      buffer.first = std::min(buffer.first, segment.first);
      buffer.last = std::max(buffer.last, segment.last);
      buffer.max_bytes = std::max(buffer.max_bytes, segment.bytes);
    }
  }
  if (scratch_buffer != kNoTensorIndex) {
    Buffer& buffer = buffers[scratch_buffer];
    for (int i = 0; i < op_count; ++i) {
      if (plan.op_scratch[i] == 0) continue;
      buffer.segments.push_back(Segment{i, i, plan.op_scratch[i]});
      buffer.first = std::min(buffer.first, i);
      buffer.last = std::max(buffer.last, i);
      buffer.max_bytes = std::max(buffer.max_bytes, plan.op_scratch[i]);
    }
  }

  // Live bytes per op: an in-place buffer counts once, at its larger member's size. With aligned
  // offsets, every live buffer but the topmost also occupies its size rounded up to the alignment,
  // which gives a tighter bound to stop searching at.
  std::vector<int64_t> live_bytes(op_count, 0);
  std::vector<int64_t> aligned_live_bytes(op_count, 0);
  std::vector<int64_t> largest_alignment_slack(op_count, 0);
  for (const Buffer& buffer : buffers) {
    for (int i = std::max(buffer.first, 0); i <= buffer.last; ++i) {
      int64_t bytes_now = 0;
      for (const Segment& segment : buffer.segments) {
        if (segment.first <= i && i <= segment.last) bytes_now = std::max(bytes_now, segment.bytes);
      }
      if (bytes_now == 0) continue;
      const int64_t aligned = align_up(bytes_now, kTensorAlignment);
      live_bytes[i] += bytes_now;
      aligned_live_bytes[i] += aligned;
      largest_alignment_slack[i] = std::max(largest_alignment_slack[i], aligned - bytes_now);
    }
  }
  int64_t lower_bound = 0;
  for (int i = 0; i < op_count; ++i) {
    lower_bound = std::max(lower_bound, aligned_live_bytes[i] - largest_alignment_slack[i]);
  }

  // Placement.
  const Placement placement = best_placement(buffers, lower_bound);
  for (int t = 0; t < tensor_count; ++t) {
    if (buffer_of[t] != kNoTensorIndex) {
      plan.offsets[t] = placement.offsets[buffer_of[t]] + shift[t];
    }
  }
  plan.arena_bytes = placement.arena_bytes;
  if (scratch_buffer != kNoTensorIndex) {
    plan.arena_scratch_offset = placement.offsets[scratch_buffer];
    plan.arena_scratch_bytes = largest_scratch;
  } else {
    plan.scratch_bytes = largest_scratch;
  }

  // Scratch and the per-op report.
  for (int i = 0; i < op_count; ++i) {
    OpMemory memory;
    memory.op = i;
    memory.scratch_bytes = plan.op_scratch[i];
    memory.in_place = plan.in_place[i];
    memory.fused_rows = plan.fused_rows[i];
    memory.live_bytes = live_bytes[i];
    for (int t = 0; t < tensor_count; ++t) {
      if (buffer_of[t] != kNoTensorIndex && plan.first_use[t] <= i && i <= plan.last_use[t]) {
        memory.live_tensors.push_back(t);
      }
    }
    plan.per_op.push_back(std::move(memory));
  }
  return plan;
}

// The fused groups (expand op indices) that start after a patch stage of `split` ops.
std::vector<int> groups_after(const std::vector<int>& groups, int split) {
  std::vector<int> after;
  for (int group : groups) {
    if (group >= split) after.push_back(group);
  }
  return after;
}

// True when `candidate` beats `best`: a smaller peak, or the same peak with fewer MACs redone.
bool better_plan(const MemoryPlan& candidate, const MemoryPlan& best) {
  if (candidate.peak_sram_bytes() != best.peak_sram_bytes()) {
    return candidate.peak_sram_bytes() < best.peak_sram_bytes();
  }
  return candidate.mac_overhead < best.mac_overhead;
}

// Fused per block (after the patch stage, if any): start from every group fused and give groups
// back to the plain schedule, largest ring first, whenever that does not raise the peak. A ring
// only costs while it is the largest scratch, and fusing only pays where the expanded tensor
// sets the arena's peak, so usually just the peak-setting blocks stay fused. The result is never
// worse than no or all groups fused (both are candidates); ties go to the plainer plan.
MemoryPlan plan_fused_per_block(const Graph& graph, const PlannerOptions& options,
                                const PatchConfig& patch) {
  MemoryPlan plain = plan_with_groups(graph, options, {}, patch);
  std::vector<int> groups = groups_after(find_fused_groups(graph), patch.split);
  if (groups.empty()) return plain;
  MemoryPlan best = plan_with_groups(graph, options, groups, patch);
  std::vector<int> by_ring = groups;
  std::stable_sort(by_ring.begin(), by_ring.end(),
                   [&](int a, int b) { return best.op_scratch[a] > best.op_scratch[b]; });
  for (int group : by_ring) {
    std::vector<int> fewer;
    for (int g : groups) {
      if (g != group) fewer.push_back(g);
    }
    MemoryPlan candidate = plan_with_groups(graph, options, fewer, patch);
    if (candidate.peak_sram_bytes() <= best.peak_sram_bytes()) {
      best = std::move(candidate);
      groups = std::move(fewer);
    }
  }
  return best.peak_sram_bytes() < plain.peak_sram_bytes() ? std::move(best) : std::move(plain);
}

// The patch schedule: options.patch if set, else the split and grid with the smallest peak
// (fewest recomputed MACs on a tie), trying every split find_patch_splits() allows with every
// grid patch_grids() offers. The ops after the split run plain, or (`fuse_rest`) with every
// fused group there row-streamed. Throws std::invalid_argument when no stage is possible.
MemoryPlan plan_patch(const Graph& graph, const PlannerOptions& options, bool fuse_rest) {
  const std::vector<int> groups = fuse_rest ? find_fused_groups(graph) : std::vector<int>{};
  if (options.patch.enabled()) {
    const std::string problem = patch_stage_problem(graph, options.patch);
    if (!problem.empty()) malformed("no patch stage of this grid and split: " + problem);
    return plan_with_groups(graph, options, groups_after(groups, options.patch.split),
                            options.patch);
  }
  MemoryPlan best;
  bool have_best = false;
  for (int split : find_patch_splits(graph)) {
    for (int grid : patch_grids(graph, split)) {
      const PatchConfig patch{grid, split};
      MemoryPlan candidate = plan_with_groups(graph, options, groups_after(groups, split), patch);
      if (!have_best || better_plan(candidate, best)) {
        best = std::move(candidate);
        have_best = true;
      }
    }
  }
  if (!have_best) {
    malformed("no patch stage possible: op 0 (" + graph.ops[0].name + ") cannot start one (" +
              patch_stage_problem(graph, PatchConfig{2, 1}) + ")");
  }
  return best;
}

// Auto: the smallest peak of plain, fused per block, patch, and patch with fused blocks after
// the split (its blocks chosen per block like the fused candidate's), each with the scratch
// apart and in the arena. Ties go to the earlier.
MemoryPlan plan_auto_with(const Graph& graph, const PlannerOptions& options) {
  MemoryPlan best = plan_fused_per_block(graph, options, {});  // plain when fusing never pays
  if (find_patch_splits(graph).empty()) return best;
  PlannerOptions patch_options = options;
  MemoryPlan patched = plan_patch(graph, patch_options, false);
  MemoryPlan patched_fused = plan_patch(graph, patch_options, true);
  patch_options.patch = patched_fused.patch;
  patched_fused = plan_fused_per_block(graph, patch_options, patched_fused.patch);
  for (MemoryPlan* candidate : {&patched, &patched_fused}) {
    if (candidate->peak_sram_bytes() < best.peak_sram_bytes()) best = std::move(*candidate);
  }
  return best;
}

// Auto also tries the scratch inside the arena when the options keep it apart.
MemoryPlan plan_auto(const Graph& graph, const PlannerOptions& options) {
  MemoryPlan best = plan_auto_with(graph, options);
  if (options.scratch_in_arena) return best;
  PlannerOptions shared = options;
  shared.scratch_in_arena = true;
  MemoryPlan candidate = plan_auto_with(graph, shared);
  return candidate.peak_sram_bytes() < best.peak_sram_bytes() ? std::move(candidate)
                                                              : std::move(best);
}

}  // namespace

MemoryPlan plan_memory(const Graph& graph, const PlannerOptions& options) {
  switch (options.schedule) {
    case Schedule::kPlain:
      return plan_with_groups(graph, options, {});
    case Schedule::kFused:
      check_graph_and_find_producers(graph);  // names the problem before the groups are sought
      return plan_with_groups(graph, options, find_fused_groups(graph));
    case Schedule::kPatch:
      check_graph_and_find_producers(graph);
      return plan_patch(graph, options, false);
    case Schedule::kAuto:
      check_graph_and_find_producers(graph);
      return plan_auto(graph, options);
  }
  return plan_with_groups(graph, options, {});
}

}  // namespace tinynas::compiler
