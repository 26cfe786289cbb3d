// Arena placement: the scratch region's header fields, tensors live at the same time share no
// byte, and the scratch in the arena misses every live tensor (model_validator.h).
#include "engine/runtime/model_validator.h"

namespace tinynas::runtime::validation {

// Scratch in the arena: a non-empty, aligned region inside the arena, and no caller scratch.
Status Validator::check_arena_scratch_header() {
  if (!scratch_in_arena()) return Status::kOk;
  if (header_.scratch_size != 0) return header_error(Status::kBadHeader, header::kScratchSize);
  if (header_.arena_scratch_offset % kDataAlignment != 0) {
    return header_error(Status::kMisaligned, header::kArenaScratchOffset);
  }
  if (header_.arena_scratch_bytes == 0 ||
      uint64_t{header_.arena_scratch_offset} + header_.arena_scratch_bytes > header_.arena_size) {
    return header_error(Status::kBadHeader, header::kArenaScratchBytes);
  }
  return Status::kOk;
}

int32_t Validator::last_reader(uint16_t t, int32_t produced_by) const {
  int32_t last = produced_by;
  FusedRole role = FusedRole::kNone;
  for (int32_t k = 0; k < header_.op_count; ++k) {
    const bool fused =
        (load_u8(op_record(static_cast<uint16_t>(k)) + op_record::kFlags) & kOpFlagFusedRows) != 0;
    role = fused ? next_fused_role(role) : FusedRole::kNone;
    if (k <= produced_by || !op_reads(static_cast<uint16_t>(k), t)) continue;
    last = role == FusedRole::kExpand ? k + kFusedGroupOpCount - 1 : k;
    // A streamed stage reads its inputs, row by row, until its last op's last row.
    if (op_streamed(k)) last = stage_last(k);
  }
  return last;
}

// Two tensors whose lifetimes overlap share no arena byte. A tensor t lives from the op that
// produces it (the model input: from the start) to its last reader (the model output: to the
// end); every op i in (producer, last reader] writes its output while t is live, so that output
// must miss t — unless t dies at op i and the kernel may overwrite it: the in-place depthwise
// input (same start), or an add input covering exactly the output's bytes; a view (kReshape)
// writes nothing. The tensors a view and its input are live as two, each over its own readers. One
// pass per tensor finds its last reader, so the whole check is O(ops^2). The error names the
// earliest op whose output overlaps a live tensor.
Status Validator::check_arena_sharing() {
  const int32_t op_count = header_.op_count;
  int32_t first_bad_op = op_count;
  // The patch stage repeats ops [0, split) once per patch: the model input is read, and the
  // split output written, until the stage's last op of the last patch, so both are live through
  // the whole stage; a patched tensor's region lives within one patch, like a tensor of a plain
  // schedule.
  const int32_t patch_split = has_patch_stage() ? header_.patch_split : 0;
  const int32_t split_output =
      patch_split > 0 ? op_output(static_cast<uint16_t>(patch_split - 1)) : -1;
  for (int32_t j = -1; j < op_count; ++j) {
    // The tensor made by op j (j == -1: the model input).
    const uint16_t t = j < 0 ? header_.input : op_output(static_cast<uint16_t>(j));
    const TensorInfo live = tensor(t);
    if (live.storage == Storage::kStreamed) continue;  // no arena bytes
    const bool model_output = t == header_.output;
    int32_t last = last_reader(t, j);
    if (model_output) last = op_count - 1;
    // The split output may be written over the model input's dead rows when nothing after the
    // stage reads the input and the geometry says the rows are dead (split_may_overlap_input_).
    const bool input_dies_in_stage = j < 0 && patch_split > 0 && last <= patch_split - 1;
    if (j < 0 && last < patch_split - 1) last = patch_split - 1;
    // A streamed stage's ops write their rows in turns, from the stage's first op on.
    const int32_t first_writer = t == split_output ? 0 : op_streamed(j) ? stage_first(j) : j + 1;
    for (int32_t i = first_writer; i <= last && i < first_bad_op; ++i) {
      const OpInfo op = decode_op_record(op_record(static_cast<uint16_t>(i)));
      if (op.output == t) continue;  // the split op writing its own output
      // A view writes no byte: its output is its input's bytes (check_view), and whatever overlaps
      // them while both live was checked when the later of the two was produced.
      if (op.kind == OpKind::kReshape) continue;
      const TensorInfo out = tensor(op.output);
      if (out.storage == Storage::kStreamed) continue;
      if (!ranges_overlap(out.offset, out.arena_bytes(), live.offset, live.arena_bytes())) {
        continue;
      }
      if (input_dies_in_stage && op.output == split_output && split_may_overlap_input_) continue;
      // A streamed stage's output may be written over its input's dead rows.
      if (op.streamed() && !stage_continues(i) && j < stage_first(i) &&
          decode_op_record(op_record(static_cast<uint16_t>(stage_first(i)))).input0 == t &&
          streamed_output_may_overlap(stage_first(i), i)) {
        continue;
      }
      const bool dies_here = i == last && !model_output;  // op `last` reads t
      const bool in_place_input = op.in_place() && op.input0 == t;
      // (Not inside the patch stage: there an add's input and output regions need not have
      // the same shape, so sharing bytes would mix up pixels.)
      const bool add_alias = op.kind == OpKind::kAdd && !in_patch_stage(static_cast<uint16_t>(i)) &&
                             !op.streamed() && live.offset == out.offset &&
                             live.size_bytes == out.size_bytes;
      if (!(dies_here && (in_place_input || add_alias))) first_bad_op = i;
    }
  }
  if (first_bad_op < op_count) {
    return op_error(Status::kArenaOverlap, static_cast<uint16_t>(first_bad_op), op_record::kOutput);
  }
  return Status::kOk;
}

// Scratch in the arena: while an op runs, the part of the scratch region it uses shares no byte
// with a tensor that is live then. A tensor made by op j is live from j (a fused group's output
// from the group's expand op, the split output from op 0: they are written from there on) to its
// last reader (as in check_arena_sharing). O(op_count^2), like that check.
Status Validator::check_arena_scratch_sharing() {
  if (!scratch_in_arena()) return Status::kOk;
  const int32_t op_count = header_.op_count;
  const int32_t patch_split = has_patch_stage() ? header_.patch_split : 0;
  int32_t first_bad_op = op_count;
  for (int32_t j = -1; j < op_count; ++j) {
    const uint16_t t = j < 0 ? header_.input : op_output(static_cast<uint16_t>(j));
    const TensorInfo live = tensor(t);
    if (live.storage == Storage::kStreamed) continue;
    int32_t birth = j < 0 ? 0 : op_streamed(j) ? stage_first(j) : j;
    if (patch_split > 0 && j == patch_split - 1) birth = 0;
    if (j >= kFusedGroupOpCount - 1) {
      const OpInfo op = decode_op_record(op_record(static_cast<uint16_t>(j)));
      if (op.fused_rows()) birth = j - (kFusedGroupOpCount - 1);  // only the project op's
    }                                                             // output is in the arena
    int32_t last = t == header_.output ? op_count - 1 : last_reader(t, j);
    if (j < 0 && last < patch_split - 1) last = patch_split - 1;
    for (int32_t i = birth; i <= last && i < first_bad_op; ++i) {
      const uint32_t used = decode_op_record(op_record(static_cast<uint16_t>(i))).scratch_bytes;
      if (used == 0) continue;
      if (ranges_overlap(header_.arena_scratch_offset, used, live.offset, live.arena_bytes())) {
        first_bad_op = i;
      }
    }
  }
  if (first_bad_op < op_count) {
    return op_error(Status::kArenaOverlap, static_cast<uint16_t>(first_bad_op),
                    op_record::kScratchBytes);
  }
  return Status::kOk;
}

}  // namespace tinynas::runtime::validation
