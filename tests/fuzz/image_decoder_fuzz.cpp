// libFuzzer target for the image decoder of image folders (datasets/image_decoding.h): any bytes
// either decode into an image of the size its header gives or are refused with a DatasetError;
// nothing else (no crash, no other exception, no read outside the input).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "datasets/dataset_error.h"
#include "datasets/image_decoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  try {
    const tinynas::datasets::DecodedImage image =
        tinynas::datasets::decode_image(bytes, "fuzz input");
    const std::size_t expected = static_cast<std::size_t>(image.channels) *
                                 static_cast<std::size_t>(image.height) *
                                 static_cast<std::size_t>(image.width);
    if (image.pixels.size() != expected || (image.channels != 1 && image.channels != 3)) {
      __builtin_trap();
    }
  } catch (const tinynas::datasets::DatasetError&) {
  }
  return 0;
}
