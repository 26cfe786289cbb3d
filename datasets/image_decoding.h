// Decoding one image file (PNG, JPEG or BMP) into 8-bit pixels. PNG goes through libpng's
// simplified API and JPEG through libjpeg-turbo (the reference decoders Debian ships, strict
// about truncated and corrupt data: a JPEG that ends early is an error here, not a grey bottom);
// BMP (uncompressed 8-bit palette, 24- and 32-bit) is read here. An alpha channel is composited
// onto black. The format is recognised by the file's first bytes, not its name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tinynas::datasets {

// Grey (1 channel) or RGB (3 channels), channel-interleaved (HWC), rows top to bottom.
struct DecodedImage {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<uint8_t> pixels;
};

enum class ImageFormat { kUnknown, kPng, kJpeg, kBmp };
ImageFormat sniff_image_format(const uint8_t* bytes, std::size_t size);
const char* image_format_name(ImageFormat format);  // "PNG", "JPEG", "BMP", "unknown"

// True for .png, .jpg, .jpeg and .bmp, in any case.
bool has_image_extension(const std::string& path);

// Throws DatasetError "<path>: <what is wrong>" for a file that is not a PNG, JPEG or BMP image,
// is corrupt or truncated, has a colour model other than grey / RGB (with or without alpha),
// or is larger than 16384 pixels on a side.
DecodedImage decode_image(const std::vector<uint8_t>& bytes, const std::string& path);
DecodedImage decode_image_file(const std::string& path);

}  // namespace tinynas::datasets
