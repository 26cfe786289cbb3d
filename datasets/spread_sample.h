// Which images a check on `count` images of a split uses (export --verify on the board, and the
// float accuracy it prints beside the board's): spread evenly over the split, image
// i * size / count for i < count, rather than the first ones. Folders list their images class
// by class, and a prefix of such a split would be nearly one class.
#pragma once

#include <cstddef>
#include <vector>

namespace tinynas::datasets {

// Every index when count >= size.
std::vector<std::size_t> spread_sample_indices(std::size_t size, std::size_t count);

}  // namespace tinynas::datasets
