// Training of the conditional U-Nets (models/conditional_unet.h) on pairs (x, A x + e) simulated
// afresh every epoch (training/training_data.h), the network seeing c = A^T y:
//
//   cfm          the conditional flow-matching loss (Lipman et al. 2023, eq. 9 with the
//                rectified-flow path of Liu et al. 2023): t ~ U[0, 1], x_0 ~ N(0, I), x_1 = 2 x - 1,
//                ||v(x_t, t, c) - (x_1 - x_0)||^2 at x_t = (1 - t) x_0 + t x_1.
//   postprocess  ||U(c) - x_1||^2 (reported as the image-scale MSE, a quarter of it).
//   pix2pix      the conditional GAN loss with L1 (Pix2PixTraining below).
//
// Before the first step the condition's normalisation is set from the first epoch's pairs. The
// monitor reports, on fixed test pairs, the PSNR of the output (postprocess) or of one sample and of
// the mean of 4 (cfm, the model's default ODE steps), and draws truth / A^T y / samples / mean.
#include <torch/torch.h>

#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/core/runtime.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/image_grid.h"
#include "genreg/models/conditional_unet.h"
#include "genreg/models/noise_predictor.h"
#include "genreg/training/training_step.h"

namespace genreg {
namespace {

ConditionalUnet& as_conditional_unet(Model& model) {
  auto* unet = dynamic_cast<ConditionalUnet*>(&model);
  require(unet != nullptr, "a ", model.kind_name(),
          " model is not a conditional U-Net (cfm, postprocess, pix2pix)");
  return *unet;
}

class ConditionalTraining : public TrainingStep {
 public:
  ConditionalTraining(Model& model, const TrainOptions& options)
      : model_(as_conditional_unet(model)), decay_(options.ema_decay()) {
    optimizer_ = std::make_unique<torch::optim::Adam>(
        model_.network()->parameters(),
        torch::optim::AdamOptions(options.lr()).betas({options.beta1(), options.beta2()}));
  }

  std::map<std::string, double> step(const TrainingBatch& batch, int64_t, int64_t) override {
    require(batch.has_measurements(), model_.kind_name(), " trains on (image, measurement) pairs");
    const auto condition = model_.condition(batch.op, batch.y, batch.sigma);
    const auto x1 = to_diffusion_space(batch.x);
    const int64_t b = x1.size(0);
    torch::Tensor x_t, t, target;
    if (model_.config().flow()) {
      // Each pair's own t and x_0 (training/sample_draws.h), drawn on the CPU: the same on every
      // device and for every rank count.
      t = batch.draws.uniform({}, 1, torch::kCPU);
      const auto x0 = batch.draws.normal(x1.sizes().slice(1), 2, x1.device());
      const auto tt = t.view({-1, 1, 1, 1}).to(x1.device());
      x_t = (1.0 - tt) * x0 + tt * x1;
      target = x1 - x0;
    } else {
      target = x1;
    }
    optimizer_->zero_grad();
    // Micro-batches as the diffusion recipe's (the U-Net's widest activation, float32).
    const int64_t micro =
        micro_batch_rows(3 * model_.config().features * x1.size(2) * x1.size(3) * 4, x1.device());
    double total = 0.0;
    for (int64_t i0 = 0; i0 < b; i0 += micro) {
      const int64_t len = std::min(micro, b - i0);
      const auto out =
          model_.forward(x_t.defined() ? x_t.narrow(0, i0, len) : x_t, t.defined() ? t.narrow(0, i0, len) : t,
                         condition.narrow(0, i0, len), false);
      const auto loss = torch::mse_loss(out, target.narrow(0, i0, len));
      (loss * (static_cast<double>(len) / static_cast<double>(b))).backward();
      total += loss.item<double>() * static_cast<double>(len) / static_cast<double>(b);
    }
    apply(*optimizer_);
    model_.update_average(decay_);
    if (model_.config().flow()) return {{"mse", total}};
    return {{"mse", total / 4.0}};  // on the [0, 1] scale
  }

  std::map<std::string, std::string> optimizer_state() override {
    return {{"network", save_optimizer(*optimizer_)}};
  }
  void load_optimizer_state(const std::map<std::string, std::string>& state) override {
    load_optimizer(*optimizer_, optimizer_entry(state, "network"), model_.device());
  }

