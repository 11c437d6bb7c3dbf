// The DRUNet denoiser: acts on each image alone at its own noise level, takes any image size,
// is positively homogeneous when bias-free, round-trips through a checkpoint, and, trained for a
// few epochs on digits, beats both the noisy images and TV denoising at its best lambda.
#include "genreg/models/drunet.h"

#include <gtest/gtest.h>

#include <sstream>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/models/checkpoint.h"
#include "genreg/operators/make_operator.h"
#include "genreg/solvers/classical.h"
#include "genreg/training/training_run.h"
#include "test_support.h"

namespace genreg {
namespace drunet_test {

DrunetConfig tiny(bool bias_free = false) {
  DrunetConfig c;
  c.features = 8;
  c.depth = 1;
  c.bias_free = bias_free;
  c.noise_low = 0.0;
  c.noise_high = 0.3;
  return c;
}

TEST(Drunet, PerImageNoiseLevelsAnySizeAndHomogeneousWithoutBias) {
  torch::manual_seed(0);
  Drunet model(tiny());
  model.eval();
  const auto x = torch::rand({3, 1, 28, 28});
  const auto sigma = torch::tensor({0.05f, 0.1f, 0.3f});
  const auto all = model.denoise(x, sigma);
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_TRUE(torch::allclose(model.denoise(x.narrow(0, i, 1), sigma.narrow(0, i, 1)), all.narrow(0, i, 1),
                                1e-5, 1e-6));
  // The noise level is an input: another level gives another output.
  EXPECT_GT((model.denoise(x, torch::full({3}, 0.3f)) - model.denoise(x, torch::full({3}, 0.01f)))
                .abs()
                .max()
                .item<double>(),
            1e-4);
  // Sides not a multiple of 4 are padded and cropped back.
  EXPECT_EQ(model.denoise(torch::rand({2, 1, 30, 29}), torch::full({2}, 0.1f)).sizes(),
            (std::vector<int64_t>{2, 1, 30, 29}));
  // Bias-free: D(a x, a s) = a D(x, s) for a > 0 (Mohan et al. 2020).
  Drunet homogeneous(tiny(true));
  homogeneous.eval();
  const auto d = homogeneous.denoise(x, sigma);
  EXPECT_TRUE(torch::allclose(homogeneous.denoise(2.5 * x, 2.5 * sigma), 2.5 * d, 1e-4, 1e-5));
  EXPECT_FALSE(torch::allclose(model.denoise(2.5 * x, 2.5 * sigma), 2.5 * all, 1e-4, 1e-5));
  EXPECT_THROW(model.denoise(x, torch::full({2}, 0.1f)), Error);
  auto bad = tiny();
  bad.noise_high = 0.0;
  EXPECT_THROW(Drunet{bad}, Error);
}

TEST(Drunet, TrainedOnDigitsBeatsNoisyImagesAndTvDenoising) {
  const auto train = load_dataset("mnist", DatasetOptions().range(IndexRange::parse("0:2048"))).images;
  const auto test =
      load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("0:64"))).images;
  testing::TempDir dir;
  TrainingRunOptions run;
  run.checkpoint = dir / "drunet.pt";
  run.log_dir = dir / "log";
  std::ostringstream log;
  auto config = tiny();
  config.features = 16;
  run_training(config.to_json(), TrainOptions().lr(1e-3).batch_size(32).epochs(4), TrainingData(train),
               TrainingData(test), run, torch::kCPU, log);
  auto model = load_model(run.checkpoint, ModelRole::denoiser);
  auto& denoiser = dynamic_cast<Denoiser&>(*model);
  // Held-out images at sigma 0.1 (noise from its own seed).
  torch::manual_seed(11);
  const auto held_out =
      load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("500:564"))).images;
  const auto noisy = held_out + 0.1 * torch::randn(held_out.sizes());
  torch::Tensor denoised;
  {
    torch::NoGradGuard no_grad;
    denoised = denoiser.denoise(noisy, torch::full({held_out.size(0)}, 0.1f)).clamp(0, 1);
  }
  const double noisy_psnr = psnr(noisy, held_out).mean().item<double>();
  const double net_psnr = psnr(denoised, held_out).mean().item<double>();
  // TV denoising at the best of a grid of lambdas, chosen on the same images (its best case).
  const DataFidelity data(make_operator("denoise", 28, 28), noisy, 0.1);
  double tv_psnr = 0.0;
  for (double lambda : {1.0, 3.0, 10.0, 30.0}) {
    const auto x = solve_tv(data, torch::full({held_out.size(0)}, lambda, torch::kFloat64), PdhgOptions());
    tv_psnr = std::max(tv_psnr, psnr(x, held_out).mean().item<double>());
  }
  EXPECT_NEAR(noisy_psnr, 20.0, 0.3);
  EXPECT_GT(net_psnr, noisy_psnr + 5.0) << log.str();
  EXPECT_GT(net_psnr, tv_psnr + 0.5) << "TV " << tv_psnr << " dB";
}

}  // namespace drunet_test
}  // namespace genreg
