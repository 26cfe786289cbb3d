#include "datasets/image_decoding.h"

// clang-format off: jpeglib.h needs <cstdio> first.
#include <jpeglib.h>

#include <cstdio>
// clang-format on
#include <png.h>

#include <algorithm>
#include <cctype>
#include <csetjmp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "datasets/dataset_error.h"

namespace tinynas::datasets {
namespace {

constexpr int kMaxSide = 16384;  // bounds memory for a corrupt header
constexpr int kGrey = 1;
constexpr int kRgb = 3;

void check_size(int width, int height, const std::string& path, const char* format) {
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide) {
    throw DatasetError(path + ": " + format + " image of " + std::to_string(width) + "x" +
                       std::to_string(height) + " pixels: expected 1.." + std::to_string(kMaxSide) +
                       " on each side");
  }
}

DecodedImage make_image(int channels, int height, int width) {
  DecodedImage image;
  image.channels = channels;
  image.height = height;
  image.width = width;
  image.pixels.resize(static_cast<std::size_t>(channels) * static_cast<std::size_t>(height) *
                      static_cast<std::size_t>(width));
  return image;
}

// ---- PNG (libpng's simplified API) ----

DecodedImage decode_png(const std::vector<uint8_t>& bytes, const std::string& path) {
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) {
    throw DatasetError(path + ": corrupt PNG: " + png.message);
  }
  const int width = static_cast<int>(png.width);
  const int height = static_cast<int>(png.height);
  try {
    check_size(width, height, path, "PNG");
  } catch (...) {
    png_image_free(&png);
    throw;
  }
  const bool colour = (png.format & PNG_FORMAT_FLAG_COLOR) != 0;
  png.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  DecodedImage image = make_image(colour ? kRgb : kGrey, height, width);
  const png_color black{0, 0, 0};
  if (!png_image_finish_read(&png, &black, image.pixels.data(), 0, nullptr) ||
      (png.warning_or_error & PNG_IMAGE_ERROR) != 0) {
    const std::string message = png.message;
    png_image_free(&png);
    throw DatasetError(path + ": corrupt or truncated PNG: " + message);
  }
  return image;
}

// ---- JPEG (libjpeg-turbo) ----

// Every libjpeg error and warning (a warning is data the decoder papered over, e.g. "Premature
// end of JPEG file") jumps back with the library's message.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

