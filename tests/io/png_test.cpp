#include "genreg/io/png.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "test_support.h"

using namespace genreg;
using genreg::testing::TempDir;

TEST(Png, GreyRoundTripIsExactOnByteLevels) {
  TempDir dir;
  auto image = (torch::arange(0, 256, torch::kFloat32) / 255.0).view({1, 16, 16});
  write_png(dir / "grey.png", image);
  const auto back = read_png(dir / "grey.png");
  EXPECT_EQ(back.sizes(), (std::vector<int64_t>{1, 16, 16}));
  EXPECT_TRUE(torch::allclose(back, image, 0.0, 1e-7));
}

TEST(Png, ValuesAreClampedAndRoundedToTheNearestLevel) {
  TempDir dir;
  auto image = torch::tensor({-0.5f, 1.7f, 0.5f, 100.2f / 255.0f}).view({2, 2});
  write_png(dir / "clamp.png", image);
  const auto back = read_png(dir / "clamp.png").flatten();
  EXPECT_FLOAT_EQ(back[0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(back[1].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(back[2].item<float>(), 128.0f / 255.0f);  // 127.5 rounds up
  EXPECT_FLOAT_EQ(back[3].item<float>(), 100.0f / 255.0f);
}

TEST(Png, RgbIsReadAsGrey) {
  TempDir dir;
  auto rgb = torch::zeros({3, 4, 4});
  rgb[0].fill_(1.0);  // pure red: (255 * 77) >> 8 = 76 in stb's luma
  write_png(dir / "red.png", rgb);
  EXPECT_NEAR(read_png(dir / "red.png").mean().item<float>(), 76 / 255.0, 1e-6);
}

TEST(Png, MissingOrBrokenFilesAreErrors) {
  TempDir dir;
  EXPECT_THROW(read_png(dir / "absent.png"), genreg::Error);
  std::ofstream(dir / "broken.png") << "this is not a png";
  EXPECT_THROW(read_png(dir / "broken.png"), genreg::Error);
  EXPECT_THROW(write_png(dir / "x.png", torch::zeros({2, 4, 4})), genreg::Error);
}
