#include "supernet/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include "config/json_file.h"

namespace tinynas::supernet {
namespace fs = std::filesystem;

namespace {
template <typename Write>
void write_atomically(const fs::path& path, Write write) {
  const fs::path temporary = path.string() + ".tmp";
  write(temporary.string());
  fs::rename(temporary, path);
}
}  // namespace

void save_checkpoint(const std::string& dir, OFASupernet& net, torch::optim::Optimizer* optimizer,
                     const nlohmann::json& metadata) {
  fs::create_directories(dir);
  write_atomically(fs::path(dir) / kWeightsFile,
                   [&](const std::string& path) { torch::save(net, path); });
  if (optimizer != nullptr) {
    write_atomically(fs::path(dir) / kOptimizerFile,
                     [&](const std::string& path) { torch::save(*optimizer, path); });
  }
  write_atomically(fs::path(dir) / kMetadataFile, [&](const std::string& path) {
    std::ofstream out(path);
    out << metadata.dump(2) << "\n";
    if (!out) throw std::runtime_error(path + ": cannot write checkpoint metadata");
  });
}

void load_supernet_weights(const std::string& dir, OFASupernet& net) {
  const fs::path path = fs::path(dir) / kWeightsFile;
  if (!fs::exists(path)) throw std::runtime_error(path.string() + ": checkpoint weights not found");
  // torch::load replaces every tensor with the stored one without comparing shapes, so the
  // shapes of this space's supernet are taken first and checked afterwards.
  std::map<std::string, std::vector<int64_t>> expected_shapes;
  for (const auto& item : net->named_parameters())
    expected_shapes[item.key()] = item.value().sizes().vec();
  for (const auto& item : net->named_buffers())
    expected_shapes[item.key()] = item.value().sizes().vec();
  try {
    torch::load(net, path.string());
  } catch (const c10::Error& e) {
    throw std::runtime_error(path.string() +
                             ": weights do not match the supernet of the checkpoint's space: " +
                             e.what_without_backtrace());
  }
  auto check_shape = [&](const std::string& name, const torch::Tensor& tensor) {
    const std::vector<int64_t>& expected = expected_shapes[name];
    if (tensor.sizes().vec() != expected) {
      throw std::runtime_error(
          path.string() + ": weights do not match the supernet of the checkpoint's space: " + name +
          " has shape " + c10::str(tensor.sizes()) + ", expected " +
          c10::str(c10::IntArrayRef(expected)));
    }
  };
  for (const auto& item : net->named_parameters()) check_shape(item.key(), item.value());
  for (const auto& item : net->named_buffers()) check_shape(item.key(), item.value());
}

std::string read_optimizer_state(const std::string& dir) {
  const fs::path path = fs::path(dir) / kOptimizerFile;
  if (!fs::exists(path)) return "";
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) throw std::runtime_error(path.string() + ": cannot read");
  return bytes;
}

void load_optimizer_state(const std::string& state, torch::optim::Optimizer& optimizer) {
  torch::load(optimizer, state.data(), state.size());
}

nlohmann::json read_checkpoint_metadata(const std::string& dir) {
  const std::string path = (fs::path(dir) / kMetadataFile).string();
  nlohmann::json metadata = config::read_json_file(path);
  if (!metadata.is_object() || metadata.value("format", "") != kCheckpointFormat) {
    throw std::runtime_error(path + ": format: expected \"" + kCheckpointFormat + "\"");
  }
  return metadata;
}

std::string checkpoint_dir(const std::string& path) {
  if (fs::is_directory(path)) return path;
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

OFASupernet load_supernet_checkpoint(const std::string& path) {
  const std::string dir = checkpoint_dir(path);
  const nlohmann::json metadata = read_checkpoint_metadata(dir);
  OFASupernet net(space::parse_search_space(metadata.at("space")));
  load_supernet_weights(dir, net);
  return net;
}

}  // namespace tinynas::supernet
