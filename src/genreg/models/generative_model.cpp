#include "genreg/models/generative_model.h"

#include <algorithm>
#include <cmath>

#include "genreg/core/error.h"
#include "genreg/models/architecture.h"
#include "genreg/models/layers.h"
#include "genreg/models/model_registry.h"

namespace genreg {

void check_generator_size(const Generator& generator, int64_t height, int64_t width,
                          const std::string& what) {
  const auto size = generator.image_size();
  require(size.size() == 2 && size[0] == height && size[1] == width, "the generator makes ", size[0], "x",
          size[1], " images but ", what, " are ", height, "x", width);
}

torch::Tensor decode_in_chunks(Generator& generator, const torch::Tensor& z, int64_t chunk) {
  require(chunk >= 1, "decode chunk must be positive");
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < z.size(0); i += chunk) {
    const auto part = z.narrow(0, i, std::min<int64_t>(chunk, z.size(0) - i)).to(generator.device());
    parts.push_back(generator.decode(part).to(torch::kCPU));
  }
  return torch::cat(parts);
}

namespace {

// The networks of each generative kind; its training recipe brings the losses
// (training/autoencoder_training.cpp, training/adversarial_training.cpp).
struct Structure {
  const char* kind;
  const char* summary;
  bool encoder, variational, critic, spectral_critic, ema;
};

const Structure kStructures[] = {
    {"ae", "autoencoder, MSE", true, false, false, false, false},
    {"vae", "variational autoencoder", true, true, false, false, false},
    {"wgan-gp", "Wasserstein GAN with gradient penalty (the paper's GAN)", false, false, true, false, false},
    {"gan-hinge", "hinge-loss GAN, spectral-norm critic, R1, EMA generator", false, false, true, true, true},
    {"gan", "GAN with the non-saturating loss", false, false, true, false, false},
};

const Structure& structure(const std::string& kind) {
  for (const auto& s : kStructures)
    if (kind == s.kind) return s;
  fail("unknown generative model kind '", kind, "'");
}

}  // namespace

std::vector<std::string> generative_model_kinds() {
  std::vector<std::string> kinds;
  for (const auto& s : kStructures) kinds.emplace_back(s.kind);
  return kinds;
}

bool GenerativeModel::variational() const { return structure(config_.kind).variational; }

GenerativeModel::GenerativeModel(const ModelConfig& config) : config_(config) {
  config_.validate();
  const auto& networks = structure(config_.kind);
  if (networks.encoder) {
    const int64_t outputs = networks.variational ? 2 * config_.latent_dim : config_.latent_dim;
    encoder = register_module("encoder", make_encoder(config_, outputs));
  }
  decoder = register_module("decoder", make_decoder(config_));
  if (networks.critic) critic = register_module("critic", make_critic(config_, networks.spectral_critic));
  if (networks.ema) {
    ema = register_module("ema", make_decoder(config_));
    start_moving_average(*ema, *decoder);
  }
}

torch::Tensor GenerativeModel::decode(const torch::Tensor& z) {
  require(z.dim() == 2 && z.size(1) == config_.latent_dim, "latent vectors must have shape (B, ",
          config_.latent_dim, "), got ", z.sizes());
  const auto zz = z.to(device_, torch::kFloat32);
  return ema ? ema->forward(zz) : decoder->forward(zz);
}

void GenerativeModel::check_images_input(const torch::Tensor& x) const {
  require(x.dim() == 4 && x.size(1) == 1 && x.size(2) == config_.height && x.size(3) == config_.width,
          "the model takes images of shape (B, 1, ", config_.height, ", ", config_.width, "), got ",
          x.sizes());
}

torch::Tensor GenerativeModel::encode(const torch::Tensor& x) {
  require(static_cast<bool>(encoder), "a ", config_.kind, " model has no encoder");
  check_images_input(x);
  auto out = encoder->forward(x.to(device_, torch::kFloat32));
  return variational() ? out.narrow(1, 0, config_.latent_dim) : out;
}

std::pair<torch::Tensor, torch::Tensor> GenerativeModel::encode_gaussian(const torch::Tensor& x) {
  require(variational(), "only a vae has a Gaussian encoder");
  check_images_input(x);
  auto out = encoder->forward(x.to(device_, torch::kFloat32));
  return {out.narrow(1, 0, config_.latent_dim), out.narrow(1, config_.latent_dim, config_.latent_dim)};
}

void GenerativeModel::move_to(torch::Device device) {
  to(device);
  device_ = device;
}

void GenerativeModel::set_trainable(bool trainable) {
  for (auto& p : parameters()) p.set_requires_grad(trainable);
  if (ema)
    for (auto& p : ema->parameters()) p.set_requires_grad(false);
}

void GenerativeModel::update_ema(double decay) {
  require(static_cast<bool>(ema), "this model keeps no moving average");
  update_moving_average(*ema, *decoder, decay);
}

namespace {

void set_last_conv_bias(const torch::nn::Sequential& net, double value) {
  const auto children = net->children();
  for (auto it = children.rbegin(); it != children.rend(); ++it) {
    if (auto* conv = (*it)->as<torch::nn::Conv2dImpl>()) {
      torch::NoGradGuard no_grad;
      conv->bias.fill_(value);
      return;
    }
  }
  fail("the decoder has no output convolution");
}

}  // namespace

void GenerativeModel::set_output_intensity(double mean) {
  require(std::isfinite(mean) && mean > 0.0 && mean < 1.0,
          "the mean output intensity must lie strictly between 0 and 1, got ", mean);
  const double clamped = std::clamp(mean, 1e-3, 1.0 - 1e-3);
  const double logit = std::log(clamped / (1.0 - clamped));
  set_last_conv_bias(decoder, logit);
  if (ema) set_last_conv_bias(ema, logit);
}

namespace {

ModelPtr make_generative_model(const nlohmann::json& description) {
  return std::make_shared<GenerativeModel>(ModelConfig::from_json(description));
}

}  // namespace

// Every generative kind, registered by its name (models/model_registry.h).
static const bool genreg_generative_kinds_registered [[maybe_unused]] = [] {
  for (const auto& s : kStructures)
    ModelRegistry::instance().add(
        ModelKindInfo{s.kind, ModelRole::generator, s.summary, make_generative_model});
  return true;
}();

}  // namespace genreg
