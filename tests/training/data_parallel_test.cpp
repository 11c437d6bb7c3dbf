// Data-parallel training (trainer.h) with ranks as threads of one process: N ranks, each on its
// shard of every batch with its gradients averaged before each optimiser step, end with the
// weights of one process trained on the same global batches. Every kind is covered, random draws
// included (VAE noise, GAN latents and interpolation weights, diffusion times and noise, denoiser
// noise levels, flow-matching times and sources): they belong to samples (sample_draws.h).
#include <gtest/gtest.h>

#include <thread>

#include "genreg/data/dataset.h"
#include "genreg/distributed/process_group.h"
#include "genreg/models/model_registry.h"
#include "genreg/training/trainer.h"

namespace genreg {
namespace data_parallel_test {

torch::Tensor digits(int64_t count) {
  static const auto all = load_dataset("mnist", DatasetOptions().range(IndexRange::parse("0:64"))).images;
  return all.narrow(0, 0, count);
}

// The U-Nets get 16 features: with 8, their GroupNorms have one channel per group, which cancels
// the convolution biases and time projections before them exactly; those weights' gradients are
// float rounding noise, which Adam (g / sqrt(v)) turns into steps of +-lr in any implementation
// (measured: such weights differed by up to 1e-3 between one and two ranks, every other weight by
// less than 2e-5).
nlohmann::json tiny(const std::string& kind) {
  const auto role = ModelRegistry::instance().at(kind).role;
  if (role == ModelRole::generator)
    return {{"kind", kind}, {"arch", "paper"}, {"height", 28},
            {"width", 28},  {"latent_dim", 4}, {"channels", 4}};
  if (role == ModelRole::denoiser)
    return {{"kind", kind},  {"height", 28},     {"width", 28},
            {"features", 8}, {"noise_low", 0.0}, {"noise_high", 0.3}};
  if (role == ModelRole::noise_predictor)
    return {{"kind", kind},   {"height", 28},       {"width", 28},
            {"features", 16}, {"attention", false}, {"schedule", {{"kind", "linear"}, {"steps", 100}}}};
  return {{"kind", kind},           {"height", 28},       {"width", 28},
          {"features", 16},         {"attention", false}, {"operator", "inpaint:0.5,seed=0"},
          {"noise", "gaussian:0.1"}};
}

TrainingData data_for(const std::string& kind) {
  const auto role = ModelRegistry::instance().at(kind).role;
  if (role != ModelRole::conditional_generator) return TrainingData(digits(64));
  return TrainingData(digits(64), SimulatedAcquisition{"inpaint:0.5,seed=0", NoiseModel::parse("0.1")}, 7);
}

TrainOptions options_for(const std::string& kind, int64_t batch) {
  // Two critic steps per generator step: both of a GAN's optimisers move within the epoch.
  return default_train_options(kind).batch_size(batch).epochs(1).critic_steps(2).seed(5);
}

ModelPtr fresh(const std::string& kind, uint64_t seed) {
  torch::manual_seed(seed);
  return make_model(tiny(kind));
}

// Every weight and buffer, flattened.
torch::Tensor weights(Model& model) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : model.parameters()) parts.push_back(p.detach().reshape({-1}).to(torch::kFloat64));
  for (const auto& b : model.buffers())
    if (b.is_floating_point()) parts.push_back(b.detach().reshape({-1}).to(torch::kFloat64));
  return torch::cat(parts);
}

struct RankResult {
  torch::Tensor weights;
  std::map<std::string, double> losses;
};

// One epoch (64 images) as `ranks` ranks; rank r's model starts from another seed than rank 0's,
// so that only the broadcast at set_process_group makes them agree.
std::vector<RankResult> train_epoch_on_ranks(const std::string& kind, int ranks, int64_t batch) {
  const auto data = data_for(kind);
  std::vector<ModelPtr> models;
  for (int r = 0; r < ranks; ++r) models.push_back(fresh(kind, static_cast<uint64_t>(r)));
  std::vector<RankResult> results(static_cast<size_t>(ranks));
  std::vector<std::string> errors(static_cast<size_t>(ranks));
  if (ranks == 1) {
    Trainer trainer(models[0], options_for(kind, batch));
    results[0] = {torch::Tensor(), trainer.train_epoch(data, 0)};
    results[0].weights = weights(*models[0]);
    return results;
  }
  const std::string name = kind + "-" + std::to_string(ranks) + "-" + std::to_string(batch);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      try {
        auto group = ProcessGroup::connect_in_process(name, r, ranks);
        Trainer trainer(models[static_cast<size_t>(r)], options_for(kind, batch));
        trainer.set_process_group(group);
        auto losses = trainer.train_epoch(data, 0);
        results[static_cast<size_t>(r)] = {weights(*models[static_cast<size_t>(r)]), losses};
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int r = 0; r < ranks; ++r) EXPECT_EQ(errors[static_cast<size_t>(r)], "") << kind << " rank " << r;
  return results;
}

