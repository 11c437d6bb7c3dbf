#pragma once
// What a generative model is: its kind (the training objective), its architecture and its sizes.
// Stored in every checkpoint so that a model is rebuilt with no extra flags.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace genreg {

// The kinds a GenerativeModel is built as (generative_model.cpp registers them): ae, vae, wgan-gp,
// gan-hinge, gan.
std::vector<std::string> generative_model_kinds();

struct ModelConfig {
  std::string kind = "vae";    // one of generative_model_kinds()
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