 private:
  ConditionalUnet& model_;
  double decay_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
};

// pix2pix (Isola et al. 2017, section 3): the critic D(c, x) minimises the non-saturating GAN loss
// (halved, as theirs) on real pairs (c, x_1) against generated ones (c, G(z, c)); the generator
// minimises -log D(c, G(z, c)) + l1_weight |G(z, c) - x_1| (their lambda 100, images on [-1, 1]).
// Adam with beta1 0.5 for both (their 2e-4 learning rate). One pass per step (no micro-batches).
class Pix2PixTraining : public TrainingStep {
 public:
  Pix2PixTraining(Model& model, const TrainOptions& options)
      : model_(as_conditional_unet(model)), decay_(options.ema_decay()), l1_weight_(options.l1_weight()) {
    generator_ = std::make_unique<torch::optim::Adam>(
        model_.network()->parameters(),
        torch::optim::AdamOptions(options.lr()).betas({options.beta1(), options.beta2()}));
    critic_ = std::make_unique<torch::optim::Adam>(
        model_.critic()->parameters(),
        torch::optim::AdamOptions(options.lr_critic()).betas({options.beta1(), options.beta2()}));
  }

  std::map<std::string, double> step(const TrainingBatch& batch, int64_t, int64_t) override {
    require(batch.has_measurements(), model_.kind_name(), " trains on (image, measurement) pairs");
    const auto condition = model_.condition(batch.op, batch.y, batch.sigma);
    const auto x1 = to_diffusion_space(batch.x);
    // Each pair's own z (training/sample_draws.h), drawn on the CPU: the same on every device.
    const auto z = batch.draws.normal(x1.sizes().slice(1), 1, x1.device());
    const auto fake = model_.forward(z, torch::Tensor(), condition, false);
    critic_->zero_grad();
    const auto d_loss = 0.5 * (torch::softplus(-model_.criticise(x1, condition)).mean() +
                               torch::softplus(model_.criticise(fake.detach(), condition)).mean());
    d_loss.backward();
    apply(*critic_);
    // The critic's gradients from the generator's loss below are cleared at its next step.
    generator_->zero_grad();
    const auto adversarial = torch::softplus(-model_.criticise(fake, condition)).mean();
    const auto l1 = (fake - x1).abs().mean();
    (adversarial + l1_weight_ * l1).backward();
    apply(*generator_);
    model_.update_average(decay_);
    return {{"d_loss", d_loss.item<double>()},
            {"g_adversarial", adversarial.item<double>()},
            {"l1", l1.item<double>() / 2.0}};  // on the [0, 1] scale
  }

  std::map<std::string, std::string> optimizer_state() override {
    return {{"generator", save_optimizer(*generator_)}, {"critic", save_optimizer(*critic_)}};
  }
  void load_optimizer_state(const std::map<std::string, std::string>& state) override {
    load_optimizer(*generator_, optimizer_entry(state, "generator"), model_.device());
    load_optimizer(*critic_, optimizer_entry(state, "critic"), model_.device());
  }

 private:
  ConditionalUnet& model_;
  double decay_, l1_weight_;
  std::unique_ptr<torch::optim::Adam> generator_, critic_;
};

// A^T y on [0, 1] for figures: each image stretched between its own extremes.
torch::Tensor displayable(const torch::Tensor& c) {
  const auto flat = c.flatten(1);
  const auto lo = std::get<0>(flat.min(1)).view({-1, 1, 1, 1}),
             hi = std::get<0>(flat.max(1)).view({-1, 1, 1, 1});
  return (c - lo) / (hi - lo).clamp_min(1e-12);
}

class ConditionalMonitor : public TrainingMonitor {
 public:
  ConditionalMonitor(Model& model, const TrainOptions& options, const TrainingData& test)
      : seed_(options.seed() + 0xcf3ULL) {
    require(test.simulates_measurements(), model.kind_name(), " is evaluated on (image, measurement) pairs");
    const bool flow = as_conditional_unet(model).config().flow();
    // Fewer images for cfm: each costs 4 samples of 20 network evaluations.
    const int64_t n = std::min<int64_t>(flow ? 64 : 256, test.size());
    const auto pairs = test.batch(torch::arange(n, torch::kLong), 0);
    truth_ = pairs.x.to(model.device());
    condition_ = as_conditional_unet(model).condition(pairs.op, pairs.y, pairs.sigma).to(model.device());
  }

