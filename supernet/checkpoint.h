// Supernet checkpoints: a folder with the weights (supernet.pt), the optimiser state
// (optimizer.pt, for --resume) and metadata.json (space, job, epoch, history), written after
// every epoch. LibTorch header.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "supernet/ofa_supernet.h"

namespace tinynas::supernet {

inline constexpr const char* kCheckpointFormat = "tinynas-checkpoint/1";
inline constexpr const char* kWeightsFile = "supernet.pt";
inline constexpr const char* kOptimizerFile = "optimizer.pt";
inline constexpr const char* kMetadataFile = "metadata.json";

// Each file is written to a temporary name and renamed, so a crash never leaves half a file.
void save_checkpoint(const std::string& dir, OFASupernet& net, torch::optim::Optimizer* optimizer,
                     const nlohmann::json& metadata);
// Throws std::runtime_error naming the file when it is missing or does not match the net.
void load_supernet_weights(const std::string& dir, OFASupernet& net);
// The bytes of the checkpoint's optimizer state ("" when it has none), and loading them: rank 0
// of a data-parallel run reads the file and hands the bytes to the others.
std::string read_optimizer_state(const std::string& dir);
void load_optimizer_state(const std::string& state, torch::optim::Optimizer& optimizer);
nlohmann::json read_checkpoint_metadata(const std::string& dir);
// Accepts the folder, its metadata.json or its supernet.pt; returns the folder.
std::string checkpoint_dir(const std::string& path);
// A supernet built from the space stored in the metadata, with the checkpoint's weights.
OFASupernet load_supernet_checkpoint(const std::string& path);

}  // namespace tinynas::supernet
