#include "genreg/models/model_registry.h"

#include <algorithm>

#include "genreg/core/error.h"

namespace genreg {

std::string to_string(ModelRole role) {
  switch (role) {
    case ModelRole::generator:
      return "generator";
    case ModelRole::denoiser:
      return "denoiser";
    case ModelRole::noise_predictor:
      return "noise predictor";
    case ModelRole::conditional_generator:
      return "conditional generator";
  }
  return "?";
}

ModelRegistry& ModelRegistry::instance() {
  static ModelRegistry registry;
  return registry;
}

void ModelRegistry::add(ModelKindInfo info) {
  require(static_cast<bool>(info.make), "model kind '", info.name, "' needs a factory");
  NamedRegistry::add(std::move(info));
}

ModelPtr make_model(const nlohmann::json& description) {
  require(description.is_object() && description.contains("kind") && description["kind"].is_string(),
          "a model description needs its \"kind\"");
  return ModelRegistry::instance().at(description["kind"].get<std::string>()).make(description);
}

}  // namespace genreg
