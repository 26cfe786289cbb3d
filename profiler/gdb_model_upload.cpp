#include "profiler/gdb_model_upload.h"

#include "engine/runtime/crc32.h"
#include "profiler/gdb_remote.h"

namespace tinynas::profiler {

protocol::LoadEndReply upload_model_over_gdb(BoardClient& client, const BoardInfo& info,
                                             const std::string& gdb_address,
                                             const std::vector<uint8_t>& model) {
  const std::string board = "board " + client.name() + ": ";
  if (model.empty()) throw BoardError(board + "cannot upload an empty model");
  if (info.model_region_address == 0 || info.model_region_bytes == 0) {
    throw BoardError(board + "firmware " + info.firmware_version +
                     " reports no model region address: it cannot take a model over GDB");
  }
  if (model.size() > info.model_region_bytes) {
    throw BoardError(board + "model of " + std::to_string(model.size()) +
                     " bytes does not fit the model region (" +
                     std::to_string(info.model_region_bytes) + " bytes)");
  }
  {
    GdbRemote gdb(gdb_address, client.options().request_timeout);
    gdb.write_memory(info.model_region_address, model.data(), model.size());
    gdb.detach();
  }
  return client.load_placed(static_cast<uint32_t>(model.size()),
                            runtime::crc32(model.data(), model.size()));
}

}  // namespace tinynas::profiler
