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
bool load_optimizer_state(const std::string& dir, torch::optim::Optimizer& optimizer);
nlohmann::json read_checkpoint_metadata(const std::string& dir);
// Accepts the folder, its metadata.json or its supernet.pt; returns the folder.
std::string checkpoint_dir(const std::string& path);
// A supernet built from the space stored in the metadata, with the checkpoint's weights.
OFASupernet load_supernet_checkpoint(const std::string& path);

}  // namespace tinynas::supernet
