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
  require(!info.name.empty() && static_cast<bool>(info.make), "a model kind needs a name and a factory");
  require(!contains(info.name), "model kind '", info.name, "' is registered twice");
  kinds_.push_back(std::move(info));
}

bool ModelRegistry::contains(const std::string& name) const {
  return std::any_of(kinds_.begin(), kinds_.end(), [&](const ModelKindInfo& k) { return k.name == name; });
}

const ModelKindInfo& ModelRegistry::at(const std::string& name) const {
  for (const auto& k : kinds_)
    if (k.name == name) return k;
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  fail("unknown model kind '", name, "' (use ", known, ")");
}

std::vector<std::string> ModelRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& k : kinds_) out.push_back(k.name);
  std::sort(out.begin(), out.end());
  return out;
}

ModelPtr make_model(const nlohmann::json& description) {
  require(description.is_object() && description.contains("kind") && description["kind"].is_string(),
          "a model description needs its \"kind\"");
  return ModelRegistry::instance().at(description["kind"].get<std::string>()).make(description);
}

}  // namespace genreg
