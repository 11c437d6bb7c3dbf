#include "genreg/data/shapes.h"

#include <gtest/gtest.h>

#include "genreg/data/dataset.h"

using namespace genreg;

namespace {

// The image PROTOCOL.md describes for these parameters, drawn pixel by pixel here.
torch::Tensor expected_image(const ShapeParameters& p, bool plus) {
  auto image = torch::zeros({56, 56});
  auto a = image.accessor<float, 2>();
  for (int64_t row = 0; row < 56; ++row) {
    for (int64_t col = 0; col < 56; ++col) {
      const bool in_rect = col >= p.rect_col && col < p.rect_col + p.rect_w && row >= p.rect_row &&
                           row < p.rect_row + p.rect_h;
      const bool in_circle =
          (col - p.circle_col) * (col - p.circle_col) + (row - p.circle_row) * (row - p.circle_row) <=
          p.radius * p.radius;
      const bool in_spot =
          plus && (col - p.spot_col) * (col - p.spot_col) + (row - p.spot_row) * (row - p.spot_row) <= 4;
      a[row][col] = in_spot ? 1.0f : (in_rect || in_circle) ? 0.5f : 0.0f;
    }
  }
  return image;
}

}  // namespace

TEST(Shapes, ParametersLieInTheProtocolRanges) {
  for (int64_t i = 0; i < 2000; ++i) {
    const auto p = shape_parameters(0, i, true);
    EXPECT_GE(p.circle_col, 28);
    EXPECT_LE(p.circle_col, 41);
    EXPECT_GE(p.circle_row, 28);
    EXPECT_LE(p.circle_row, 41);
    EXPECT_GE(p.radius, 6);
    EXPECT_LE(p.radius, 13);
    EXPECT_GE(p.rect_col, 0);
    EXPECT_LE(p.rect_col, 13);
    EXPECT_GE(p.rect_row, 0);
    EXPECT_LE(p.rect_row, 13);
    EXPECT_GE(p.rect_w, 6);
    EXPECT_LE(p.rect_w, 13);
    EXPECT_GE(p.rect_h, 6);
    EXPECT_LE(p.rect_h, 13);
    // Spot centre = circle centre + (U(-1/2, 1/2) r, U(-1/2, 1/2) r), rounded.
    EXPECT_LE(std::abs(p.spot_col - p.circle_col), (p.radius + 1) / 2);
    EXPECT_LE(std::abs(p.spot_row - p.circle_row), (p.radius + 1) / 2);
  }
}

TEST(Shapes, EveryValueOfTheRangesIsDrawn) {
  std::vector<int> radius(14, 0), corner(14, 0);
  for (int64_t i = 0; i < 3000; ++i) {
    const auto p = shape_parameters(1, i, false);
    radius[p.radius]++;
    corner[p.rect_col]++;
  }
  for (int r = 6; r <= 13; ++r) EXPECT_GT(radius[r], 250) << r;  // ~375 expected each
  for (int c = 0; c <= 13; ++c) EXPECT_GT(corner[c], 150) << c;  // ~214 expected each
}

TEST(Shapes, ImagesMatchTheGeometryRules) {
  for (bool plus : {false, true}) {
    const auto images = generate_shapes(ShapesOptions().plus(plus), 0, 0, 50);
    EXPECT_EQ(images.sizes(), (std::vector<int64_t>{50, 1, 56, 56}));
    for (int64_t i = 0; i < 50; ++i) {
      const auto expected = expected_image(shape_parameters(0, i, plus), plus);
      ASSERT_TRUE(torch::equal(images[i][0], expected)) << "image " << i << (plus ? " (plus)" : "");
    }
  }
}

TEST(Shapes, PlusAddsOnlyTheSpot) {
  const auto shapes = generate_shapes(ShapesOptions(), 1, 0, 100);
  const auto plus = generate_shapes(ShapesOptions().plus(true), 1, 0, 100);
  const auto changed = plus != shapes;
  EXPECT_TRUE((plus.masked_select(changed) == 1.0f).all().item<bool>());
  // A disc of radius 2 has 13 pixels; every image has its spot.
  const auto per_image = changed.flatten(1).sum(1);
  EXPECT_TRUE((per_image > 0).all().item<bool>());
  EXPECT_TRUE((per_image <= 13).all().item<bool>());
}

TEST(Shapes, DeterministicPerSeedAndIndependentOfTheRange) {
  const auto a = generate_shapes(ShapesOptions(), 0, 0, 40);
  const auto b = generate_shapes(ShapesOptions(), 0, 0, 40);
  const auto part = generate_shapes(ShapesOptions(), 0, 25, 10);
  const auto other = generate_shapes(ShapesOptions(), 1, 0, 40);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE(torch::equal(part, a.slice(0, 25, 35)));
  EXPECT_FALSE(torch::equal(a, other));
}

TEST(Shapes, SplitsUseProtocolSeedsAndSizes) {
  const auto train = load_dataset("shapes", DatasetOptions().split("train").range(IndexRange::parse("0:5")));
  const auto test = load_dataset("shapes", DatasetOptions().split("test").range(IndexRange::parse("0:5")));
  EXPECT_EQ(train.split_size, 60000);
  EXPECT_EQ(test.split_size, 10000);
  EXPECT_TRUE(torch::equal(train.images, generate_shapes(ShapesOptions(), 0, 0, 5)));
  EXPECT_TRUE(torch::equal(test.images, generate_shapes(ShapesOptions(), 1, 0, 5)));
  const auto last =
      load_dataset("shapes", DatasetOptions().split("train").range(IndexRange::parse("59999:")));
  EXPECT_EQ(last.size(), 1);
}