  std::map<std::string, double> evaluate(Model& model) override {
    const auto samples = draw(model);
    std::map<std::string, double> out;
    if (samples.size(1) == 1) {
      out["test_psnr"] = psnr(samples.select(1, 0), truth_).mean().item<double>();
      return out;
    }
    out["test_psnr_sample"] = psnr(samples.select(1, 0), truth_).mean().item<double>();
    out["test_psnr"] = psnr(samples.mean(1), truth_).mean().item<double>();
    return out;
  }

  std::vector<Figure> write_figures(Model& model, const std::string& dir, int64_t) override {
    const int64_t n = std::min<int64_t>(8, truth_.size(0));
    const auto samples = draw(model).narrow(0, 0, n).to(torch::kCPU);
    std::vector<GridRow> rows{{truth_.narrow(0, 0, n).to(torch::kCPU)},
                              {displayable(condition_.narrow(0, 0, n).to(torch::kCPU))}};
    for (int64_t k = 0; k < std::min<int64_t>(2, samples.size(1)); ++k)
      rows.push_back({samples.select(1, k)});
    if (samples.size(1) > 1) rows.push_back({samples.mean(1)});
    write_comparison_grid((std::filesystem::path(dir) / "reconstructions.png").string(), rows);
    return {{"reconstructions.png", samples.size(1) > 1
                                        ? "test pairs: truth, the condition (A^T y or the Wiener estimate), "
                                          "two samples, the mean of 4 (moving average)"
                                        : "test pairs: truth, the condition (A^T y or the Wiener estimate), "
                                          "the network's output (moving average)"}};
  }

 private:
  torch::Tensor draw(Model& model) {
    const bool was_training = model.is_training();
    model.eval();
    auto& unet = as_conditional_unet(model);
    const auto samples = sample_conditional(unet, condition_, 4, GenerationOptions(), seed_);
    model.train(was_training);
    return samples.to(truth_.device());
  }

  uint64_t seed_;
  torch::Tensor truth_, condition_;
};

// The data statistics of a Wiener condition (all training images), then the condition's
// normalisation from the first epoch's pairs.
void set_condition_statistics(Model& model, const TrainingData& train) {
  auto& unet = as_conditional_unet(model);
  if (unet.config().condition == "lmmse") unet.set_data_statistics(train.images());
  const int64_t n = std::min<int64_t>(1024, train.size());
  const auto pairs = train.batch(torch::arange(n, torch::kLong), 0);
  unet.set_condition_statistics(unet.condition(pairs.op, pairs.y, pairs.sigma));
}

TrainingRecipe conditional_recipe(const std::string& kind, int64_t epochs) {
  const bool adversarial = kind == "pix2pix";
  return TrainingRecipe{
      kind,
      adversarial ? TrainOptions().lr(2e-4).lr_critic(2e-4).beta1(0.5).beta2(0.999).ema_decay(0.999)
                  : TrainOptions().lr(5e-4).lr_critic(0.0).beta1(0.9).beta2(0.999).ema_decay(0.999),
      epochs,
      [adversarial](Model& model, const TrainOptions& options) -> std::unique_ptr<TrainingStep> {
        if (adversarial) return std::make_unique<Pix2PixTraining>(model, options);
        return std::make_unique<ConditionalTraining>(model, options);
      },
      [](Model& model, const TrainOptions& options, const TrainingData& test,
         int64_t) -> std::unique_ptr<TrainingMonitor> {
        return std::make_unique<ConditionalMonitor>(model, options, test);
      },
      true,
      set_condition_statistics};
}

}  // namespace

// The diffusion recipe's optimiser (Adam 5e-4, moving average 0.999); epochs as the ddpm's.
GENREG_REGISTER_TRAINING(cfm, conditional_recipe("cfm", 30));
GENREG_REGISTER_TRAINING(postprocess, conditional_recipe("postprocess", 20));
// Isola et al.'s optimiser (Adam 2e-4, beta1 0.5) and L1 weight 100.
GENREG_REGISTER_TRAINING(pix2pix, conditional_recipe("pix2pix", 20));

}  // namespace genreg
