// The ddpm kind: a noise predictor that treats each image alone at its own step, takes any image
// size, keeps a warmed-up moving average of its weights, learns (a few epochs on digits lower the
// test loss and make Tweedie's x0 a better denoiser than the noisy input) and resumes bit for bit.
#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/models/checkpoint.h"
#include "genreg/models/diffusion_sampling.h"
#include "genreg/models/diffusion_unet.h"
#include "genreg/training/trainer.h"
#include "test_support.h"

namespace genreg {
namespace ddpm_test {

DdpmConfig tiny() {
  DdpmConfig c;
  c.features = 8;
  c.schedule.steps = 200;
  return c;
}

torch::Tensor digits(int64_t start, int64_t count) {
  return load_dataset("mnist", DatasetOptions().range(IndexRange{start, start + count})).images;
}

TEST(Ddpm, PerImageStepsAnySizeAndAWarmedUpAverage) {
  torch::manual_seed(0);
  auto config = tiny();
  config.attention = true;
  Ddpm model(config);
  model.eval();
  const auto x = torch::randn({3, 1, 28, 28});
  const auto t = torch::tensor({5, 50, 150}, torch::kLong);
  const auto all = model.forward(x, t, false);
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_TRUE(torch::allclose(model.forward(x.narrow(0, i, 1), t.narrow(0, i, 1), false),
                                all.narrow(0, i, 1), 1e-4, 1e-5));
  EXPECT_GT((model.forward(x, torch::full({3}, 199, torch::kLong), false) - all).abs().max().item<double>(),
            1e-4);
  EXPECT_EQ(model.predict_noise(torch::randn({2, 1, 30, 29}), torch::full({2}, 3, torch::kLong)).sizes(),
            (std::vector<int64_t>{2, 1, 30, 29}));
  EXPECT_THROW(model.predict_noise(x, torch::zeros({2}, torch::kLong)), Error);
  // The average starts as the network; the first update keeps 1/10 of it (warm-up d = (1 + n) / (10 + n)).
  EXPECT_TRUE(torch::equal(model.predict_noise(x, t), all));
  const auto before = model.named_parameters()["average.head.weight"].clone();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model.network()->parameters()) p.add_(1.0);
  }
  model.update_average(0.999);
  EXPECT_TRUE(torch::allclose(model.named_parameters()["average.head.weight"], before + 0.9, 1e-5, 1e-6));
  model.set_trainable(true);
  for (const auto& p : model.named_parameters())
    EXPECT_EQ(p.value().requires_grad(), p.key().rfind("network.", 0) == 0) << p.key();
  auto bad = tiny();
  bad.features = 6;
  EXPECT_THROW(Ddpm{bad}, Error);
  bad = tiny();
  bad.schedule.kind = "sigmoid";
  EXPECT_THROW(Ddpm{bad}, Error);
}

// Two epochs on 512 digits: the moving average's test loss falls well below the untrained one, and
// x0 from x_t at image-scale noise 0.1 beats the noisy input.
TEST(Ddpm, TrainingLowersTheLossAndDenoises) {
  torch::manual_seed(1);
  auto model = std::make_shared<Ddpm>(tiny());
  const auto train = digits(0, 512), test = digits(1000, 128);
  auto test_loss = [&] {
    torch::NoGradGuard no_grad;
    model->eval();
    torch::manual_seed(99);
    const auto x0 = to_diffusion_space(test);
    const auto t = torch::randint(0, 200, {test.size(0)}, torch::kLong);
    const auto e = torch::randn(x0.sizes());
    const auto a = model->alphas_cumprod().to(torch::kFloat32).index_select(0, t).view({-1, 1, 1, 1});
    const double loss =
        torch::mse_loss(model->predict_noise(torch::sqrt(a) * x0 + torch::sqrt(1 - a) * e, t), e)
            .item<double>();
    model->train();
    return loss;
  };
  const double untrained = test_loss();
  Trainer trainer(model, default_train_options("ddpm").batch_size(32).ema_decay(0.99));
  trainer.train_epoch(train, 0);
  trainer.train_epoch(train, 1);
  const double trained = test_loss();
  EXPECT_LT(trained, 0.5 * untrained) << untrained << " -> " << trained;
  // Tweedie's x0 at the step whose noise on the [0, 1] scale is about 0.1.
  torch::NoGradGuard no_grad;
  model->eval();
  const auto abar = model->alphas_cumprod();
  const int64_t t = (torch::sqrt((1 - abar) / abar) / 2 - 0.1).abs().argmin().item<int64_t>();
  const double a = abar[t].item<double>();
  torch::manual_seed(5);
  const auto e = torch::randn(test.sizes());
  const auto x_t = std::sqrt(a) * to_diffusion_space(test) + std::sqrt(1 - a) * e;
  const auto noisy = to_image_space(x_t / std::sqrt(a));  // the same noise on the image scale
  const auto x0 =
      to_image_space(predict_x0(x_t, model->predict_noise(x_t, torch::full({test.size(0)}, t)), a));
  EXPECT_GT(psnr(x0.clamp(0, 1), test).mean().item<double>(), psnr(noisy, test).mean().item<double>() + 3.0);
}

TEST(Ddpm, ResumeFromCheckpointIsBitExact) {
  testing::TempDir dir;
  const auto x = digits(0, 96);
  const auto options = default_train_options("ddpm").batch_size(32);
  torch::manual_seed(3);
  auto straight = std::make_shared<Ddpm>(tiny());
  Trainer a(straight, options);
  a.train_epoch(x, 0);
  a.train_epoch(x, 1);
  torch::manual_seed(3);
  auto interrupted = std::make_shared<Ddpm>(tiny());
  Trainer b(interrupted, options);
  b.train_epoch(x, 0);
  save_checkpoint(dir / "d.pt", *interrupted, CheckpointExtras{{}, b.optimizer_state()});
  torch::manual_seed(12345);
  auto loaded = load_checkpoint(dir / "d.pt");
  Trainer c(loaded.model, options);
  c.load_optimizer_state(loaded.extras.optimizers);
  c.train_epoch(x, 1);
  const auto sa = model_state(*straight), sc = model_state(*loaded.model);
  ASSERT_TRUE(sa.count("average.head.weight") && sa.count("average_updates"));
  for (const auto& [name, t] : sa) EXPECT_TRUE(torch::equal(t, sc.at(name))) << name;
}

}  // namespace ddpm_test
}  // namespace genreg
