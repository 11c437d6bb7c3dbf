// Training of denoisers (models/denoiser.h): Gaussian noise of a standard deviation drawn per image
// uniformly from the model's noise range, and the mean squared error of the denoised image to the
// clean one (Zhang et al. 2017). The monitor reports the test PSNR of noisy and denoised images at
// the low, middle and high noise levels of the range, from noise fixed at the start of the run.
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/image_grid.h"
#include "genreg/models/denoiser.h"
#include "genreg/training/training_step.h"

namespace genreg {
namespace {

Denoiser& as_denoiser(Model& model) {
  auto* denoiser = dynamic_cast<Denoiser*>(&model);
  require(denoiser != nullptr, "a ", model.kind_name(), " model is not a denoiser");
  return *denoiser;
}

class DenoiserTraining : public TrainingStep {
 public:
  DenoiserTraining(Model& model, const TrainOptions& options) : model_(model), denoiser_(as_denoiser(model)) {
    optimizer_ = std::make_unique<torch::optim::Adam>(
        model.parameters(),
        torch::optim::AdamOptions(options.lr()).betas({options.beta1(), options.beta2()}));
  }

  std::map<std::string, double> step(const TrainingBatch& batch, int64_t, int64_t) override {
    const auto& x = batch.x;
    const auto range = denoiser_.noise_range();
    // sigma ~ U[low, high] per image, then x + sigma e, each image's own (training/sample_draws.h;
    // drawn on the CPU: the same on every device and for every rank count).
    const auto sigma =
        (range[0] + (range[1] - range[0]) * batch.draws.uniform({}, 1, torch::kCPU)).to(x.device());
    const auto noisy = x + sigma.view({-1, 1, 1, 1}) * batch.draws.normal(x.sizes().slice(1), 2, x.device());
    optimizer_->zero_grad();
    const auto loss = torch::mse_loss(denoiser_.denoise(noisy, sigma), x);
    loss.backward();
    apply(*optimizer_);
    return {{"mse", loss.item<double>()}};
  }

  std::map<std::string, std::string> optimizer_state() override {
    return {{"denoiser", save_optimizer(*optimizer_)}};
  }
  void load_optimizer_state(const std::map<std::string, std::string>& state) override {
    load_optimizer(*optimizer_, optimizer_entry(state, "denoiser"), model_.device());
  }

 private:
  Model& model_;
  Denoiser& denoiser_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
};

class DenoiserMonitor : public TrainingMonitor {
 public:
  DenoiserMonitor(Model& model, const TrainOptions& options, const TrainingData& test) {
    // PROTOCOL.md's denoising levels inside the trained range, else the range's middle.
    const auto range = as_denoiser(model).noise_range();
    for (const double s : {0.05, 0.1, 0.2})
      if (s >= range[0] && s <= range[1]) levels_.push_back(s);
    if (levels_.empty()) levels_.push_back(0.5 * (range[0] + range[1]));
    clean_ = test.images().narrow(0, 0, std::min<int64_t>(256, test.size())).to(model.device());
    torch::manual_seed(options.seed() + 0xd0e5ULL);  // the same test noise after every epoch
    noise_ = torch::randn(clean_.sizes(), torch::kFloat32).to(model.device());
  }

  std::map<std::string, double> evaluate(Model& model) override {
    torch::NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    std::map<std::string, double> out;
    double mean = 0.0;
    for (const double s : levels_) {
      const auto noisy = clean_ + s * noise_;
      const auto denoised = as_denoiser(model).denoise(noisy, torch::full({clean_.size(0)}, s));
      char name[48];
      std::snprintf(name, sizeof name, "test_psnr_sigma_%g", s);
      out[name] = psnr(denoised.clamp(0, 1), clean_).mean().item<double>();
      std::snprintf(name, sizeof name, "noisy_psnr_sigma_%g", s);
      out[name] = psnr(noisy, clean_).mean().item<double>();
      mean += out["test_psnr_sigma_" + format(s)] / static_cast<double>(levels_.size());
    }
    out["test_psnr"] = mean;
    model.train(was_training);
    return out;
  }

  std::vector<Figure> write_figures(Model& model, const std::string& dir, int64_t) override {
    torch::NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    const double s = levels_[levels_.size() / 2];
    const auto shown = clean_.narrow(0, 0, std::min<int64_t>(8, clean_.size(0)));
    const auto noisy = shown + s * noise_.narrow(0, 0, shown.size(0));
    const auto denoised = as_denoiser(model).denoise(noisy, torch::full({shown.size(0)}, s)).clamp(0, 1);
    write_comparison_grid((std::filesystem::path(dir) / "denoising.png").string(),
                          {GridRow{noisy.clamp(0, 1)}, GridRow{denoised}, GridRow{shown}});
    model.train(was_training);
    return {{"denoising.png", "noisy (sigma " + format(s) + ") / denoised / clean test images"}};
  }

 private:
  static std::string format(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return text;
  }
  std::vector<double> levels_;
  torch::Tensor clean_, noise_;
};

TrainingRecipe denoiser_recipe(const std::string& kind) {
  return TrainingRecipe{kind,
                        TrainOptions().lr(1e-3).lr_critic(0.0).beta1(0.9).beta2(0.999),
                        10,
                        [](Model& model, const TrainOptions& options) -> std::unique_ptr<TrainingStep> {
                          return std::make_unique<DenoiserTraining>(model, options);
                        },
                        [](Model& model, const TrainOptions& options, const TrainingData& test,
                           int64_t) -> std::unique_ptr<TrainingMonitor> {
                          return std::make_unique<DenoiserMonitor>(model, options, test);
                        },
                        false,
                        {}};
}

}  // namespace

// Adam 1e-3 (Zhang et al. 2017), 10 epochs, for both kinds.
GENREG_REGISTER_TRAINING(dncnn, denoiser_recipe("dncnn"));
GENREG_REGISTER_TRAINING(drunet, denoiser_recipe("drunet"));

}  // namespace genreg