// Float tolerance: the shards' mean losses summed with their shares differ from the batch's mean
// in the last bits (float32 sums in another order), and Adam divides by sqrt(v), so a few steps
// amplify them. Measured after 4 steps: 1.5e-8 to 3e-7 for the generators and denoisers, 2.7e-5
// (ddpm), 4.5e-5 (cfm) and 1.03e-4 (postprocess, after a rebuild that only regrouped the unity
// translation units: other inlining, other fused multiply-adds) for the U-Nets, whose steps move
// weights by 2e-3: at most 5% of the largest step. A wrong share or a draw that depended on the rank
// would differ by a step's size, so the two runs must agree to a tenth of the step.
constexpr double kShareOfStep = 0.1;
// Training must have moved the weights, or agreement would prove nothing (the smallest step
// measured: 5.5e-4, wgan-gp).
constexpr double kMinimumStep = 5e-4;

TEST(DataParallelTraining, TwoRanksMatchOneProcessForEveryKind) {
  if (!ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  torch::set_num_threads(1);
  for (const std::string kind : {"ae", "vae", "wgan-gp", "gan-hinge", "gan", "dncnn", "drunet", "ddpm", "cfm",
                                 "pix2pix", "postprocess"}) {
    const auto one = train_epoch_on_ranks(kind, 1, 16);
    const auto two = train_epoch_on_ranks(kind, 2, 16);
    ASSERT_TRUE(two[0].weights.defined() && two[1].weights.defined()) << kind;
    // The ranks hold identical weights (the same averaged gradients applied to the same start).
    EXPECT_TRUE(torch::equal(two[0].weights, two[1].weights)) << kind;
    const double moved = (one[0].weights - weights(*fresh(kind, 0))).abs().max().item<double>();
    const double differ = (two[0].weights - one[0].weights).abs().max().item<double>();
    const double tolerance = kShareOfStep * moved;
    EXPECT_GT(moved, kMinimumStep) << kind << ": training did not move the weights";
    EXPECT_LT(differ, tolerance) << kind << " (weights moved by up to " << moved << ")";
    if (differ >= tolerance) {
      const auto d = (two[0].weights - one[0].weights).abs();
      const auto bad = torch::nonzero(d > tolerance).flatten();
      std::cerr << kind << ": " << bad.numel() << " of " << d.numel() << " weights differ; the first at "
                << bad.slice(0, 0, 10) << "\n";
    }
    std::cerr << kind << ": max |2 ranks - 1 process| " << differ << ", max step " << moved << "\n";
    for (const auto& [term, value] : one[0].losses)
      EXPECT_NEAR(two[0].losses.at(term), value, 1e-4 * std::max(1.0, std::abs(value)))
          << kind << " " << term;
  }
}

// Unequal shards (a batch of 15: 5 images per rank on 3 ranks, 7 and 8 on 2) are weighted by their
// shares.
TEST(DataParallelTraining, UnequalShardsAndThreeRanks) {
  if (!ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  torch::set_num_threads(1);
  const auto one = train_epoch_on_ranks("vae", 1, 15);
  for (int ranks : {2, 3}) {
    const auto many = train_epoch_on_ranks("vae", ranks, 15);
    ASSERT_TRUE(many[0].weights.defined());
    const double moved = (one[0].weights - weights(*fresh("vae", 0))).abs().max().item<double>();
    EXPECT_GT(moved, kMinimumStep);
    EXPECT_LT((many[0].weights - one[0].weights).abs().max().item<double>(), kShareOfStep * moved) << ranks;
    EXPECT_NEAR(many[0].losses.at("loss"), one[0].losses.at("loss"), 1e-5) << ranks;
  }
}

TEST(DataParallelTraining, RefusesABatchSmallerThanTheGroup) {
  if (!ProcessGroup::available()) GTEST_SKIP() << "built without Gloo";
  std::vector<std::string> errors(3);
  std::vector<std::thread> threads;
  for (int r = 0; r < 3; ++r)
    threads.emplace_back([&, r] {
      try {
        auto group = ProcessGroup::connect_in_process("small-batch", r, 3);
        Trainer trainer(make_model(tiny("ae")), options_for("ae", 2));
        trainer.set_process_group(group);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_NE(e.find("cannot be shared by 3 ranks"), std::string::npos) << e;
}

}  // namespace data_parallel_test
}  // namespace genreg
