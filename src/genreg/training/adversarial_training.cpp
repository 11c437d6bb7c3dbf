// Training of the GANs: critic steps and, every `critic_steps` of them, a generator step. Each kind
// brings its losses: wgan-gp (Gulrajani et al. 2017: Wasserstein loss with gradient penalty, the
// paper's GAN), gan-hinge (hinge loss, R1 penalty, EMA of the generator) and gan (Goodfellow et al.
// 2014, non-saturating generator loss).
#include <torch/torch.h>

#include "genreg/core/error.h"
#include "genreg/models/generative_model.h"
#include "genreg/training/generator_training.h"
#include "genreg/training/losses.h"
#include "genreg/training/training_step.h"

namespace genreg {
namespace {

class AdversarialTraining : public TrainingStep {
 public:
  AdversarialTraining(Model& model, const TrainOptions& options)
      : model_(dynamic_cast<GenerativeModel&>(model)), options_(options) {
    require(options_.critic_steps() >= 1, "critic steps must be positive");
    auto adam = [&](const torch::nn::Sequential& m, double lr) {
      return std::make_unique<torch::optim::Adam>(
          m->parameters(), torch::optim::AdamOptions(lr).betas({options_.beta1(), options_.beta2()}));
    };
    optimizer_ = adam(model_.decoder, options_.lr());
    critic_optimizer_ = adam(model_.critic, options_.lr_critic());
  }

  std::map<std::string, double> step(const TrainingBatch& batch, int64_t step, int64_t) override {
    auto terms = critic_step(batch);
    if ((step + 1) % options_.critic_steps() == 0)
      for (const auto& [k, v] : generator_step(batch)) terms[k] = v;
    return terms;
  }

  std::map<std::string, std::string> optimizer_state() override {
    return {{"generator", save_optimizer(*optimizer_)}, {"critic", save_optimizer(*critic_optimizer_)}};
  }
  void load_optimizer_state(const std::map<std::string, std::string>& state) override {
    load_optimizer(*optimizer_, optimizer_entry(state, "generator"), model_.device());
    load_optimizer(*critic_optimizer_, optimizer_entry(state, "critic"), model_.device());
  }

 protected:
  // The critic's loss on real images x and generated `fake`, with their scores; adds its terms.
  virtual torch::Tensor critic_loss(const TrainingBatch& batch, const torch::Tensor& fake,
                                    const torch::Tensor& real_score, const torch::Tensor& fake_score,
                                    std::map<std::string, double>& terms) = 0;
  // The generator's loss on the critic's scores of generated images: -E D(G(z)) by default.
  virtual torch::Tensor generator_loss(const torch::Tensor& score) { return -score.mean(); }

  torch::Tensor critic(const torch::Tensor& x) { return model_.critic->forward(x).flatten(); }

  GenerativeModel& model_;
  TrainOptions options_;

 private:
  // Latent vectors z ~ N(0, I), one per image slot of the batch, drawn from the slot's own
  // stream (training/sample_draws.h): stream 1 for the critic's fakes, 2 for the generator's.
  torch::Tensor latents(const TrainingBatch& batch, uint64_t stream) {
    return batch.draws.normal({model_.latent_dim()}, stream, model_.device());
  }

  std::map<std::string, double> critic_step(const TrainingBatch& batch) {
    const auto& x = batch.x;
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = model_.decoder->forward(latents(batch, 1));
    }
    critic_optimizer_->zero_grad();
    const auto real_score = critic(x), fake_score = critic(fake);
    std::map<std::string, double> terms;
    const auto loss = critic_loss(batch, fake, real_score, fake_score, terms);
    terms["critic"] = loss.item<double>();
    loss.backward();
    apply(*critic_optimizer_);
    return terms;
  }

  std::map<std::string, double> generator_step(const TrainingBatch& batch) {
    optimizer_->zero_grad();
    // Gradients for the generator only: the critic is held fixed for this step.
    for (auto& p : model_.critic->parameters()) p.set_requires_grad(false);
    const auto loss = generator_loss(critic(model_.decoder->forward(latents(batch, 2))));
    loss.backward();
    for (auto& p : model_.critic->parameters()) p.set_requires_grad(true);
    apply(*optimizer_);
    if (model_.ema) model_.update_ema(options_.ema_decay());
    return {{"generator", loss.item<double>()}};
  }

  std::unique_ptr<torch::optim::Adam> optimizer_, critic_optimizer_;
};

class WassersteinGpTraining : public AdversarialTraining {
 public:
  using AdversarialTraining::AdversarialTraining;

