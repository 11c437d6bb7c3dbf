// Training of the autoencoders: ae (MSE) and vae (MSE + beta KL / pixels with the
// reparameterisation trick, optional deterministic pre-training and KL warm-up).
#include <torch/torch.h>

#include "genreg/core/error.h"
#include "genreg/models/generative_model.h"
#include "genreg/training/generator_training.h"
#include "genreg/training/losses.h"
#include "genreg/training/training_step.h"

namespace genreg {
namespace {

class AutoencoderTraining : public TrainingStep {
 public:
  AutoencoderTraining(Model& model, const TrainOptions& options, bool variational)
      : model_(dynamic_cast<GenerativeModel&>(model)), options_(options), variational_(variational) {
    std::vector<torch::Tensor> params;
    for (const auto& m : {model_.encoder, model_.decoder})
      for (auto& p : m->parameters()) params.push_back(p);
    optimizer_ = std::make_unique<torch::optim::Adam>(
        params, torch::optim::AdamOptions(options_.lr()).betas({options_.beta1(), options_.beta2()}));
  }

  std::map<std::string, double> step(const TrainingBatch& batch, int64_t, int64_t epoch) override {
    const auto& x = batch.x;
    optimizer_->zero_grad();
    std::map<std::string, double> terms;
    torch::Tensor loss;
    if (!variational_ || epoch < options_.pretrain_epochs()) {
      // AE, or the VAE's deterministic pre-training: decode the encoder (mean) output.
      const auto z = variational_ ? model_.encode_gaussian(x).first : model_.encoder->forward(x);
      loss = torch::mse_loss(model_.decoder->forward(z), x);
      terms["mse"] = loss.item<double>();
    } else {
      auto [mu, logvar] = model_.encode_gaussian(x);
      // The reparameterisation, with each image's own noise (training/sample_draws.h).
      const auto z = mu + torch::exp(0.5 * logvar) * batch.draws.normal({mu.size(1)}, 1, mu.device());
      const auto mse = torch::mse_loss(model_.decoder->forward(z), x);
      const auto kl = gaussian_kl(mu, logvar).mean();
      double weight = options_.kl_weight();
      if (options_.kl_warmup_epochs() > 0) {
        const double progress = static_cast<double>(epoch - options_.pretrain_epochs() + 1) /
                                static_cast<double>(options_.kl_warmup_epochs());
        weight *= std::min(1.0, progress);
      }
      const double pixels = static_cast<double>(x[0].numel());
      loss = mse + weight * kl / pixels;
      terms["mse"] = mse.item<double>();
      terms["kl"] = kl.item<double>();
      terms["kl_weight"] = weight;
    }
    terms["loss"] = loss.item<double>();
    loss.backward();
    apply(*optimizer_);
    return terms;
  }

  std::map<std::string, std::string> optimizer_state() override {
    return {{"generator", save_optimizer(*optimizer_)}};
  }
  void load_optimizer_state(const std::map<std::string, std::string>& state) override {
    load_optimizer(*optimizer_, optimizer_entry(state, "generator"), model_.device());
  }

 private:
  GenerativeModel& model_;
  TrainOptions options_;
  bool variational_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
};

// Adam 1e-3 (FINDINGS.md); 20 epochs: 6-7.5 minutes on mnist, 18.4 / 18.3 dB (BENCHMARKS.md).
TrainingRecipe autoencoder_recipe(const std::string& kind, bool variational) {
  return TrainingRecipe{
      kind,
      TrainOptions().lr(1e-3).lr_critic(0.0).beta1(0.9).beta2(0.999),
      20,
      [variational](Model& model, const TrainOptions& options) -> std::unique_ptr<TrainingStep> {
        return std::make_unique<AutoencoderTraining>(model, options, variational);
      },
      make_generator_monitor,
      false,
      initialise_generator_output};
}

}  // namespace

GENREG_REGISTER_TRAINING(ae, autoencoder_recipe("ae", false));
GENREG_REGISTER_TRAINING(vae, autoencoder_recipe("vae", true));

}  // namespace genreg
