#pragma once
// What a model kind brings to training: its optimisers and one optimisation step on a batch
// (its loss), and its recipe (default options and epochs). The Trainer (trainer.h) runs epochs of
// steps for any kind and never asks which kind it trains. A kind registers its recipe from its own
// file, by the name its model kind is registered under (models/model_registry.h):
//
//   GENREG_REGISTER_TRAINING(vae, TrainingRecipe{"vae", TrainOptions().lr(1e-3)..., make_step});
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "genreg/models/model.h"
#include "genreg/training/train_options.h"

namespace genreg {

class TrainingStep {
 public:
  virtual ~TrainingStep() = default;
  // One step on the batch x (B, 1, H, W) at step `step` (0-based) of epoch `epoch` (0-based);
  // returns the loss terms, each finite.
  virtual std::map<std::string, double> step(const torch::Tensor& x, int64_t step, int64_t epoch) = 0;
  // Optimiser state by name, as bytes, for checkpoints; and back.
  virtual std::map<std::string, std::string> optimizer_state() = 0;
  virtual void load_optimizer_state(const std::map<std::string, std::string>& state) = 0;
};

struct TrainingRecipe {
  std::string kind;
  // The default options of the kind (learning rates, betas, loss weights, epochs).
  TrainOptions defaults;
  // Epochs of the default recipe.
  int64_t epochs = 0;
  std::function<std::unique_ptr<TrainingStep>(Model& model, const TrainOptions& options)> make_step;
};

class TrainingRecipes {
 public:
  static TrainingRecipes& instance();
  void add(TrainingRecipe recipe);
  // Throws genreg::Error for a kind without a recipe.
  const TrainingRecipe& at(const std::string& kind) const;

 private:
  std::vector<TrainingRecipe> recipes_;
};

// Serialises a LibTorch optimiser's state to bytes and back (checkpoints).
std::string save_optimizer(torch::optim::Optimizer& optimizer);
void load_optimizer(torch::optim::Optimizer& optimizer, const std::string& bytes, torch::Device device);
// The state named `name` in `state`; throws genreg::Error naming it when missing.
const std::string& optimizer_entry(const std::map<std::string, std::string>& state, const std::string& name);

}  // namespace genreg

#define GENREG_REGISTER_TRAINING(id, ...)                              \
  static const bool genreg_training_registered_##id [[maybe_unused]] = \
      (::genreg::TrainingRecipes::instance().add(__VA_ARGS__), true)