 protected:
  // min_D E D(G(z)) - E D(x) + gp_weight E (||grad D(x_hat)|| - 1)^2
  torch::Tensor critic_loss(const TrainingBatch& batch, const torch::Tensor& fake,
                            const torch::Tensor& real_score, const torch::Tensor& fake_score,
                            std::map<std::string, double>& terms) override {
    const auto& x = batch.x;
    const auto alpha = batch.draws.uniform({1, 1, 1}, 3, x.device());  // each image's own
    const auto gp = gradient_penalty([this](const torch::Tensor& in) { return critic(in); }, x, fake, alpha);
    const auto wasserstein = real_score.mean() - fake_score.mean();
    terms["wasserstein"] = wasserstein.item<double>();
    terms["gp"] = gp.item<double>();
    return -wasserstein + options_.gp_weight() * gp;
  }
};

class HingeGanTraining : public AdversarialTraining {
 public:
  using AdversarialTraining::AdversarialTraining;

 protected:
  // min_D E relu(1 - D(x)) + E relu(1 + D(G(z))) + gamma/2 E ||grad D(x)||^2
  torch::Tensor critic_loss(const TrainingBatch& batch, const torch::Tensor&, const torch::Tensor& real_score,
                            const torch::Tensor& fake_score, std::map<std::string, double>& terms) override {
    const auto& x = batch.x;
    const auto hinge = torch::relu(1.0 - real_score).mean() + torch::relu(1.0 + fake_score).mean();
    terms["hinge"] = hinge.item<double>();
    if (options_.r1_weight() <= 0) return hinge;
    const auto r1 = r1_penalty([this](const torch::Tensor& in) { return critic(in); }, x);
    terms["r1"] = r1.item<double>();
    return hinge + 0.5 * options_.r1_weight() * r1;
  }
};

class StandardGanTraining : public AdversarialTraining {
 public:
  using AdversarialTraining::AdversarialTraining;

 protected:
  // min_D -E log sigmoid(D(x)) - E log(1 - sigmoid(D(G(z))))
  torch::Tensor critic_loss(const TrainingBatch&, const torch::Tensor&, const torch::Tensor& real_score,
                            const torch::Tensor& fake_score, std::map<std::string, double>& terms) override {
    const auto loss = torch::softplus(-real_score).mean() + torch::softplus(fake_score).mean();
    terms["bce"] = loss.item<double>();
    return loss;
  }
  // The non-saturating -E log sigmoid(D(G(z))).
  torch::Tensor generator_loss(const torch::Tensor& score) override { return torch::softplus(-score).mean(); }
};

template <typename Step>
TrainingRecipe adversarial_recipe(const std::string& kind, TrainOptions defaults) {
  // 50 epochs: wgan-gp's 1,250 generator steps on mnist in 17.8 minutes (BENCHMARKS.md); gan-hinge
  // and gan are given the same, uncalibrated.
  return TrainingRecipe{kind,
                        defaults,
                        50,
                        [](Model& model, const TrainOptions& options) -> std::unique_ptr<TrainingStep> {
                          return std::make_unique<Step>(model, options);
                        },
                        make_generator_monitor,
                        false,
                        initialise_generator_output};
}

}  // namespace

// Adam 1e-4, betas (0, 0.9), 5 critic steps, penalty 10 (Gulrajani et al., the paper's GAN).
GENREG_REGISTER_TRAINING(
    wgan_gp,
    adversarial_recipe<WassersteinGpTraining>(
        "wgan-gp",
        TrainOptions().lr(1e-4).lr_critic(1e-4).beta1(0.0).beta2(0.9).critic_steps(5).gp_weight(10.0)));
// Generator 1e-4, critic 4e-4 (TTUR), betas (0, 0.9), R1 1, EMA 0.999.
GENREG_REGISTER_TRAINING(gan_hinge, adversarial_recipe<HingeGanTraining>("gan-hinge", TrainOptions()
                                                                                          .lr(1e-4)
                                                                                          .lr_critic(4e-4)
                                                                                          .beta1(0.0)
                                                                                          .beta2(0.9)
                                                                                          .critic_steps(1)
                                                                                          .r1_weight(1.0)
                                                                                          .ema_decay(0.999)));
// Adam 2e-4, betas (0.5, 0.999) (DCGAN).
GENREG_REGISTER_TRAINING(
    gan, adversarial_recipe<StandardGanTraining>(
             "gan", TrainOptions().lr(2e-4).lr_critic(2e-4).beta1(0.5).beta2(0.999).critic_steps(1)));

}  // namespace genreg
