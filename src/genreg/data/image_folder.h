#pragma once
#include <string>
#include <vector>

#include "genreg/data/dataset.h"

namespace genreg {

// Every *.png under `root` (recursively, sorted by path), converted to grey. With `size` = {H, W}
// images are resized to it (area averaging when shrinking, bilinear when enlarging); with {} they
// are resized to the first image's size.
//
// Split (PROTOCOL.md): root/train and root/test when those folders exist. A folder without them
// is split like mnist, image i (in sorted order) being test iff i % 5 == 4, so that a model never
// trains on the images it is tested on.
Dataset load_image_folder(const std::string& root, const std::string& split, const IndexRange& range,
                          const std::vector<int64_t>& size = {});

// The sorted list of PNG files under `root`.
std::vector<std::string> list_png_files(const std::string& root);

// Resizes (N, 1, H, W) images to (N, 1, height, width).
torch::Tensor resize_images(const torch::Tensor& images, int64_t height, int64_t width);

}  // namespace genreg