extern "C" void jpeg_fail(j_common_ptr info) {
  JpegErrors* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

extern "C" void jpeg_warn_as_error(j_common_ptr info, int level) {
  if (level < 0) jpeg_fail(info);  // level -1: a warning; >= 0: trace messages
}

// Only plain data lives in this frame across setjmp; `out` points into the caller's frame.
bool read_jpeg(const std::vector<uint8_t>& bytes, DecodedImage* out, JpegErrors* errors) {
  jpeg_decompress_struct info;
  info.err = jpeg_std_error(&errors->manager);
  errors->manager.error_exit = jpeg_fail;
  errors->manager.emit_message = jpeg_warn_as_error;
  if (setjmp(errors->jump)) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  if (info.num_components != kGrey && info.num_components != kRgb) {
    std::snprintf(errors->message, sizeof(errors->message),
                  "%d colour components (CMYK?): expected grey or RGB", info.num_components);
    jpeg_destroy_decompress(&info);
    return false;
  }
  info.out_color_space = info.num_components == kGrey ? JCS_GRAYSCALE : JCS_RGB;
  if (info.image_width == 0 || info.image_height == 0 || info.image_width > kMaxSide ||
      info.image_height > kMaxSide) {
    std::snprintf(errors->message, sizeof(errors->message),
                  "%ux%u pixels: expected 1..%d on each side", info.image_width, info.image_height,
                  kMaxSide);
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_start_decompress(&info);
  out->channels = info.output_components;
  out->height = static_cast<int>(info.output_height);
  out->width = static_cast<int>(info.output_width);
  out->pixels.resize(static_cast<std::size_t>(out->channels) * info.output_width *
                     info.output_height);
  const std::size_t stride = static_cast<std::size_t>(out->channels) * info.output_width;
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = out->pixels.data() + info.output_scanline * stride;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

DecodedImage decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path) {
  DecodedImage image;
  JpegErrors errors;
  errors.message[0] = '\0';
  if (!read_jpeg(bytes, &image, &errors)) {
    throw DatasetError(path + ": corrupt or truncated JPEG: " + errors.message);
  }
  return image;
}

// ---- BMP (Windows bitmap: BITMAPFILEHEADER + BITMAPINFOHEADER or later) ----

constexpr std::size_t kBmpFileHeaderBytes = 14;
constexpr uint32_t kBmpInfoHeaderBytes = 40;
constexpr uint32_t kBmpRgb = 0;        // BI_RGB: uncompressed
constexpr uint32_t kBmpBitfields = 3;  // BI_BITFIELDS: uncompressed with channel masks
constexpr std::size_t kBmpPaletteEntryBytes = 4;
constexpr int kBmpMaxPalette = 256;

uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

DecodedImage decode_bmp(const std::vector<uint8_t>& bytes, const std::string& path) {
  const auto fail = [&path](const std::string& what) {
    return DatasetError(path + ": BMP: " + what);
  };
  if (bytes.size() < kBmpFileHeaderBytes + kBmpInfoHeaderBytes) {
    throw fail("truncated header (" + std::to_string(bytes.size()) + " bytes)");
  }
  const uint8_t* p = bytes.data();
  const uint32_t pixel_offset = le32(p + 10);
  const uint32_t info_bytes = le32(p + 14);
  if (info_bytes < kBmpInfoHeaderBytes) {
    throw fail("header of " + std::to_string(info_bytes) +
               " bytes: expected 40 or more (OS/2 "
               "bitmaps are not supported)");
  }
  const int32_t width = static_cast<int32_t>(le32(p + 18));
  const int32_t signed_height = static_cast<int32_t>(le32(p + 22));
  const uint16_t bits = le16(p + 28);
  const uint32_t compression = le32(p + 30);
  const uint32_t palette_used = le32(p + 46);
  const bool top_down = signed_height < 0;
  const int32_t height = top_down ? -signed_height : signed_height;
  check_size(width, height, path, "BMP");
  if (bits != 8 && bits != 24 && bits != 32) {
    throw fail(std::to_string(bits) + " bits per pixel: expected 8 (palette), 24 or 32");
  }
  if (compression != kBmpRgb && !(compression == kBmpBitfields && bits == 32)) {
    throw fail("compression " + std::to_string(compression) + ": expected none (0)");
  }
  const std::size_t stride = (static_cast<std::size_t>(bits) * width + 31) / 32 * 4;
  if (pixel_offset > bytes.size() ||
      bytes.size() - pixel_offset < stride * static_cast<std::size_t>(height)) {
    throw fail("truncated: " + std::to_string(width) + "x" + std::to_string(height) + " at " +
               std::to_string(bits) + " bits needs " +
               std::to_string(pixel_offset + stride * static_cast<std::size_t>(height)) +
               " bytes, found " + std::to_string(bytes.size()));
  }
  // The palette (8 bits): grey when every entry is.
  std::vector<uint8_t> palette;
  bool grey = bits == 8;
  if (bits == 8) {
    const std::size_t entries = palette_used == 0 ? kBmpMaxPalette : palette_used;
    const std::size_t start = kBmpFileHeaderBytes + info_bytes;
    if (entries > kBmpMaxPalette || start + entries * kBmpPaletteEntryBytes > pixel_offset) {
      throw fail("palette of " + std::to_string(entries) + " entries does not fit the header");
    }
    palette.assign(p + start, p + start + entries * kBmpPaletteEntryBytes);
    for (std::size_t e = 0; e < entries; ++e) {
      const uint8_t* c = &palette[e * kBmpPaletteEntryBytes];
      grey = grey && c[0] == c[1] && c[1] == c[2];
    }
  }
  DecodedImage image = make_image(grey ? kGrey : kRgb, height, width);
  for (int32_t y = 0; y < height; ++y) {
    const uint8_t* row =
        p + pixel_offset + stride * static_cast<std::size_t>(top_down ? y : height - 1 - y);
    uint8_t* dst = image.pixels.data() + static_cast<std::size_t>(y) * width * image.channels;
    for (int32_t x = 0; x < width; ++x) {
      if (bits == 8) {
        const std::size_t entry = row[x];
        if (entry * kBmpPaletteEntryBytes >= palette.size()) {
          throw fail("pixel (" + std::to_string(x) + ", " + std::to_string(y) +
                     ") uses palette entry " + std::to_string(entry) + " of " +
                     std::to_string(palette.size() / kBmpPaletteEntryBytes));
        }
        const uint8_t* c = &palette[entry * kBmpPaletteEntryBytes];
        if (grey) {
          dst[x] = c[0];
        } else {
          dst[3 * x] = c[2];
          dst[3 * x + 1] = c[1];
          dst[3 * x + 2] = c[0];
        }
      } else {
        const uint8_t* c = row + static_cast<std::size_t>(x) * (bits / 8);
        dst[3 * x] = c[2];  // stored B, G, R (, unused)
        dst[3 * x + 1] = c[1];
        dst[3 * x + 2] = c[0];
      }
    }
  }
  return image;
}

std::string first_bytes(const std::vector<uint8_t>& bytes) {
  static const char* const kHex = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), 8); ++i) {
    text += (i ? " " : "");
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0xF];
  }
  return text.empty() ? "empty file" : "starts with " + text;
}

}  // namespace

ImageFormat sniff_image_format(const uint8_t* bytes, std::size_t size) {
  static const uint8_t kPngSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size >= sizeof(kPngSignature) &&
      std::memcmp(bytes, kPngSignature, sizeof(kPngSignature)) == 0)
    return ImageFormat::kPng;
  if (size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
    return ImageFormat::kJpeg;
  if (size >= 2 && bytes[0] == 'B' && bytes[1] == 'M') return ImageFormat::kBmp;
  return ImageFormat::kUnknown;
}

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kBmp:
      return "BMP";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

bool has_image_extension(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".bmp";
}

DecodedImage decode_image(const std::vector<uint8_t>& bytes, const std::string& path) {
  switch (sniff_image_format(bytes.data(), bytes.size())) {
    case ImageFormat::kPng:
      return decode_png(bytes, path);
    case ImageFormat::kJpeg:
      return decode_jpeg(bytes, path);
    case ImageFormat::kBmp:
      return decode_bmp(bytes, path);
    case ImageFormat::kUnknown:
      break;
  }
  throw DatasetError(path + ": not a PNG, JPEG or BMP image (" + first_bytes(bytes) + ")");
}

DecodedImage decode_image_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError(path + ": cannot open file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) throw DatasetError(path + ": read error");
  return decode_image(bytes, path);
}

}  // namespace tinynas::datasets
