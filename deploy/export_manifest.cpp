#include "deploy/export_manifest.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "config/field_reader.h"
#include "config/json_file.h"
#include "text/sha256.h"

namespace tinynas::deploy {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kListedConflicts = 10;

// SHA-256 of a file, or "" when it cannot be read.
std::string file_sha256(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  return text::sha256_hex(bytes);
}

bool holds_what_export_wrote(const fs::path& dir, const ExportManifest& manifest,
                             const std::string& path) {
  const auto entry = manifest.sha256_by_path.find(path);
  return entry != manifest.sha256_by_path.end() && file_sha256(dir / path) == entry->second;
}

bool inside_the_project(const std::string& path) {
  const fs::path relative(path);
  if (path.empty() || relative.is_absolute()) return false;
  for (const fs::path& part : relative) {
    if (part == "..") return false;
  }
  return true;
}

std::string listed(const std::vector<std::string>& paths) {
  std::string list;
  for (std::size_t i = 0; i < paths.size() && i < kListedConflicts; ++i) {
    list += (i == 0 ? "" : ", ") + paths[i];
  }
  if (paths.size() > kListedConflicts) {
    list += " and " + std::to_string(paths.size() - kListedConflicts) + " more";
  }
  return list;
}

}  // namespace

ExportManifest read_export_manifest(const std::string& path) {
  const nlohmann::json document = config::read_json_file(path);
  config::FieldErrors errors;
  const config::ObjectReader root(document, "", errors);
  root.reject_unknown_keys({"format", "files"});
  root.one_of("format", {kExportManifestFormat});
  ExportManifest manifest;
  if (const auto files = root.array("files", "an array of {path, sha256}")) {
    for (std::size_t i = 0; i < files->size(); ++i) {
      const config::ObjectReader file = files->object(i);
      if (!file.valid()) continue;
      file.reject_unknown_keys({"path", "sha256"});
      const auto relative = file.string("path");
      const auto sha = file.string("sha256");
      if (relative && !inside_the_project(*relative)) {
        file.errors().add(file.path_of("path"), "a relative path inside the project", *relative);
      }
      if (sha && !text::is_sha256_hex(*sha)) {
        file.errors().add(file.path_of("sha256"), "64 lowercase hex digits", *sha);
      }
      if (relative && sha) manifest.sha256_by_path[*relative] = *sha;
    }
  }
  errors.throw_if_any(path);
  return manifest;
}

void write_export_manifest(const std::string& path, const ExportManifest& manifest) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& [relative, sha] : manifest.sha256_by_path) {
    files.push_back({{"path", relative}, {"sha256", sha}});
  }
  const nlohmann::json document = {{"format", kExportManifestFormat}, {"files", files}};
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << document.dump(2) << "\n";
    if (!out.flush()) throw std::runtime_error(temporary + ": write failed");
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) throw std::runtime_error(path + ": cannot write: " + error.message());
}

ExportClaim claim_export_dir(const std::string& dir, const std::vector<std::string>& planned,
                             bool force) {
  const fs::path project(dir);
  ExportClaim claim;
  std::error_code error;
  if (!fs::exists(project, error) || (fs::is_directory(project) && fs::is_empty(project))) {
    return claim;
  }
  if (!fs::is_directory(project)) throw std::runtime_error(dir + ": not a directory");
  const fs::path manifest_path = project / kExportManifestName;
  const bool exported = fs::is_regular_file(manifest_path);
  if (!exported && !force) {
    throw std::runtime_error(dir + ": not empty, and not written by tinynas export (no " +
                             kExportManifestName +
                             "); export into a new or empty directory, or pass --force to "
                             "overwrite the files export writes there");
  }
  const ExportManifest manifest =
      exported ? read_export_manifest(manifest_path.string()) : ExportManifest{};
  const std::string copy_prefix = std::string(kExportSourceCopyDir) + "/";
  const auto in_source_copy = [&](const std::string& path) {
    return path.rfind(copy_prefix, 0) == 0;
  };
  std::vector<std::string> changed;
  for (const std::string& path : planned) {
    if (in_source_copy(path) || !fs::exists(project / path)) continue;
    if (!holds_what_export_wrote(project, manifest, path)) changed.push_back(path);
  }
  if (!changed.empty() && !force) {
    throw std::runtime_error(dir + ": " + std::to_string(changed.size()) +
                             " file(s) changed since tinynas export wrote them, or not written by "
                             "it: " +
                             listed(changed) + "; move them away, or pass --force to overwrite");
  }
  const std::set<std::string> planned_set(planned.begin(), planned.end());
  for (const auto& entry : manifest.sha256_by_path) {
    const std::string& path = entry.first;
    if (planned_set.count(path) != 0 || in_source_copy(path)) continue;
    if (holds_what_export_wrote(project, manifest, path)) claim.stale.push_back(path);
  }
  return claim;
}

}  // namespace tinynas::deploy
