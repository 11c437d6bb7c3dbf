// Training of diffusion noise predictors (models/diffusion_unet.h), Ho et al. 2020, Algorithm 1:
// per image a step t ~ U{0 .. T-1} and noise e ~ N(0, I), x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) e
// with x_0 = 2 x - 1, and the loss ||e - eps_theta(x_t, t)||^2 (the "simple" loss, a reweighted
// ELBO); after every optimiser step the moving average of the weights is updated.
//
// The monitor reports, with the moving average, the test loss at fixed (t, e) and the network as a
// denoiser: the PSNR of Tweedie's x0 estimate from x_t at the steps whose noise on the [0, 1]
// scale, sqrt((1 - abar_t) / abar_t) / 2, is closest to 0.05, 0.1 and 0.2 (comparable with the
// denoisers' table); its figure is a grid of DDIM samples (50 steps) from fixed noise.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/core/runtime.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/image_grid.h"
#include "genreg/models/diffusion_sampling.h"
#include "genreg/models/diffusion_unet.h"
#include "genreg/training/training_step.h"

namespace genreg {
namespace {

Ddpm& as_ddpm(Model& model) {
  auto* ddpm = dynamic_cast<Ddpm*>(&model);
  require(ddpm != nullptr, "a ", model.kind_name(), " model is not a ddpm noise predictor");
  return *ddpm;
}

class DiffusionTraining : public TrainingStep {
 public:
  DiffusionTraining(Model& model, const TrainOptions& options)
      : model_(as_ddpm(model)), decay_(options.ema_decay()) {
    optimizer_ = std::make_unique<torch::optim::Adam>(
        model_.network()->parameters(),
        torch::optim::AdamOptions(options.lr()).betas({options.beta1(), options.beta2()}));
    abar_ = model_.alphas_cumprod().to(torch::kFloat32);
  }

  std::map<std::string, double> step(const TrainingBatch& batch, int64_t, int64_t) override {
    const auto x0 = to_diffusion_space(batch.x);
    const int64_t b = x0.size(0);
    // Each image's own t and e (training/sample_draws.h), drawn on the CPU: the same on every
    // device and for every rank count.
    const auto t = batch.draws.integers(0, model_.steps(), 1);
    const auto noise = batch.draws.normal(x0.sizes().slice(1), 2, x0.device());
    const auto a = abar_.index_select(0, t).view({-1, 1, 1, 1}).to(x0.device());
    const auto x_t = torch::sqrt(a) * x0 + torch::sqrt(1.0 - a) * noise;
    optimizer_->zero_grad();
    // The batch's mean loss as a sum over micro-batches, each weighted by its share: the same
    // gradient as one pass, while every activation stays below glibc's 32 MiB mmap ceiling (above
    // it each step maps and zeroes fresh pages: a 56x56 batch of 64 spent a third of its time in
    // the kernel).
    const int64_t micro = micro_batch(x0);
    double total = 0.0;
    for (int64_t i0 = 0; i0 < b; i0 += micro) {
      const int64_t len = std::min(micro, b - i0);
      const auto loss = torch::mse_loss(model_.forward(x_t.narrow(0, i0, len), t.narrow(0, i0, len), false),
                                        noise.narrow(0, i0, len));
      (loss * (static_cast<double>(len) / static_cast<double>(b))).backward();
      total += loss.item<double>() * static_cast<double>(len) / static_cast<double>(b);
    }
    apply(*optimizer_);
    model_.update_average(decay_);
    return {{"mse", total}};
  }

  // Images per pass: the U-Net's widest activation (3f channels at full resolution, float32).
  int64_t micro_batch(const torch::Tensor& x) const {
    return micro_batch_rows(3 * model_.config().features * x.size(2) * x.size(3) * 4, x.device());
  }

  std::map<std::string, std::string> optimizer_state() override {
    return {{"network", save_optimizer(*optimizer_)}};
  }
  void load_optimizer_state(const std::map<std::string, std::string>& state) override {
    load_optimizer(*optimizer_, optimizer_entry(state, "network"), model_.device());
  }

