// The DnCNN denoiser: a residual network that acts on each image alone, round-trips through a
// checkpoint, refuses other roles, and, trained for a few epochs on real digits, denoises them far
// better than the noisy images are.
#include "genreg/models/dncnn.h"

#include <gtest/gtest.h>

#include <sstream>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/models/checkpoint.h"
#include "genreg/training/training_run.h"
#include "test_support.h"

namespace genreg {
namespace {

DnCnnConfig tiny() {
  DnCnnConfig c;
  c.depth = 5;
  c.features = 16;
  c.noise_low = 0.05;
  c.noise_high = 0.2;
  return c;
}

TEST(DnCnn, ResidualAndBatchedEqualsOneByOne) {
  torch::manual_seed(0);
  DnCnn model(tiny());
  model.eval();
  const auto x = torch::rand({4, 1, 28, 28});
  const auto sigma = torch::full({4}, 0.1);
  const auto all = model.denoise(x, sigma);
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_TRUE(torch::allclose(model.denoise(x.narrow(0, i, 1), sigma.narrow(0, i, 1)), all.narrow(0, i, 1),
                                1e-5, 1e-6));
  // D(x) = x - n(x): with the last convolution zeroed, the network is the identity.
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model.body->children().back()->parameters()) p.zero_();
  }
  EXPECT_TRUE(torch::equal(model.denoise(x, sigma), x));
  EXPECT_THROW(model.denoise(x.squeeze(1), sigma), Error);
  EXPECT_THROW(model.denoise(x, torch::full({3}, 0.1)), Error);
  auto bad = tiny();
  bad.noise_high = 0.05;  // not above low
  EXPECT_THROW(DnCnn{bad}, Error);
}

TEST(DnCnn, TrainedOnDigitsBeatsTheNoisyImagesAndLoadsAsADenoiserOnly) {
  const auto train = load_dataset("mnist", DatasetOptions().range(IndexRange::parse("0:1024"))).images;
  const auto test =
      load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("0:64"))).images;
  testing::TempDir dir;
  TrainingRunOptions run;
  run.checkpoint = dir / "dncnn.pt";
  run.log_dir = dir / "log";
  std::ostringstream log;
  const auto summary = run_training(tiny().to_json(), TrainOptions().lr(1e-3).batch_size(32).epochs(3),
                                    TrainingData(train), TrainingData(test), run, torch::kCPU, log);
  // sigma 0.1 (PROTOCOL.md's denoising levels 0.05, 0.1, 0.2): noisy digits 20 dB; denoised clearly above.
  const double noisy = summary.test_metrics.at("noisy_psnr_sigma_0.1");
  const double denoised = summary.test_metrics.at("test_psnr_sigma_0.1");
  EXPECT_NEAR(noisy, 20.0, 0.5);
  EXPECT_GT(denoised, noisy + 4.0) << log.str();
  EXPECT_TRUE(std::filesystem::exists(dir / "log/denoising.png"));
  // The checkpoint loads as a denoiser, and not as a generator.
  const auto model = load_model(run.checkpoint, ModelRole::denoiser);
  EXPECT_EQ(model->kind_name(), "dncnn");
  EXPECT_EQ(dynamic_cast<Denoiser&>(*model).noise_range(), (std::vector<double>{0.05, 0.2}));
  try {
    load_generator(run.checkpoint);
    FAIL() << "a denoiser loaded as a generator";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds a denoiser (dncnn), not a generator"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace genreg
