// Training tiny models on real digits: the losses fall, and a run resumed from a checkpoint is
// bit-for-bit the uninterrupted run.
#include "genreg/training/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/models/checkpoint.h"
#include "genreg/training/generator_training.h"
#include "genreg/training/training_run.h"
#include "test_support.h"

namespace genreg {
namespace {

using testing::TempDir;

torch::Tensor digits(int64_t count) {
  static const auto all = load_dataset("mnist", DatasetOptions().range(IndexRange::parse("0:512"))).images;
  return all.narrow(0, 0, count);
}

ModelConfig tiny(const std::string& kind) {
  ModelConfig c;
  c.kind = kind;
  c.height = c.width = 28;
  c.latent_dim = 4;
  c.channels = 4;
  return c;
}

GenerativeModelPtr fresh(const std::string& kind, uint64_t seed = 0) {
  torch::manual_seed(seed);
  return std::make_shared<GenerativeModel>(tiny(kind));
}

TEST(Trainer, AutoencoderReconstructionImproves) {
  auto model = fresh("ae");
  const auto x = digits(512);
  const double before = reconstruction_psnr(*model, x.narrow(0, 0, 128));
  Trainer trainer(model, default_train_options("ae").batch_size(32).epochs(3));
  std::map<std::string, double> first, last;
  for (int64_t e = 0; e < 3; ++e) {
    last = trainer.train_epoch(x, e);
    if (e == 0) first = last;
  }
  EXPECT_LT(last.at("mse"), first.at("mse"));
  EXPECT_GT(reconstruction_psnr(*model, x.narrow(0, 0, 128)), before + 2.0);
}

// The default-size AE (channels 32) used to drive its sigmoid output to 0 within 25 Adam steps
// and stay at (or below) the all-black PSNR; starting the output at the data's mean intensity avoids it.
TEST(Trainer, DefaultSizeAutoencoderDoesNotCollapseToBlack) {
  ModelConfig config = tiny("ae");
  config.channels = 32;
  config.latent_dim = 8;
  torch::manual_seed(0);
  auto model = std::make_shared<GenerativeModel>(config);
  const auto x = digits(512);
  model->set_output_intensity(x.mean().item<double>());
  Trainer trainer(model, default_train_options("ae").batch_size(64).epochs(4));
  for (int64_t e = 0; e < 4; ++e) trainer.train_epoch(x, e);  // 32 steps
  const auto test = x.narrow(0, 0, 128);
  const double black = psnr(torch::zeros_like(test), test).mean().item<double>();
  EXPECT_GT(reconstruction_psnr(*model, test), black + 2.0);
}

TEST(Trainer, VaeLossFallsAndPretrainingHasNoKl) {
  auto model = fresh("vae");
  const auto x = digits(512);
  Trainer trainer(
      model, default_train_options("vae").batch_size(32).epochs(4).pretrain_epochs(1).kl_warmup_epochs(2));
  const auto pre = trainer.train_epoch(x, 0);
  EXPECT_EQ(pre.count("kl"), 0u);  // deterministic AE pre-training
  const auto warm = trainer.train_epoch(x, 1);
  EXPECT_NEAR(warm.at("kl_weight"), 0.5 * 0.05, 1e-12);  // halfway through the warm-up
  trainer.train_epoch(x, 2);
  const auto last = trainer.train_epoch(x, 3);
  EXPECT_NEAR(last.at("kl_weight"), 0.05, 1e-12);
  EXPECT_LT(last.at("mse"), pre.at("mse"));
  EXPECT_GT(last.at("kl"), 0.0);
}

TEST(Trainer, CriticsLearnToSeparateRealFromGenerated) {
  // With the generator held (no generator step within the epoch), each critic objective falls.
  for (auto kind : {"wgan-gp", "gan-hinge", "gan"}) {
    auto model = fresh(kind, 1);
    auto options = default_train_options(kind).batch_size(32).critic_steps(1000).r1_weight(0.0);
    Trainer trainer(model, options);
    std::vector<double> losses;
    trainer.train_epoch(digits(512), 0,
                        [&](const StepReport& r) { losses.push_back(r.losses.at("critic")); });
    ASSERT_EQ(losses.size(), 16u);
    const double head = (losses[0] + losses[1]) / 2, tail = (losses[14] + losses[15]) / 2;
    EXPECT_LT(tail, head) << kind;
  }
}

TEST(Trainer, GanStepsRunAndReportEveryTerm) {
  for (auto kind : {"wgan-gp", "gan-hinge", "gan"}) {
    auto model = fresh(kind, 2);
    Trainer trainer(model, default_train_options(kind).batch_size(32));
    const auto terms = trainer.train_epoch(digits(320), 0);
    EXPECT_TRUE(terms.count("generator")) << kind;
    if (kind == "wgan-gp") EXPECT_TRUE(terms.count("gp") && terms.count("wasserstein"));
    if (kind == "gan-hinge") EXPECT_TRUE(terms.count("r1") && terms.count("hinge"));
  }
}

// Two epochs straight against one epoch, a checkpoint, a fresh process's load and a second epoch.
TEST(Trainer, ResumeFromCheckpointIsBitExact) {
  TempDir dir;
  const auto x = digits(128);
  for (auto kind : {"ae", "vae", "wgan-gp", "gan-hinge", "gan"}) {
    const auto options = default_train_options(kind).batch_size(32).epochs(2).critic_steps(2);
    auto straight = fresh(kind, 3);
    Trainer a(straight, options);
    a.train_epoch(x, 0);
    a.train_epoch(x, 1);

    auto interrupted = fresh(kind, 3);
    Trainer b(interrupted, options);
    b.train_epoch(x, 0);
    const std::string path = dir / (std::string(kind) + ".pt");
    save_checkpoint(path, *interrupted, CheckpointExtras{{}, b.optimizer_state()});
    torch::manual_seed(12345);  // whatever the RNG did in between does not matter
    auto loaded = load_checkpoint(path);
    Trainer c(loaded.model, options);
    c.load_optimizer_state(loaded.extras.optimizers);
    c.train_epoch(x, 1);

    const auto sa = model_state(*straight), sc = model_state(*loaded.model);
    for (const auto& [name, t] : sa) EXPECT_TRUE(torch::equal(t, sc.at(name))) << kind << " " << name;
  }
}

TEST(TrainingRun, KilledRunResumesAndWritesItsFigures) {
  TempDir dir;
  const auto x = digits(128), test = digits(64);
  const auto config = tiny("vae");
  const auto options = default_train_options("vae").batch_size(32).epochs(2);
  std::ostringstream log;
  TrainingRunOptions whole;
  whole.checkpoint = dir / "whole.pt";
  whole.log_dir = dir / "whole";
  whole.sample_count = 8;
  torch::manual_seed(0);
  run_training(config, options, x, test, whole, torch::kCPU, log);

  TrainingRunOptions parts = whole;
  parts.checkpoint = dir / "parts.pt";
  parts.log_dir = dir / "parts";
  parts.max_epochs_now = 1;  // "killed" after the first epoch
  torch::manual_seed(0);
  auto first = run_training(config, options, x, test, parts, torch::kCPU, log);
  EXPECT_EQ(first.epochs_done, 1);
  parts.resume = true;
  parts.max_epochs_now = 0;
  auto second = run_training(config, options, x, test, parts, torch::kCPU, log);
  EXPECT_EQ(second.first_epoch, 1);
  EXPECT_EQ(second.epochs_done, 2);
  EXPECT_EQ(second.history.size(), 2u);

  const auto a = model_state(*load_checkpoint(whole.checkpoint).model);
  const auto b = model_state(*load_checkpoint(parts.checkpoint).model);
  for (const auto& [name, t] : a) EXPECT_TRUE(torch::equal(t, b.at(name))) << name;
  for (const char* file :
       {"history.json", "losses.png", "samples.png", "reconstructions.png", "samples/epoch_0002.png"})
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(parts.log_dir) / file)) << file;

  // Resuming with another model is refused.
  auto other = config;
  other.latent_dim = 6;
  EXPECT_THROW(run_training(other, options, x, test, parts, torch::kCPU, log), Error);
}

TEST(TrainingRun, DurationsReadWell) {
  EXPECT_EQ(format_duration(5.2), "5s");
  EXPECT_EQ(format_duration(125), "2m05s");
  EXPECT_EQ(format_duration(3725), "1h02m");
}

}  // namespace
}  // namespace genreg
