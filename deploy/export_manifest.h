// What `tinynas export` wrote into a project directory, so that a later export replaces only its
// own files: <out>/tinynas-export.json lists every file it wrote with its SHA-256.
//   {"format": "tinynas-export/1", "files": [{"path": "model/model.h", "sha256": "..."}, ...]}
// A directory that is not empty and has no manifest is the user's: export refuses it, and so it
// refuses a file it wrote that has changed since (unless forced). tinynas/ is the export's copy
// of the source tree and is replaced whole once the directory is known to be an export's.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tinynas::deploy {

inline constexpr char kExportManifestName[] = "tinynas-export.json";
inline constexpr char kExportManifestFormat[] = "tinynas-export/1";
inline constexpr char kExportSourceCopyDir[] = "tinynas";

struct ExportManifest {
  std::map<std::string, std::string> sha256_by_path;  // relative to the project directory
};

// Throws config::ConfigError naming the file and every bad field.
ExportManifest read_export_manifest(const std::string& path);
// Written whole or not at all (a temporary file renamed over it).
void write_export_manifest(const std::string& path, const ExportManifest& manifest);

struct ExportClaim {
  // Files of the previous export that this one does not write and that are unchanged: remove.
  std::vector<std::string> stale;
};

// Checks that an export may write `planned` (relative paths) into `dir`: it is missing or empty,
// or a previous export's whose planned files all still hold what that export wrote. Throws
// std::runtime_error naming the directory, the files in the way, and --force. With `force`, any
// directory is claimed (unchanged stale files are still removed, changed ones are kept).
ExportClaim claim_export_dir(const std::string& dir, const std::vector<std::string>& planned,
                             bool force);

}  // namespace tinynas::deploy
