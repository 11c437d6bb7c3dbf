#include "genreg/training/training_step.h"

#include <sstream>

#include "genreg/core/error.h"

namespace genreg {

TrainingRecipes& TrainingRecipes::instance() {
  static TrainingRecipes recipes;
  return recipes;
}

void TrainingRecipes::add(TrainingRecipe recipe) {
  require(!recipe.kind.empty() && static_cast<bool>(recipe.make_step),
          "a training recipe needs a kind and a step");
  for (const auto& r : recipes_)
    require(r.kind != recipe.kind, "training recipe '", recipe.kind, "' registered twice");
  recipes_.push_back(std::move(recipe));
}

const TrainingRecipe& TrainingRecipes::at(const std::string& kind) const {
  for (const auto& r : recipes_)
    if (r.kind == kind) return r;
  std::string known;
  for (const auto& r : recipes_) known += (known.empty() ? "" : ", ") + r.kind;
  fail("no training recipe for model kind '", kind, "' (trainable kinds: ", known, ")");
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

const std::string& optimizer_entry(const std::map<std::string, std::string>& state, const std::string& name) {
  const auto it = state.find(name);
  require(it != state.end(), "the checkpoint holds no ", name, " optimiser state to resume from");
  return it->second;
}

}  // namespace genreg
