// The memory plan of one fixed schedule (internal to engine/compiler; the API is memory_plan.h,
// whose plan_memory() chooses the schedule in schedule_choice.cpp):
//
// 1. Lifetimes (tensor_lifetimes.h).
// 2. In-place depthwise (MCUNet, Lin et al., NeurIPS 2020, section 3.2 / TinyEngine): when a
//    depthwise conv is the last reader of its input, its output starts at the input's address.
//    The two tensors form one buffer whose size drops from the input's to the output's after the
//    op (stride 2 frees the tail).
// 3. Placement: the buffers go into one arena through a PlacementStrategy (arena_placement.h;
//    BestPlacement, placement_strategies.h). Every run on the same graph gives the same plan.
// 4. Scratch: each op's need comes from the runtime's own kernel_scratch_bytes(), so plan and
//    kernel cannot disagree; one shared buffer holds the largest.
// 5. Fused groups (MCUNetV2, Lin et al., NeurIPS 2021, section 3: the peak sits in the early
//    blocks' expanded tensors): an expand -> depthwise -> project triple runs row-streamed. Its
//    two inner tensors get no buffer; the group's scratch (a ring of kernel_h expanded rows plus
//    one depthwise row) comes from inverted_residual_rows_s8_get_buffer_size and is charged to
//    the expand op.
// 6. Patch stage (MCUNetV2, section 3.1; patch_planner.h): ops [0, split) run once per patch, so
//    every stage tensor but the split output needs only its largest per-patch region in the
//    arena. Stage ops' scratch is their largest gathered window; nothing in the stage runs in
//    place or fused.
// 7. Streamed stages (streamed_planner.h): every inner tensor of a stage needs only its ring of
//    rows in the arena; the stage output may start below the stage input and take its dead rows
//    (as the split output does); stage ops' scratch is their largest gathered window; nothing in
//    a stage runs in place or fused.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compiler/graph_validation.h"
#include "engine/compiler/memory_plan.h"

namespace tinynas::compiler {

// Scratch bytes `op`'s kernel needs (the runtime's own kernel_scratch_bytes), run in place or not.
int64_t op_scratch_bytes(const Graph& graph, const Op& op, bool in_place);

// The plan with exactly `fused_groups` (expand op indices from find_fused_groups, none inside
// the patch stage or a streamed stage) row-streamed, `patch` (none, or one without a
// patch_stage_problem) and `streamed_stages` (each without a streamed_stage_problem, disjoint,
// after the patch stage).
MemoryPlan plan_schedule(const ValidatedGraph& graph, const PlannerOptions& options,
                         const std::vector<int>& fused_groups, const PatchConfig& patch = {},
                         const std::vector<StreamedStageRange>& streamed_stages = {});

}  // namespace tinynas::compiler
