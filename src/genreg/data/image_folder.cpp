#include "genreg/data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/io/png.h"

namespace genreg {
namespace fs = std::filesystem;

std::vector<std::string> list_png_files(const std::string& root) {
  require(fs::is_directory(root), "no such folder: ", root);
  std::vector<std::string> files;
  for (const auto& entry :
       fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink)) {
    if (!entry.is_regular_file()) continue;
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".png") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

torch::Tensor resize_images(const torch::Tensor& images, int64_t height, int64_t width) {
  namespace F = torch::nn::functional;
  if (images.size(2) == height && images.size(3) == width) return images;
  const bool shrinking = images.size(2) >= height && images.size(3) >= width;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width});
  if (shrinking) {
    options.mode(torch::kArea);  // averages the covered pixels: no aliasing
  } else {
    options.mode(torch::kBilinear).align_corners(false);
  }
  return F::interpolate(images, options).clamp_(0.0, 1.0);
}

Dataset load_image_folder(const std::string& root, const std::string& split, const IndexRange& range,
                          const std::vector<int64_t>& size) {
  require(fs::is_directory(root), "folder dataset: no such folder: ", root);
  require(size.empty() || (size.size() == 2 && size[0] > 0 && size[1] > 0),
          "folder dataset: image size must be H,W with positive sides");
  const bool has_splits =
      fs::is_directory(fs::path(root) / "train") || fs::is_directory(fs::path(root) / "test");
  std::vector<std::string> files;
  if (has_splits) {
    const fs::path dir = fs::path(root) / split;
    require(fs::is_directory(dir), "folder dataset ", root, " has no '", split, "' folder");
    files = list_png_files(dir.string());
  } else {
    const auto all = list_png_files(root);
    for (size_t i = 0; i < all.size(); ++i) {
      if ((i % 5 == 4) == (split == "test")) files.push_back(all[i]);
    }
  }
  require(!files.empty(), "folder dataset ", root, ": no PNG images for split '", split, "'");
  const IndexRange r = range.resolve(static_cast<int64_t>(files.size()));

  int64_t height = size.empty() ? 0 : size[0], width = size.empty() ? 0 : size[1];
  if (height == 0) {
    const auto first = read_png(files[r.start]);
    height = first.size(1);
    width = first.size(2);
  }
  Dataset data;
  data.split_size = static_cast<int64_t>(files.size());
  data.images = torch::empty({r.size(), 1, height, width}, torch::kFloat32);
  for (int64_t k = 0; k < r.size(); ++k) {
    const auto image = read_png(files[r.start + k]).unsqueeze(0);
    data.images[k] = resize_images(image, height, width)[0];
  }
  data.labels = torch::full({r.size()}, -1, torch::kInt64);
  data.indices = torch::arange(r.start, r.stop, torch::kInt64);
  return data;
}

}  // namespace genreg
