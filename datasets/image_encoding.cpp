#include "datasets/image_encoding.h"

// clang-format off: jpeglib.h needs <cstdio> first.
#include <jpeglib.h>

#include <cstdio>
// clang-format on
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <fstream>
#include <memory>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {

constexpr int kGrey = 1;
constexpr int kRgb = 3;

void check_image(const DecodedImage& image, const std::string& path) {
  if ((image.channels != kGrey && image.channels != kRgb) || image.height <= 0 ||
      image.width <= 0 ||
      image.pixels.size() !=
          static_cast<std::size_t>(image.channels) * image.height * image.width) {
    throw DatasetError(path + ": cannot write an image of " + std::to_string(image.channels) +
                       " channels, " + std::to_string(image.width) + "x" +
                       std::to_string(image.height) + " and " +
                       std::to_string(image.pixels.size()) + " bytes");
  }
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

extern "C" void jpeg_write_fail(j_common_ptr info) {
  JpegErrors* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

bool compress_jpeg(const DecodedImage& image, std::FILE* file, int quality, JpegErrors* errors) {
  jpeg_compress_struct info;
  info.err = jpeg_std_error(&errors->manager);
  errors->manager.error_exit = jpeg_write_fail;
  if (setjmp(errors->jump)) {
    jpeg_destroy_compress(&info);
    return false;
  }
  jpeg_create_compress(&info);
  jpeg_stdio_dest(&info, file);
  info.image_width = static_cast<JDIMENSION>(image.width);
  info.image_height = static_cast<JDIMENSION>(image.height);
  info.input_components = image.channels;
  info.in_color_space = image.channels == kGrey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  const std::size_t stride = static_cast<std::size_t>(image.channels) * image.width;
  while (info.next_scanline < info.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(image.pixels.data()) + info.next_scanline * stride;
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  return true;
}

void put_le16(std::string& out, uint32_t value) {
  out += static_cast<char>(value & 0xFF);
  out += static_cast<char>((value >> 8) & 0xFF);
}
void put_le32(std::string& out, uint32_t value) {
  put_le16(out, value & 0xFFFF);
  put_le16(out, value >> 16);
}

}  // namespace

void write_png(const DecodedImage& image, const std::string& path) {
  check_image(image, path);
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == kGrey ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&png, path.c_str(), 0, image.pixels.data(), 0, nullptr)) {
    throw DatasetError(path + ": cannot write PNG: " + png.message);
  }
}

void write_jpeg(const DecodedImage& image, const std::string& path, int quality) {
  check_image(image, path);
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  if (!file) throw DatasetError(path + ": cannot open for writing");
  JpegErrors errors;
  errors.message[0] = '\0';
  if (!compress_jpeg(image, file.get(), quality, &errors)) {
    throw DatasetError(path + ": cannot write JPEG: " + errors.message);
  }
  if (std::fflush(file.get()) != 0) throw DatasetError(path + ": write failed");
}

void write_bmp(const DecodedImage& image, const std::string& path) {
  check_image(image, path);
  constexpr uint32_t kHeaderBytes = 14 + 40;
  const uint32_t palette_bytes = image.channels == kGrey ? 256 * 4 : 0;
  const uint32_t bits = image.channels == kGrey ? 8 : 24;
  const uint32_t stride = (bits * static_cast<uint32_t>(image.width) + 31) / 32 * 4;
  const uint32_t data_bytes = stride * static_cast<uint32_t>(image.height);
  std::string out = "BM";
  put_le32(out, kHeaderBytes + palette_bytes + data_bytes);
  put_le32(out, 0);
  put_le32(out, kHeaderBytes + palette_bytes);
  put_le32(out, 40);
  put_le32(out, static_cast<uint32_t>(image.width));
  put_le32(out, static_cast<uint32_t>(image.height));  // positive: rows bottom to top
  put_le16(out, 1);
  put_le16(out, bits);
  put_le32(out, 0);  // uncompressed
  put_le32(out, data_bytes);
  put_le32(out, 2835);  // 72 dpi
  put_le32(out, 2835);
  put_le32(out, image.channels == kGrey ? 256 : 0);
  put_le32(out, 0);
  for (uint32_t i = 0; i < palette_bytes / 4; ++i) {
    for (int c = 0; c < 3; ++c) out += static_cast<char>(i);
    out += '\0';
  }
  for (int y = image.height - 1; y >= 0; --y) {
    std::string row;
    for (int x = 0; x < image.width; ++x) {
      const uint8_t* px = image.pixels.data() + (static_cast<std::size_t>(y) * image.width + x) *
                                                    static_cast<std::size_t>(image.channels);
      if (image.channels == kGrey) {
        row += static_cast<char>(px[0]);
      } else {
        row += static_cast<char>(px[2]);
        row += static_cast<char>(px[1]);
        row += static_cast<char>(px[0]);
      }
    }
    row.resize(stride, '\0');
    out += row;
  }
  std::ofstream file(path, std::ios::binary);
  file << out;
  if (!file.flush()) throw DatasetError(path + ": cannot write BMP");
}

}  // namespace tinynas::datasets
