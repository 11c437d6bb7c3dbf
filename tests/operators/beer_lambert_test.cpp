// Low-dose CT photon noise (PROTOCOL.md, "Medical imaging"): the simulation's moments against the
// delta method, zero counts, the weights that recover the counts, and refusals.
#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/data/attenuation.h"
#include "genreg/data/dataset.h"
#include "genreg/operators/measurements.h"
#include "genreg/operators/noise.h"

using namespace genreg;

TEST(BeerLambertNoise, MeanAndVarianceMatchTheDeltaMethodAtTwoDoses) {
  // y = -ln(N / N0) / mu with N ~ Poisson(Nbar), Nbar = N0 exp(-mu a): to second order
  // E[y] = a + 1 / (2 Nbar mu) and Var[y] = 1 / (Nbar mu^2).
  const double a = 0.05;  // metres of mu / mu_max: mu a = 4.07, about 5 cm of water
  const auto clean = torch::full({400000}, a, torch::kFloat64);
  for (double n0 : {4096.0, 1e5}) {
    const auto y = add_noise(clean, NoiseModel::parse("ct:" + std::to_string(static_cast<int64_t>(n0))), 7);
    const double nbar = n0 * std::exp(-kMuMax * a);
    const double bias = 1.0 / (2.0 * nbar * kMuMax), variance = 1.0 / (nbar * kMuMax * kMuMax);
    EXPECT_NEAR(y.mean().item<double>() - a, bias, 0.1 * bias) << "N0 " << n0;
    EXPECT_NEAR(y.var().item<double>(), variance, 0.05 * variance) << "N0 " << n0;
    // The weights are the counts times mu_max^2: their mean is Nbar mu^2 to the same order.
    const auto w = noise_weights(NoiseModel::parse("ct:" + std::to_string(static_cast<int64_t>(n0))), y);
    EXPECT_NEAR(w.mean().item<double>() / (kMuMax * kMuMax), nbar, 0.01 * nbar) << "N0 " << n0;
  }
  // No photons through: zero counts become 0.1, so y = ln(10 N0) / mu everywhere.
  const auto dark = add_noise(torch::full({1000}, 1.0, torch::kFloat64), NoiseModel::parse("ct:4096"), 1);
  EXPECT_TRUE(torch::allclose(dark, torch::full_like(dark, std::log(40960.0) / kMuMax), 0.0, 1e-12));
  EXPECT_FALSE(noise_weights(NoiseModel::parse("0.1"), dark).defined());
}

TEST(BeerLambertNoise, NeedsAPhysicalCtOperatorAndSensibleDoses) {
  for (const char* bad : {"ct:0", "ct:-5", "ct:abc", "ct:1e13"})
    EXPECT_THROW(NoiseModel::parse(bad), Error) << bad;
  EXPECT_EQ(NoiseModel::parse("ct:4096").str(), "ct:4096");
  const auto data =
      load_dataset("ct-phantom", DatasetOptions().split("test").range(IndexRange::parse("0:2")));
  EXPECT_THROW(simulate_measurements(data, "tomo", NoiseModel::parse("ct:4096"), 0), Error);
  const auto m = simulate_measurements(data, "ct:parallel,views=30", NoiseModel::parse("ct:4096"), 0);
  EXPECT_EQ(m.sigma, 1.0);  // whitened by the weights
  EXPECT_EQ(m.weights(m.y).sizes(), m.y.sizes());
}
