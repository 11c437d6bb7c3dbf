#pragma once
// Image grids for figures: a batch tiled into rows and columns, or several labelled rows of the
// same images (truth / reconstruction / error), each row with its own colour map.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "genreg/io/colormap.h"

namespace genreg {

struct GridOptions {
  // Images per row when tiling a batch.
  TORCH_ARG(int64_t, columns) = 8;
  // Pixels between tiles (in output pixels, after scaling).
  TORCH_ARG(int64_t, padding) = 2;
  // Value of the padding, in [0, 1].
  TORCH_ARG(double, pad_value) = 1.0;
  // Nearest-neighbour magnification; 0 picks one that makes each tile at least 64 pixels high.
  TORCH_ARG(int64_t, scale) = 0;
};

// One row of a comparison figure.
struct GridRow {
  torch::Tensor images;  // (N, 1, H, W)
  Colormap colormap = Colormap::grey;
  double lo = 0.0, hi = 1.0;  // colour map limits (see apply_colormap)
};

// Tiles (N, C, H, W) into one (C, H', W') image, `columns` images per row.
torch::Tensor tile_images(const torch::Tensor& images, const GridOptions& options = {});

// Stacks rows of equally many, equally sized images; returns (3, H', W') RGB if any row uses a
// colour map other than grey, else (1, H', W').
torch::Tensor compose_rows(const std::vector<GridRow>& rows, const GridOptions& options = {});

// tile_images / compose_rows written as PNG.
void write_image_grid(const std::string& path, const torch::Tensor& images, const GridOptions& options = {});
void write_comparison_grid(const std::string& path, const std::vector<GridRow>& rows,
                           const GridOptions& options = {});

}  // namespace genreg
