#include "genreg/training/training_step.h"

#include <sstream>

#include "genreg/core/error.h"

namespace genreg {

void TrainingStep::apply(torch::optim::Optimizer& optimizer) {
  if (averager_) {
    std::vector<torch::Tensor> parameters;
    for (const auto& group : optimizer.param_groups())
      for (const auto& p : group.params()) parameters.push_back(p);
    averager_->average(parameters, share_);
  }
  optimizer.step();
}

TrainingRecipes& TrainingRecipes::instance() {
  static TrainingRecipes recipes;
  return recipes;
}

void TrainingRecipes::add(TrainingRecipe recipe) {
  require(static_cast<bool>(recipe.make_step) && static_cast<bool>(recipe.make_monitor), "training recipe '",
          recipe.kind, "' needs a step and a monitor");
  NamedRegistry::add(std::move(recipe));
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
