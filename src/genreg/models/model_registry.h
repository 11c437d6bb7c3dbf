#pragma once
// Every model kind by name: its role and how to build it from the description in a checkpoint.
// A kind registers itself from its own file:
//
//   GENREG_REGISTER_MODEL_KIND(vae, ModelKindInfo{"vae", ModelRole::generator, "Gaussian VAE", make});
//
// Training recipes (training/training_recipe.h) are registered beside them, by the same name.
#include <functional>
#include <string>
#include <vector>

#include "genreg/core/named_registry.h"
#include "genreg/models/model.h"

namespace genreg {

struct ModelKindInfo {
  std::string name;
  ModelRole role = ModelRole::generator;
  std::string summary;
  // Builds an untrained model from a description (`describe()` of a model of this kind).
  std::function<ModelPtr(const nlohmann::json& description)> make;
};

class ModelRegistry : public NamedRegistry<ModelKindInfo, &ModelKindInfo::name> {
 public:
  static ModelRegistry& instance();
  // Throws genreg::Error for a kind without a factory, or a name taken.
  void add(ModelKindInfo info);

 private:
  ModelRegistry() : NamedRegistry("model kind") {}
};

// Builds an untrained model of the kind named in description["kind"].
ModelPtr make_model(const nlohmann::json& description);

}  // namespace genreg

#define GENREG_REGISTER_MODEL_KIND(id, ...)                              \
  static const bool genreg_model_kind_registered_##id [[maybe_unused]] = \
      (::genreg::ModelRegistry::instance().add(__VA_ARGS__), true)
