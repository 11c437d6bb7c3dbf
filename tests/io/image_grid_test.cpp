#include "genreg/io/image_grid.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/io/png.h"
#include "test_support.h"

using namespace genreg;

TEST(ImageGrid, TilesImagesInRowsWithPadding) {
  // 5 images of 4x3, 2 per row, padding 1, no scaling: 3 rows -> (1 + 3*5) x (1 + 2*4).
  auto images = torch::arange(5, torch::kFloat32).view({5, 1, 1, 1}).expand({5, 1, 4, 3}) / 10.0;
  const auto grid = tile_images(images, GridOptions().columns(2).padding(1).scale(1).pad_value(1.0));
  EXPECT_EQ(grid.sizes(), (std::vector<int64_t>{1, 16, 9}));
  EXPECT_FLOAT_EQ(grid[0][1][1].item<float>(), 0.0f);   // image 0 at (1, 1)
  EXPECT_FLOAT_EQ(grid[0][1][5].item<float>(), 0.1f);   // image 1 at (1, 5)
  EXPECT_FLOAT_EQ(grid[0][11][1].item<float>(), 0.4f);  // image 4 at (11, 1)
  EXPECT_FLOAT_EQ(grid[0][11][5].item<float>(), 1.0f);  // empty slot: padding value
  EXPECT_FLOAT_EQ(grid[0][0][0].item<float>(), 1.0f);
}

TEST(ImageGrid, AutomaticScaleMagnifiesSmallImages) {
  const auto grid = tile_images(torch::zeros({1, 1, 28, 28}), GridOptions().padding(0));
  EXPECT_EQ(grid.size(1), 28 * 3);  // ceil(64 / 28) = 3
}

TEST(ImageGrid, DivergingMapIsWhiteAtZeroAndSignedColoured) {
  auto values = torch::tensor({-1.0f, 0.0f, 1.0f}).view({1, 1, 1, 3});
  const auto rgb = apply_colormap(values, Colormap::diverging, 0.0, 1.0);
  EXPECT_EQ(rgb.sizes(), (std::vector<int64_t>{1, 3, 1, 3}));
  for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(rgb[0][c][0][1].item<float>(), 1.0f);
  EXPECT_GT(rgb[0][2][0][0].item<float>(), rgb[0][0][0][0].item<float>());  // negative: blue
  EXPECT_GT(rgb[0][0][0][2].item<float>(), rgb[0][2][0][2].item<float>());  // positive: red
}

TEST(ImageGrid, ComparisonRowsBecomeRgbWhenAnyRowIsColoured) {
  auto a = torch::rand({3, 1, 5, 5});
  const auto grey = compose_rows({{a}, {a}}, GridOptions().padding(0).scale(1));
  EXPECT_EQ(grey.sizes(), (std::vector<int64_t>{1, 10, 15}));
  const auto colour =
      compose_rows({{a}, {a - 0.5, Colormap::diverging, 0.0, 0.5}}, GridOptions().padding(0).scale(1));
  EXPECT_EQ(colour.sizes(), (std::vector<int64_t>{3, 10, 15}));
  EXPECT_THROW(compose_rows({{a}, {torch::rand({2, 1, 5, 5})}}), genreg::Error);
  genreg::testing::TempDir dir;
  write_comparison_grid(dir / "c.png", {{a}, {a - 0.5, Colormap::diverging, 0.0, 0.5}});
  EXPECT_EQ(read_png(dir / "c.png").size(1), 2 * 5 * 13 + 3 * 2);
}