 private:
  Ddpm& model_;
  double decay_;
  torch::Tensor abar_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
};

std::string format_level(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

class DiffusionMonitor : public TrainingMonitor {
 public:
  DiffusionMonitor(Model& model, const TrainOptions& options, const TrainingData& test, int64_t sample_count)
      : seed_(options.seed() + 0xd1ffULL),
        sample_count_(std::max<int64_t>(1, std::min<int64_t>(sample_count, 64))) {
    auto& ddpm = as_ddpm(model);
    clean_ = test.images().narrow(0, 0, std::min<int64_t>(256, test.size())).to(model.device());
    auto generator = at::detail::createCPUGenerator(seed_);
    noise_ = diffusion_noise(clean_.sizes(), generator, model.device());
    const int64_t n = clean_.size(0);
    t_ = torch::randint(0, ddpm.steps(), {n}, generator, torch::kLong);
    // The steps whose image-scale noise sqrt((1 - abar) / abar) / 2 is nearest each level.
    const auto abar = ddpm.alphas_cumprod();
    const auto level = torch::sqrt((1.0 - abar) / abar) / 2.0;
    for (const double s : {0.05, 0.1, 0.2})
      levels_.push_back({s, (level - s).abs().argmin().item<int64_t>()});
  }

  std::map<std::string, double> evaluate(Model& model) override {
    torch::NoGradGuard no_grad;
    auto& ddpm = as_ddpm(model);
    const bool was_training = model.is_training();
    model.eval();
    const auto abar = ddpm.alphas_cumprod().to(torch::kFloat32);
    const auto x0 = to_diffusion_space(clean_);
    const auto a = abar.index_select(0, t_).view({-1, 1, 1, 1}).to(x0.device());
    // The network sees the test images in chunks (default_batch_rows: on a CPU 64 of 28x28, whose
    // activations stay below glibc's mmap ceiling; one batch of 256 images of 56x56 spent most of an
    // evaluation in the kernel).
    const int64_t n = x0.size(0), chunk = default_batch_rows(x0.size(2) * x0.size(3), x0.device());
    std::map<std::string, double> out;
    double squared = 0.0;
    for (int64_t i = 0; i < n; i += chunk) {
      const int64_t len = std::min(chunk, n - i);
      const auto e = noise_.narrow(0, i, len), ai = a.narrow(0, i, len);
      const auto x_t = torch::sqrt(ai) * x0.narrow(0, i, len) + torch::sqrt(1.0 - ai) * e;
      squared += (ddpm.predict_noise(x_t, t_.narrow(0, i, len)) - e).pow(2).sum().item<double>();
    }
    out["test_mse"] = squared / static_cast<double>(noise_.numel());
    double mean = 0.0;
    for (const auto& [s, t] : levels_) {
      const double ab = abar[t].item<double>();
      std::vector<torch::Tensor> values;
      for (int64_t i = 0; i < n; i += chunk) {
        const int64_t len = std::min(chunk, n - i);
        const auto x_t =
            std::sqrt(ab) * x0.narrow(0, i, len) + std::sqrt(1.0 - ab) * noise_.narrow(0, i, len);
        const auto eps = ddpm.predict_noise(x_t, torch::full({len}, t, torch::kLong));
        const auto estimate = to_image_space(predict_x0(x_t, eps, ab)).clamp(0, 1);
        values.push_back(psnr(estimate, clean_.narrow(0, i, len)));
      }
      const double value = torch::cat(values).mean().item<double>();
      out["test_psnr_sigma_" + format_level(s)] = value;
      mean += value / static_cast<double>(levels_.size());
    }
    out["test_psnr"] = mean;
    model.train(was_training);
    return out;
  }

  std::vector<Figure> write_figures(Model& model, const std::string& dir, int64_t) override {
    const bool was_training = model.is_training();
    model.eval();
    const auto& size = model.image_size();
    const auto samples = sample_prior(as_ddpm(model), sample_count_, size[0], size[1], model.device(),
                                      PriorSamplingOptions().steps(50).eta(0.0).seed(seed_));
    write_image_grid((std::filesystem::path(dir) / "samples.png").string(), samples);
    model.train(was_training);
    return {{"samples.png", "DDIM samples (50 steps, moving-average weights) from fixed noise"}};
  }

 private:
  uint64_t seed_;
  int64_t sample_count_;
  torch::Tensor clean_, noise_, t_;
  std::vector<std::pair<double, int64_t>> levels_;
};

}  // namespace

// Adam 5e-4 (Ho et al.'s 2e-4 is for 800k steps; minutes on 2 cores need larger steps), batch 64,
// moving average 0.999 with warm-up, 30 epochs.
GENREG_REGISTER_TRAINING(ddpm,
                         TrainingRecipe{
                             "ddpm",
                             TrainOptions().lr(5e-4).lr_critic(0.0).beta1(0.9).beta2(0.999).ema_decay(0.999),
                             30,
                             [](Model& model, const TrainOptions& options) -> std::unique_ptr<TrainingStep> {
                               return std::make_unique<DiffusionTraining>(model, options);
                             },
                             [](Model& model, const TrainOptions& options, const TrainingData& test,
                                int64_t sample_count) -> std::unique_ptr<TrainingMonitor> {
                               return std::make_unique<DiffusionMonitor>(model, options, test, sample_count);
                             },
                             false,
                             {}});

}  // namespace genreg
