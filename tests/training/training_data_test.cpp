// Training on (image, measurement) pairs simulated on the fly: the pairs are A x + noise of the
// stated level, drawn afresh every epoch and independent of the batch they land in; a tiny
// conditional model trained on them reaches the closed-form minimiser of its expected loss.
#include "genreg/training/training_data.h"

#include <gtest/gtest.h>

#include <sstream>

#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/models/conditional_generator.h"
#include "genreg/models/generative_model.h"
#include "genreg/training/trainer.h"
#include "genreg/training/training_run.h"
#include "test_support.h"

namespace genreg {
namespace {

torch::Tensor pair_digits(int64_t count) {
  static const auto all = load_dataset("mnist", DatasetOptions().range(IndexRange::parse("0:256"))).images;
  return all.narrow(0, 0, count);
}

TEST(TrainingData, PairsAreMeasurementsWithFreshNoisePerEpochWhateverTheBatch) {
  const auto x = pair_digits(64);
  const double sigma = 0.2;
  TrainingData data(x, SimulatedAcquisition{"cs:100", NoiseModel::parse("0.2")}, 7);
  ASSERT_TRUE(data.simulates_measurements());
  EXPECT_EQ(data.acquisition()->operator_spec, "cs:100,seed=0");  // canonical, seed included
  const auto all = torch::arange(64, torch::kLong);
  const auto b = data.batch(all, 3);
  const auto op = data.forward_operator();
  const auto noise = b.y - op->apply(x);
  // The noise has the stated level (6,400 draws: the sample std within 4 % of sigma).
  EXPECT_NEAR(noise.std().item<double>(), sigma, 0.04 * sigma);
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 4 * sigma / 80.0);
  EXPECT_TRUE(torch::allclose(b.condition, op->adjoint(b.y)));
  // The pair of image 10 in epoch 3 is the same in any batch (order, size) ...
  // (The noise is drawn per image; A x of a 2-row and a 64-row batch may differ in the last bit,
  // as they did with a CUDA LibTorch 2.11's CPU GEMM.)
  const auto small = data.batch(torch::tensor({5, 10}, torch::kLong), 3);
  EXPECT_TRUE(torch::allclose(small.y[1], b.y[10], 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(small.x[1], x[10]));
  // ... and new in another epoch, with a correlation near 0 between the two noises.
  const auto other = data.batch(all, 4);
  const auto noise4 = other.y - op->apply(x);
  EXPECT_FALSE(torch::equal(noise4, noise));
  const double correlation = (noise * noise4).mean().item<double>() / (sigma * sigma);
  EXPECT_LT(std::abs(correlation), 0.06);
  // Images alone carry no measurements.
  EXPECT_FALSE(TrainingData(x).batch(all, 0).has_measurements());
  EXPECT_THROW(TrainingData(x.squeeze(1)), Error);
}

// x_hat = a A^T y + b per pixel: the smallest conditional model there is (no latent input).
class PixelAffine : public Model, public ConditionalGenerator {
 public:
  PixelAffine() {
    a = register_parameter("a", torch::zeros({1}));
    b = register_parameter("b", torch::zeros({1}));
  }
  std::string kind_name() const override { return "pixel-affine"; }
  ModelRole role() const override { return ModelRole::conditional_generator; }
  nlohmann::json describe() const override { return {{"kind", kind_name()}}; }
  std::vector<int64_t> image_size() const override { return {28, 28}; }
  torch::Device device() const override { return torch::kCPU; }
  void move_to(torch::Device) override {}
  void set_trainable(bool trainable) override {
    for (auto& p : parameters()) p.set_requires_grad(trainable);
  }
  torch::Tensor generate(const torch::Tensor&, const torch::Tensor& condition,
                         const GenerationOptions& = {}) override {
    return a * condition + b;
  }
  std::vector<int64_t> latent_shape() const override { return {}; }
  std::string operator_spec() const override { return "denoise"; }
  std::string noise() const override { return "gaussian:0.3"; }
  torch::Tensor a, b;
};

class PixelAffineStep : public TrainingStep {
 public:
  explicit PixelAffineStep(PixelAffine& model) : model_(model), optimizer_(model.parameters(), 0.02) {}
  std::map<std::string, double> step(const TrainingBatch& batch, int64_t, int64_t) override {
    optimizer_.zero_grad();
    const auto loss = torch::mse_loss(model_.generate({}, batch.condition), batch.x);
    loss.backward();
    optimizer_.step();
    return {{"mse", loss.item<double>()}};
  }
  std::map<std::string, std::string> optimizer_state() override { return {}; }
  void load_optimizer_state(const std::map<std::string, std::string>&) override {}

 private:
  PixelAffine& model_;
  torch::optim::Adam optimizer_;
};

TEST(Trainer, ConditionalModelOnSimulatedPairsReachesTheLinearMinimumMeanSquareEstimator) {
  // Denoising (A = I) at sigma 0.3: over fresh noise, E ||a (x + e) + b - x||^2 is least at
  // a = Var(x) / (Var(x) + sigma^2), b = (1 - a) E x, the pixel values pooled.
  const auto x = pair_digits(256);
  const double sigma = 0.3;
  const double var = x.var(/*unbiased=*/false).item<double>(), mean = x.mean().item<double>();
  const double a_star = var / (var + sigma * sigma), b_star = (1.0 - a_star) * mean;
  auto model = std::make_shared<PixelAffine>();
  torch::manual_seed(0);
  Trainer trainer(model, TrainOptions().batch_size(256).epochs(400),
                  std::make_unique<PixelAffineStep>(*model));
  TrainingData data(x, SimulatedAcquisition{"denoise", NoiseModel::parse("0.3")}, 1);
  for (int64_t epoch = 0; epoch < 400; ++epoch) trainer.train_epoch(data, epoch);
  EXPECT_NEAR(model->a.item<double>(), a_star, 0.01);
  EXPECT_NEAR(model->b.item<double>(), b_star, 0.01);
  // It beats the measurement itself (A^T y = y) on new pairs by the closed form's margin.
  const auto test = data.batch(torch::arange(256, torch::kLong), 1000);
  torch::NoGradGuard no_grad;
  const double mse_model = torch::mse_loss(model->generate({}, test.condition), test.x).item<double>();
  const double mse_y = torch::mse_loss(test.condition, test.x).item<double>();
  EXPECT_NEAR(mse_model, var * sigma * sigma / (var + sigma * sigma), 0.002);
  EXPECT_LT(mse_model, 0.6 * mse_y);  // the closed-form ratio is Var(x) / (Var(x) + sigma^2), 0.51 here
}

TEST(TrainingRun, RefusesPairsForAKindThatTrainsOnImages) {
  testing::TempDir dir;
  ModelConfig config;
  config.kind = "vae";
  config.channels = 4;
  config.latent_dim = 2;
  TrainingRunOptions run;
  run.checkpoint = dir / "vae.pt";
  run.log_dir = dir / "log";
  std::ostringstream log;
  const auto x = pair_digits(32);
  TrainingData pairs(x, SimulatedAcquisition{"denoise", NoiseModel::parse("0.1")}, 0);
  try {
    run_training(config.to_json(), TrainOptions().epochs(1), pairs, TrainingData(x), run, torch::kCPU, log);
    FAIL() << "pairs accepted for a vae";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trains on images alone"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace genreg
