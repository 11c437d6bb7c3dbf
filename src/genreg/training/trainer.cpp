#include "genreg/training/trainer.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"
#include "genreg/training/losses.h"

namespace genreg {

nlohmann::json TrainOptions::to_json() const {
  return {{"epochs", epochs()},
          {"batch_size", batch_size()},
          {"lr", lr()},
          {"lr_critic", lr_critic()},
          {"beta1", beta1()},
          {"beta2", beta2()},
          {"kl_weight", kl_weight()},
          {"pretrain_epochs", pretrain_epochs()},
          {"kl_warmup_epochs", kl_warmup_epochs()},
          {"gp_weight", gp_weight()},
          {"critic_steps", critic_steps()},
          {"r1_weight", r1_weight()},
          {"ema_decay", ema_decay()},
          {"seed", seed()}};
}

TrainOptions TrainOptions::from_json(const nlohmann::json& j) {
  TrainOptions o;
  try {
    o.epochs(j.at("epochs").get<int64_t>())
        .batch_size(j.at("batch_size").get<int64_t>())
        .lr(j.at("lr").get<double>())
        .lr_critic(j.at("lr_critic").get<double>())
        .beta1(j.at("beta1").get<double>())
        .beta2(j.at("beta2").get<double>())
        .kl_weight(j.at("kl_weight").get<double>())
        .pretrain_epochs(j.at("pretrain_epochs").get<int64_t>())
        .kl_warmup_epochs(j.at("kl_warmup_epochs").get<int64_t>())
        .gp_weight(j.at("gp_weight").get<double>())
        .critic_steps(j.at("critic_steps").get<int64_t>())
        .r1_weight(j.at("r1_weight").get<double>())
        .ema_decay(j.at("ema_decay").get<double>())
        .seed(j.at("seed").get<uint64_t>());
  } catch (const nlohmann::json::exception& e) {
    fail("training options are incomplete: ", e.what());
  }
  return o;
}

TrainOptions default_train_options(ModelKind kind) {
  TrainOptions o;
  switch (kind) {
    case ModelKind::ae:
    case ModelKind::vae:
      return o.lr(1e-3).lr_critic(0.0).beta1(0.9).beta2(0.999);
    case ModelKind::wgan_gp:
      return o.lr(1e-4).lr_critic(1e-4).beta1(0.0).beta2(0.9).critic_steps(5).gp_weight(10.0);
    case ModelKind::gan_hinge:
      return o.lr(1e-4).lr_critic(4e-4).beta1(0.0).beta2(0.9).critic_steps(1).r1_weight(1.0).ema_decay(0.999);
    case ModelKind::gan:
      return o.lr(2e-4).lr_critic(2e-4).beta1(0.5).beta2(0.999).critic_steps(1);
  }
  return o;
}

// Measured on mnist, 2 cores (BENCHMARKS.md): AE/VAE 20 epochs in 6-7.5 minutes (18.4 / 18.3 dB);
// wgan-gp 50 epochs (1,250 generator steps) in 17.8 minutes, the most that fits the 20.
// gan-hinge and gan train slower per image and are given the same 50 epochs, uncalibrated.
int64_t default_epochs(ModelKind kind) {
  switch (kind) {
    case ModelKind::ae:
    case ModelKind::vae:
      return 20;
    default:
      return 50;
  }
}

int64_t default_latent_dim(const std::string& dataset) { return dataset.rfind("shapes", 0) == 0 ? 10 : 8; }

namespace {

std::vector<torch::Tensor> parameters_of(const std::vector<torch::nn::Sequential>& modules) {
  std::vector<torch::Tensor> out;
  for (const auto& m : modules)
    if (m)
      for (auto& p : m->parameters()) out.push_back(p);
  return out;
}

std::unique_ptr<torch::optim::Adam> adam(const std::vector<torch::Tensor>& params, double lr, double b1,
                                         double b2) {
  return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(lr).betas({b1, b2}));
}

std::string save_optimizer(torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

void load_optimizer(torch::optim::Optimizer& optimizer, const std::string& bytes, torch::Device device) {
  torch::serialize::InputArchive archive;
  std::istringstream in(bytes);
  archive.load_from(in, device);
  optimizer.load(archive);
}

}  // namespace

Trainer::Trainer(GenerativeModelPtr model, TrainOptions options)
    : model_(std::move(model)), options_(options) {
  require(options_.batch_size() >= 1, "batch size must be positive");
  require(options_.epochs() >= 1, "epochs must be positive");
  require(options_.critic_steps() >= 1, "critic steps must be positive");
  model_->train();
  model_->set_trainable(true);
  if (has_encoder(model_->kind())) {
    optimizer_ = adam(parameters_of({model_->encoder, model_->decoder}), options_.lr(), options_.beta1(),
                      options_.beta2());
  } else {
    optimizer_ = adam(parameters_of({model_->decoder}), options_.lr(), options_.beta1(), options_.beta2());
    critic_optimizer_ =
        adam(parameters_of({model_->critic}), options_.lr_critic(), options_.beta1(), options_.beta2());
  }
}

std::map<std::string, std::string> Trainer::optimizer_state() {
  std::map<std::string, std::string> state{{"generator", save_optimizer(*optimizer_)}};
  if (critic_optimizer_) state["critic"] = save_optimizer(*critic_optimizer_);
  return state;
}

void Trainer::load_optimizer_state(const std::map<std::string, std::string>& state) {
  auto it = state.find("generator");
  require(it != state.end(), "the checkpoint holds no optimiser state to resume from");
  load_optimizer(*optimizer_, it->second, model_->device());
  if (critic_optimizer_) {
    it = state.find("critic");
    require(it != state.end(), "the checkpoint holds no critic optimiser state to resume from");
    load_optimizer(*critic_optimizer_, it->second, model_->device());
  }
}

torch::Tensor Trainer::critic(const torch::Tensor& x) { return model_->critic->forward(x).flatten(); }

std::map<std::string, double> Trainer::autoencoder_step(const torch::Tensor& x, int64_t epoch) {
  optimizer_->zero_grad();
  std::map<std::string, double> terms;
  torch::Tensor loss;
  const bool vae = model_->kind() == ModelKind::vae;
  if (!vae || epoch < options_.pretrain_epochs()) {
    // AE, or the VAE's deterministic pre-training: decode the encoder (mean) output.
    const auto z = vae ? model_->encode_gaussian(x).first : model_->encoder->forward(x);
    loss = torch::mse_loss(model_->decoder->forward(z), x);
    terms["mse"] = loss.item<double>();
  } else {
    auto [mu, logvar] = model_->encode_gaussian(x);
    const auto z = mu + torch::exp(0.5 * logvar) * torch::randn_like(mu);  // reparameterisation
    const auto mse = torch::mse_loss(model_->decoder->forward(z), x);
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
  optimizer_->step();
  return terms;
}

std::map<std::string, double> Trainer::critic_step(const torch::Tensor& x) {
  const int64_t b = x.size(0);
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;
    fake = model_->decoder->forward(model_->sample_latent(b));
  }
  critic_optimizer_->zero_grad();
  const auto real_score = critic(x), fake_score = critic(fake);
  std::map<std::string, double> terms;
  torch::Tensor loss;
  auto critic_fn = [this](const torch::Tensor& in) { return critic(in); };
  switch (model_->kind()) {
    case ModelKind::wgan_gp: {
      // min_D E D(G(z)) - E D(x) + gp_weight E (||grad D(x_hat)|| - 1)^2
      const auto alpha = torch::rand({b, 1, 1, 1}, torch::kFloat32).to(x.device());
      const auto gp = gradient_penalty(critic_fn, x, fake, alpha);
      const auto wasserstein = real_score.mean() - fake_score.mean();
      loss = -wasserstein + options_.gp_weight() * gp;
      terms["wasserstein"] = wasserstein.item<double>();
      terms["gp"] = gp.item<double>();
      break;
    }
    case ModelKind::gan_hinge: {
      // min_D E relu(1 - D(x)) + E relu(1 + D(G(z))) + gamma/2 E ||grad D(x)||^2
      const auto hinge = torch::relu(1.0 - real_score).mean() + torch::relu(1.0 + fake_score).mean();
      loss = hinge;
      terms["hinge"] = hinge.item<double>();
      if (options_.r1_weight() > 0) {
        const auto r1 = r1_penalty(critic_fn, x);
        loss = loss + 0.5 * options_.r1_weight() * r1;
        terms["r1"] = r1.item<double>();
      }
      break;
    }
    default: {
      // min_D -E log sigmoid(D(x)) - E log(1 - sigmoid(D(G(z))))
      loss = torch::softplus(-real_score).mean() + torch::softplus(fake_score).mean();
      terms["bce"] = loss.item<double>();
      break;
    }
  }
  terms["critic"] = loss.item<double>();
  loss.backward();
  critic_optimizer_->step();
  return terms;
}

std::map<std::string, double> Trainer::generator_step(int64_t batch) {
  optimizer_->zero_grad();
  // Gradients for the generator only: the critic is held fixed for this step.
  for (auto& p : model_->critic->parameters()) p.set_requires_grad(false);
  const auto score = critic(model_->decoder->forward(model_->sample_latent(batch)));
  // wgan-gp and hinge: min_G -E D(G(z)); gan: the non-saturating -E log sigmoid(D(G(z))).
  const auto loss = model_->kind() == ModelKind::gan ? torch::softplus(-score).mean() : -score.mean();
  loss.backward();
  for (auto& p : model_->critic->parameters()) p.set_requires_grad(true);
  optimizer_->step();
  if (model_->ema) model_->update_ema(options_.ema_decay());
  return {{"generator", loss.item<double>()}};
}

std::map<std::string, double> Trainer::train_epoch(const torch::Tensor& images, int64_t epoch,
                                                   const ProgressCallback& progress) {
  require(images.dim() == 4 && images.size(1) == 1 && images.size(2) == model_->config().height &&
              images.size(3) == model_->config().width,
          "training images must have shape (N, 1, ", model_->config().height, ", ", model_->config().width,
          "), got ", images.sizes());
  model_->train();
  // Shuffling and every random draw of the epoch follow from (seed, epoch): resuming at an epoch
  // boundary repeats the uninterrupted run exactly.
  torch::manual_seed(options_.seed() * 1000003ULL + static_cast<uint64_t>(epoch) + 1);
  const int64_t n = images.size(0);
  const int64_t bs = std::min(options_.batch_size(), n);
  const int64_t steps = n / bs;  // the last partial batch is dropped: every step sees bs images
  const auto order = torch::randperm(n, torch::kLong).to(images.device());
  std::map<std::string, double> sums;
  std::map<std::string, int64_t> counts;
  const auto start = std::chrono::steady_clock::now();
  const bool gan = !has_encoder(model_->kind());
  for (int64_t s = 0; s < steps; ++s) {
    const auto step_start = std::chrono::steady_clock::now();
    const auto x = images.index_select(0, order.narrow(0, s * bs, bs));
    std::map<std::string, double> terms;
    if (gan) {
      terms = critic_step(x);
      if ((s + 1) % options_.critic_steps() == 0)
        for (const auto& [k, v] : generator_step(bs)) terms[k] = v;
    } else {
      terms = autoencoder_step(x, epoch);
    }
    for (const auto& [k, v] : terms) {
      require(std::isfinite(v), "training diverged: loss term '", k, "' is ", v, " at epoch ", epoch + 1,
              ", step ", s + 1, " (lower the learning rate)");
      sums[k] += v;
      counts[k] += 1;
    }
    const double step_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
    seconds_per_step_ =
        seconds_per_step_ == 0.0 ? step_seconds : 0.95 * seconds_per_step_ + 0.05 * step_seconds;
    if (progress) {
      StepReport r;
      r.epoch = epoch;
      r.epochs = options_.epochs();
      r.step = s + 1;
      r.steps_per_epoch = steps;
      r.losses = terms;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      r.images_per_second = elapsed > 0 ? static_cast<double>((s + 1) * bs) / elapsed : 0.0;
      r.eta_seconds =
          seconds_per_step_ * static_cast<double>((steps - s - 1) + (options_.epochs() - epoch - 1) * steps);
      progress(r);
    }
  }
  std::map<std::string, double> means;
  for (const auto& [k, v] : sums) means[k] = v / static_cast<double>(counts[k]);
  return means;
}

double reconstruction_psnr(GenerativeModel& model, const torch::Tensor& images) {
  require(model.has_encoder(), "a ", to_string(model.kind()), " model has no encoder to reconstruct with");
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double sum = 0.0;
  const int64_t n = images.size(0);
  for (int64_t i = 0; i < n; i += 256) {
    const auto x = images.narrow(0, i, std::min<int64_t>(256, n - i)).to(model.device());
    sum += psnr(model.decode(model.encode(x)), x).sum().item<double>();
  }
  model.train(was_training);
  return sum / static_cast<double>(n);
}

}  // namespace genreg
