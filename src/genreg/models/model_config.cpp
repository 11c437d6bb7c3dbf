#include "genreg/models/model_config.h"

#include <algorithm>

#include "genreg/core/error.h"

namespace genreg {

std::vector<std::string> architecture_names() { return {"paper", "resnet"}; }

nlohmann::json ModelConfig::to_json() const {
  return {
      {"kind", kind},        {"arch", arch}, {"height", height}, {"width", width}, {"latent_dim", latent_dim},
      {"channels", channels}};
}

ModelConfig ModelConfig::from_json(const nlohmann::json& json) {
  ModelConfig c;
  try {
    c.kind = json.at("kind").get<std::string>();
    c.arch = json.at("arch").get<std::string>();
    c.height = json.at("height").get<int64_t>();
    c.width = json.at("width").get<int64_t>();
    c.latent_dim = json.at("latent_dim").get<int64_t>();
    c.channels = json.at("channels").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail("model description is incomplete: ", e.what());
  }
  c.validate();
  return c;
}

void ModelConfig::validate() const {
  const auto kinds = generative_model_kinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    std::string known;
    for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k;
    fail("unknown generative model kind '", kind, "' (use ", known, ")");
  }
  require(arch == "paper" || arch == "resnet", "unknown architecture '", arch, "' (use paper or resnet)");
  require(latent_dim >= 1 && latent_dim <= 4096, "latent dimension must be in 1..4096, got ", latent_dim);
  require(channels >= 4 && channels <= 1024, "channel count must be in 4..1024, got ", channels);
  require(height >= 8 && width >= 8, "images of ", height, "x", width,
          " are too small for a model (8x8 at least)");
  if (arch == "paper")
    require(height % 4 == 0 && width % 4 == 0,
            "the paper architecture needs image sides divisible by 4, got ", height, "x", width,
            " (resize with --size)");
  if (arch == "resnet")
    require(height % 4 == 0 && width % 4 == 0,
            "the resnet architecture needs image sides divisible by 4, got ", height, "x", width,
            " (resize with --size)");
}

}  // namespace genreg
