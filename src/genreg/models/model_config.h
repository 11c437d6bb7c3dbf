#pragma once
// What a generative model is: its kind (the training objective), its architecture and its sizes.
// Stored in every checkpoint so that a model is rebuilt with no extra flags.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace genreg {

enum class ModelKind {
  ae,         // autoencoder, MSE
  vae,        // variational autoencoder, Gaussian encoder and decoder
  wgan_gp,    // Wasserstein GAN with gradient penalty (the paper's GAN)
  gan_hinge,  // hinge loss, spectral-norm critic, R1 penalty, EMA generator
  gan,        // original GAN, non-saturating generator loss
};

std::string to_string(ModelKind kind);
// "ae", "vae", "wgan-gp", "gan-hinge", "gan"; throws genreg::Error for anything else.
ModelKind parse_model_kind(const std::string& name);
bool has_encoder(ModelKind kind);
bool has_critic(ModelKind kind);

struct ModelConfig {
  ModelKind kind = ModelKind::vae;
  std::string arch = "paper";  // "paper" or "resnet"
  int64_t height = 28, width = 28;
  int64_t latent_dim = 8;
  int64_t channels = 32;  // base channel count; the architectures scale from it

  nlohmann::json to_json() const;
  static ModelConfig from_json(const nlohmann::json& json);
  // Throws genreg::Error for sizes an architecture cannot build.
  void validate() const;
};

std::vector<std::string> architecture_names();

}  // namespace genreg
