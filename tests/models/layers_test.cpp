// The building blocks: the zero-insertion transposed convolution equals LibTorch's, spectral
// normalisation reaches unit spectral norm, and the architectures have the promised shapes.
#include "genreg/models/layers.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/models/architecture.h"

namespace genreg {
namespace layers_test {

struct TConvCase {
  int64_t in, out, kernel, stride, padding, output_padding, size;
};

class TransposedConvTest : public ::testing::TestWithParam<TConvCase> {};

TEST_P(TransposedConvTest, MatchesLibTorchTransposedConvolution) {
  const auto c = GetParam();
  torch::manual_seed(1);
  TransposedConv2d layer(c.in, c.out, c.kernel, c.stride, c.padding, c.output_padding);
  const auto x = torch::randn({3, c.in, c.size, c.size + 1});
  const auto ours = layer(x);
  const auto reference =
      torch::conv_transpose2d(x, layer->weight, layer->bias, c.stride, c.padding, c.output_padding);
  ASSERT_EQ(ours.sizes(), reference.sizes());
  EXPECT_LT((ours - reference).abs().max().item<double>(), 1e-5);
  // Gradients agree too (the reason for the layer is a faster backward pass).
  auto xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
  const auto probe = torch::randn_like(ours);
  (layer(xa) * probe).sum().backward();
  torch::conv_transpose2d(xb, layer->weight.detach(), layer->bias.detach(), c.stride, c.padding,
                          c.output_padding)
      .mul(probe)
      .sum()
      .backward();
  EXPECT_LT((xa.grad() - xb.grad()).abs().max().item<double>(), 1e-4);
  // Frozen weights (latent optimisation) take the adjoint-convolution path: same output and
  // input gradient.
  for (auto& p : layer->parameters()) p.set_requires_grad(false);
  auto xc = x.clone().requires_grad_(true);
  const auto frozen = layer(xc);
  EXPECT_LT((frozen - reference).abs().max().item<double>(), 1e-5);
  (frozen * probe).sum().backward();
  EXPECT_LT((xc.grad() - xb.grad()).abs().max().item<double>(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Configurations, TransposedConvTest,
                         ::testing::Values(TConvCase{4, 3, 4, 2, 1, 0, 7}, TConvCase{2, 5, 3, 2, 1, 1, 5},
                                           TConvCase{3, 2, 5, 1, 2, 0, 6}, TConvCase{2, 2, 3, 3, 0, 2, 4}),
                         [](const auto& info) {
                           const auto& c = info.param;
                           return "k" + std::to_string(c.kernel) + "s" + std::to_string(c.stride) + "p" +
                                  std::to_string(c.padding) + "op" + std::to_string(c.output_padding);
                         });

TEST(SpectralNorm, NormalisedWeightHasUnitSpectralNorm) {
  torch::manual_seed(2);
  SNLinear layer(30, 20);
  layer->train();
  for (int i = 0; i < 50; ++i) layer(torch::randn({1, 30}));  // power iterations
  const auto w = spectral_normalise(layer->weight, layer->u, layer->v, false);
  const double top = torch::linalg_svdvals(w.detach())[0].item<double>();
  EXPECT_NEAR(top, 1.0, 1e-3);
  // In eval mode the estimate is frozen: the forward pass is deterministic.
  layer->eval();
  const auto x = torch::randn({4, 30});
  EXPECT_TRUE(torch::equal(layer(x), layer(x)));
}

TEST(SpectralNorm, ConvolutionWeightIsNormalisedAsAMatrix) {
  torch::manual_seed(3);
  SNConv2d layer(3, 8, 3, 1, 1);
  for (int i = 0; i < 60; ++i) layer(torch::randn({1, 3, 5, 5}));
  const auto w = spectral_normalise(layer->weight, layer->u, layer->v, false).reshape({8, -1});
  EXPECT_NEAR(torch::linalg_svdvals(w.detach())[0].item<double>(), 1.0, 1e-3);
}

struct ArchCase {
  std::string arch;
  int64_t height, width;
};

class ArchitectureTest : public ::testing::TestWithParam<ArchCase> {};

TEST_P(ArchitectureTest, ShapesAndPerSampleIndependence) {
  const auto c = GetParam();
  ModelConfig config;
  config.arch = c.arch;
  config.height = c.height;
  config.width = c.width;
  config.latent_dim = 5;
  config.channels = 8;
  torch::manual_seed(4);
  auto encoder = make_encoder(config, 7);
  auto decoder = make_decoder(config);
  auto critic = make_critic(config, true);
  const auto x = torch::rand({3, 1, c.height, c.width});
  EXPECT_EQ(encoder->forward(x).sizes(), (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(critic->forward(x).sizes(), (std::vector<int64_t>{3, 1}));
  decoder->eval();
  const auto z = torch::randn({4, 5});
  const auto images = decoder->forward(z);
  ASSERT_EQ(images.sizes(), (std::vector<int64_t>{4, 1, c.height, c.width}));
  EXPECT_GE(images.min().item<double>(), 0.0);
  EXPECT_LE(images.max().item<double>(), 1.0);
  // G(batch) = G of each sample alone: no batch statistics anywhere (GroupNorm is per sample).
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_LT((decoder->forward(z.narrow(0, i, 1)) - images.narrow(0, i, 1)).abs().max().item<double>(),
              1e-5);
  EXPECT_TRUE(torch::equal(decoder->forward(z), images));
}

INSTANTIATE_TEST_SUITE_P(Sizes, ArchitectureTest,
                         ::testing::Values(ArchCase{"paper", 28, 28}, ArchCase{"paper", 56, 56},
                                           ArchCase{"paper", 32, 48}, ArchCase{"resnet", 28, 28},
                                           ArchCase{"resnet", 64, 64}, ArchCase{"resnet", 56, 40}),
                         [](const auto& info) {
                           return info.param.arch + std::to_string(info.param.height) + "x" +
                                  std::to_string(info.param.width);
                         });

TEST(Architecture, RejectsSizesItCannotBuild) {
  ModelConfig config;
  config.height = 30;
  config.width = 30;
  EXPECT_THROW(make_decoder(config), Error);
  config.height = config.width = 28;
  config.arch = "unet";
  EXPECT_THROW(make_decoder(config), Error);
}

}  // namespace layers_test
}  // namespace genreg
