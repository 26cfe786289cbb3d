#include "datasets/spread_sample.h"

namespace tinynas::datasets {

std::vector<std::size_t> spread_sample_indices(std::size_t size, std::size_t count) {
  const std::size_t taken = count < size ? count : size;
  std::vector<std::size_t> indices;
  indices.reserve(taken);
  for (std::size_t i = 0; i < taken; ++i) indices.push_back(i * size / taken);
  return indices;
}

}  // namespace tinynas::datasets
