// The float accuracy of a search result's best network with the weights the result ships: the
// final training's checkpoint when best/summary.json names one, else the supernet's, with BN
// recalibrated for best/arch.json. What `tinynas export --verify` sets beside the board's int8
// accuracy on the very same images.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace tinynas::nas {

// On the first `images` test images of the Fashion-MNIST folder `dataset_dir` (empty: the
// checkpoint's job dataset). Empty when `result_dir` is not a search result directory with a
// best network and a supernet checkpoint.
std::optional<double> result_float_accuracy(const std::string& result_dir,
                                            const std::string& dataset_dir, std::size_t images);

}  // namespace tinynas::nas
