#include "genreg/io/png.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <filesystem>
#include <memory>

#include "genreg/core/error.h"

namespace genreg {

torch::Tensor read_png(const std::string& path) {
  require(std::filesystem::is_regular_file(path), "no such image file: ", path);
  int width = 0, height = 0, channels = 0;
  if (stbi_is_16_bit(path.c_str())) {
    std::unique_ptr<stbi_us, void (*)(void*)> pixels(
        stbi_load_16(path.c_str(), &width, &height, &channels, 1), stbi_image_free);
    require(pixels != nullptr, "cannot read PNG ", path, ": ", stbi_failure_reason());
    // LibTorch 1.13 has no uint16: read as int16 and undo the sign in int32.
    return torch::from_blob(pixels.get(), {1, height, width}, torch::kInt16)
        .to(torch::kInt32)
        .bitwise_and(0xFFFF)
        .to(torch::kFloat32)
        .div_(65535.0);
  }
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load(path.c_str(), &width, &height, &channels, 1),
                                                   stbi_image_free);
  require(pixels != nullptr, "cannot read PNG ", path, ": ", stbi_failure_reason());
  return torch::from_blob(pixels.get(), {1, height, width}, torch::kUInt8).to(torch::kFloat32).div_(255.0);
}

void write_png(const std::string& path, const torch::Tensor& image) {
  require(image.defined() && (image.dim() == 2 || image.dim() == 3), "write_png ", path,
          ": expected an (H,W) or (C,H,W) image, got ", image.sizes());
  torch::Tensor chw = image.dim() == 2 ? image.unsqueeze(0) : image;
  const int64_t channels = chw.size(0);
  require(channels == 1 || channels == 3, "write_png ", path, ": expected 1 or 3 channels, got ", channels);
  // Interleave as H x W x C bytes, the layout PNG encoders take.
  auto bytes = chw.detach()
                   .to(torch::kCPU, torch::kFloat32)
                   .nan_to_num(0.0)
                   .clamp(0.0, 1.0)
                   .mul(255.0)
                   .round()
                   .to(torch::kUInt8)
                   .permute({1, 2, 0})
                   .contiguous();
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  const int height = static_cast<int>(bytes.size(0)), width = static_cast<int>(bytes.size(1));
  const int ok = stbi_write_png(path.c_str(), width, height, static_cast<int>(channels),
                                bytes.data_ptr<uint8_t>(), width * static_cast<int>(channels));
  require(ok != 0, "cannot write PNG ", path);
}

}  // namespace genreg
