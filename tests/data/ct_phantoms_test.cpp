#include "genreg/data/ct_phantoms.h"

#include <gtest/gtest.h>

#include "genreg/data/attenuation.h"

using namespace genreg;

TEST(Attenuation, UnitsFollowTheProtocol) {
  EXPECT_NEAR(hu_to_unit(3071.0), 1.0, 1e-5);  // mu_max is 3071 HU
  EXPECT_NEAR(hu_to_unit(0.0) * kMuMax, kMuWater, 1e-12);
  EXPECT_NEAR(hu_to_unit(-1000.0) * kMuMax, kMuAir, 1e-12);
  EXPECT_NEAR(unit_to_hu(hu_to_unit(42.5)), 42.5, 1e-9);
}

TEST(CtPhantoms, EachImageComesFromItsOwnStreamAtAnySize) {
  for (auto kind : {PhantomKind::ellipses, PhantomKind::ct_phantom}) {
    const auto block = generate_phantoms(kind, 48, 40, 0, 10, 4);
    EXPECT_TRUE(torch::equal(block[2], generate_phantoms(kind, 48, 40, 0, 12, 1)[0]));
    EXPECT_FALSE(torch::equal(block[0], generate_phantoms(kind, 48, 40, 1, 10, 1)[0]));
    EXPECT_GE(block.min().item<float>(), 0.0f);
    EXPECT_LE(block.max().item<float>(), 1.0f);
    // Resolution independent: the 128-pixel image averaged down to 64 is the 64-pixel image up to
    // edge pixels.
    const auto fine = generate_phantoms(kind, 128, 128, 0, 3, 1);
    const auto coarse = generate_phantoms(kind, 64, 64, 0, 3, 1);
    EXPECT_LT((torch::avg_pool2d(fine, 2) - coarse).abs().mean().item<float>(), 0.01f);
  }
}

TEST(CtPhantoms, SlicesHaveTheProtocolsTissues) {
  // Air outside the body, soft tissue inside it most of the time, bone at 1000-1500 HU in every
  // slice; lungs or gas somewhere below -700 HU in most.
  int with_air = 0;
  for (int64_t i = 0; i < 30; ++i) {
    const auto hu = ct_phantom_hu(96, 96, 0, i);
    const auto body = ct_phantom_body(96, 96, 0, i, 1)[0][0];
    EXPECT_TRUE((hu.masked_select(body.logical_not()) == -1000.0).all().item<bool>()) << i;
    const auto inside = hu.masked_select(body);
    const double median = inside.median().item<double>();
    EXPECT_GT(median, -120.0) << i;
    EXPECT_LT(median, 80.0) << i;
    const double top = hu.max().item<double>();
    EXPECT_GE(top, 1000.0) << i;
    EXPECT_LE(top, 1500.0) << i;
    with_air += (inside < -700.0).any().item<bool>();
  }
  EXPECT_GE(with_air, 10);
  EXPECT_LT(with_air, 30);
}
