// Writing 8-bit grey or RGB images (DecodedImage: HWC, rows top to bottom) as PNG (libpng),
// JPEG (libjpeg-turbo, baseline) or BMP (uncompressed: 8-bit grey palette, 24-bit RGB): what the
// tests, the benchmark and the exporters of image folders write.
#pragma once

#include <string>

#include "datasets/image_decoding.h"

namespace tinynas::datasets {

// Each throws DatasetError naming the path when the file cannot be written.
void write_png(const DecodedImage& image, const std::string& path);
void write_jpeg(const DecodedImage& image, const std::string& path, int quality = 95);
void write_bmp(const DecodedImage& image, const std::string& path);

}  // namespace tinynas::datasets
