#pragma once
// What a model kind brings to training: its optimisers and one optimisation step on a batch
// (its loss), its recipe (default options and epochs, the data it needs, a data-dependent
// initialisation) and the monitor that evaluates it and draws its figures after every epoch
// (training_monitor.h). The Trainer (trainer.h) and run_training (training_run.h) run any kind and
// never ask which kind they train. A kind registers its recipe from its own file, by the name its
// model kind is registered under (models/model_registry.h):
//
//   GENREG_REGISTER_TRAINING(vae, TrainingRecipe{"vae", TrainOptions().lr(1e-3)..., 20, make_step,
//                                                make_generator_monitor});
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "genreg/core/named_registry.h"
#include "genreg/distributed/gradient_averaging.h"
#include "genreg/models/model.h"
#include "genreg/training/train_options.h"
#include "genreg/training/training_data.h"
#include "genreg/training/training_monitor.h"

namespace genreg {

class TrainingStep {
 public:
  virtual ~TrainingStep() = default;
  // One step on a batch (its images, and its measurements where the recipe asks for pairs) at
  // step `step` (0-based) of epoch `epoch` (0-based); returns the loss terms, each finite.
  virtual std::map<std::string, double> step(const TrainingBatch& batch, int64_t step, int64_t epoch) = 0;
  // Optimiser state by name, as bytes, for checkpoints; and back.
  virtual std::map<std::string, std::string> optimizer_state() = 0;
  virtual void load_optimizer_state(const std::map<std::string, std::string>& state) = 0;

  // Data-parallel training (trainer.h): the averager that synchronises the ranks' gradients before
  // every optimiser step, and this rank's share B_r / B of the global batch.
  void set_data_parallel(std::shared_ptr<GradientAverager> averager, double share) {
    averager_ = std::move(averager);
    share_ = share;
  }

 protected:
  // One step of `optimizer`. In a data-parallel run its gradients are first replaced by the
  // ranks' weighted sum (distributed/gradient_averaging.h), so every kind's step calls this in
  // place of optimizer.step().
  void apply(torch::optim::Optimizer& optimizer);

 private:
  std::shared_ptr<GradientAverager> averager_;
  double share_ = 1.0;
};

struct TrainingRecipe {
  std::string kind;
  // The default options of the kind (learning rates, betas, loss weights, epochs).
  TrainOptions defaults;
  // Epochs of the default recipe.
  int64_t epochs = 0;
  std::function<std::unique_ptr<TrainingStep>(Model& model, const TrainOptions& options)> make_step;
  // Evaluation and figures after every epoch.
  MakeTrainingMonitor make_monitor;
  // True for kinds trained on (image, measurement) pairs (conditional models): training then needs
  // an acquisition (operator and noise), which the checkpoint records.
  bool needs_measurements = false;
  // Optional: sets up an untrained model from its training data before the first step.
  std::function<void(Model& model, const TrainingData& train)> initialise;
};

class TrainingRecipes : public NamedRegistry<TrainingRecipe, &TrainingRecipe::kind> {
 public:
  static TrainingRecipes& instance();
  // Throws genreg::Error for a recipe without a step or a monitor, or a kind given twice.
  void add(TrainingRecipe recipe);

 private:
  TrainingRecipes() : NamedRegistry("trainable model kind") {}
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
