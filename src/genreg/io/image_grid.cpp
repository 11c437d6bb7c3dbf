#include "genreg/io/image_grid.h"

#include "genreg/core/error.h"
#include "genreg/io/png.h"

namespace genreg {
namespace {

int64_t pick_scale(const GridOptions& options, int64_t height) {
  if (options.scale() > 0) return options.scale();
  return std::max<int64_t>(1, (64 + height - 1) / height);
}

}  // namespace

torch::Tensor tile_images(const torch::Tensor& images, const GridOptions& options) {
  require(images.dim() == 4 && images.size(0) > 0, "image grid: expected a non-empty (N,C,H,W) batch, got ",
          images.sizes());
  require(options.columns() > 0 && options.padding() >= 0, "image grid: bad columns or padding");
  const int64_t n = images.size(0), c = images.size(1);
  const int64_t scale = pick_scale(options, images.size(2));
  auto scaled = images.detach().to(torch::kCPU, torch::kFloat32);
  if (scale > 1) scaled = scaled.repeat_interleave(scale, 2).repeat_interleave(scale, 3);
  const int64_t h = scaled.size(2), w = scaled.size(3), pad = options.padding();
  const int64_t cols = std::min(options.columns(), n);
  const int64_t rows = (n + cols - 1) / cols;
  auto grid = torch::full({c, rows * (h + pad) + pad, cols * (w + pad) + pad}, options.pad_value());
  for (int64_t k = 0; k < n; ++k) {
    const int64_t r = k / cols, col = k % cols;
    grid.narrow(1, pad + r * (h + pad), h).narrow(2, pad + col * (w + pad), w).copy_(scaled[k]);
  }
  return grid;
}

torch::Tensor compose_rows(const std::vector<GridRow>& rows, const GridOptions& options) {
  require(!rows.empty(), "image grid: no rows");
  const auto& first = rows.front().images;
  bool colour = false;
  for (const auto& row : rows) {
    require(row.images.dim() == 4 && row.images.size(1) == 1, "image grid: rows must be (N,1,H,W), got ",
            row.images.sizes());
    require(row.images.sizes() == first.sizes(), "image grid: rows differ in shape (", row.images.sizes(),
            " vs ", first.sizes(), ")");
    colour = colour || row.colormap != Colormap::grey;
  }
  std::vector<torch::Tensor> stacked;
  for (const auto& row : rows) {
    auto rgb = apply_colormap(row.images, row.colormap, row.lo, row.hi);
    stacked.push_back(colour ? rgb : rgb.narrow(1, 0, 1));
  }
  auto all = torch::cat(stacked, 0);
  return tile_images(all, GridOptions(options).columns(first.size(0)));
}

void write_image_grid(const std::string& path, const torch::Tensor& images, const GridOptions& options) {
  write_png(path, tile_images(images, options));
}

void write_comparison_grid(const std::string& path, const std::vector<GridRow>& rows,
                           const GridOptions& options) {
  write_png(path, compose_rows(rows, options));
}

}  // namespace genreg
