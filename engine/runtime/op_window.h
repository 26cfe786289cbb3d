// The sliding window of an op (kernel, stride, padding) is named alike in every record that
// holds one: the model file's OpInfo, the patch geometry's PatchStageOp and the compiler's Op.
// These copy it between them, converting each field to the destination's type.
#pragma once

namespace tinynas::runtime {

// Kernel, stride and the top / left padding: where each window starts.
template <typename From, typename To>
void copy_window_start(const From& from, To* to) {
  to->kernel_h = static_cast<decltype(to->kernel_h)>(from.kernel_h);
  to->kernel_w = static_cast<decltype(to->kernel_w)>(from.kernel_w);
  to->stride_h = static_cast<decltype(to->stride_h)>(from.stride_h);
  to->stride_w = static_cast<decltype(to->stride_w)>(from.stride_w);
  to->pad_top = static_cast<decltype(to->pad_top)>(from.pad_top);
  to->pad_left = static_cast<decltype(to->pad_left)>(from.pad_left);
}

// The whole window: also the bottom / right padding.
template <typename From, typename To>
void copy_window(const From& from, To* to) {
  copy_window_start(from, to);
  to->pad_bottom = static_cast<decltype(to->pad_bottom)>(from.pad_bottom);
  to->pad_right = static_cast<decltype(to->pad_right)>(from.pad_right);
}

}  // namespace tinynas::runtime
