#pragma once
// Training of any model kind: epochs of the kind's own TrainingStep (training_step.h) over batches
// of images reshuffled from (seed, epoch), so that a run resumed from an epoch checkpoint continues
// exactly as the uninterrupted run would. The trainer never asks which kind it trains.
//
// Data parallelism (set_process_group): every rank of a process group holds the whole model and
// the same shuffled order; rank r takes rows [r B / N, (r + 1) B / N) of each global batch of B
// images, its gradients are averaged with the others' before every optimiser step
// (distributed/gradient_averaging.h), and every random draw belongs to a sample
// (training/sample_draws.h), so N ranks compute the global batch's step of one process.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "genreg/distributed/gradient_averaging.h"
#include "genreg/models/model.h"
#include "genreg/training/train_options.h"
#include "genreg/training/training_data.h"
#include "genreg/training/training_monitor.h"
#include "genreg/training/training_step.h"

namespace genreg {

// The recipes (default options and epochs) come from each kind's registration
// (training_step.h): autoencoders in autoencoder_training.cpp, GANs in adversarial_training.cpp.
TrainOptions default_train_options(const std::string& kind);

// Epochs of a kind's default recipe.
int64_t default_epochs(const std::string& kind);

// The paper's latent dimensions: 10 for shapes (and shapes-plus), 8 otherwise (mnist).
int64_t default_latent_dim(const std::string& dataset);

struct StepReport {
  int64_t epoch = 0, epochs = 0;          // epoch is 0-based
  int64_t step = 0, steps_per_epoch = 0;  // step within the epoch, 1-based
  std::map<std::string, double> losses;   // this step's loss terms
  double images_per_second = 0.0;
  double eta_seconds = 0.0;  // until the last epoch ends
};

using ProgressCallback = std::function<void(const StepReport&)>;

class Trainer {
 public:
  // The kind's training step comes from its registered recipe.
  Trainer(ModelPtr model, TrainOptions options);
  // A step given by the caller (a host program's own loss on a genreg model).
  Trainer(ModelPtr model, TrainOptions options, std::unique_ptr<TrainingStep> step);

  // One pass over the data (images on the model's device); returns the mean of each loss term.
  std::map<std::string, double> train_epoch(const TrainingData& data, int64_t epoch,
                                            const ProgressCallback& progress = {});
  // Images alone (N, 1, H, W).
  std::map<std::string, double> train_epoch(const torch::Tensor& images, int64_t epoch,
                                            const ProgressCallback& progress = {});

  // Optimiser state by name, as bytes, for checkpoints.
  std::map<std::string, std::string> optimizer_state() { return step_->optimizer_state(); }
  void load_optimizer_state(const std::map<std::string, std::string>& state) {
    step_->load_optimizer_state(state);
  }

  const TrainOptions& options() const { return options_; }
  Model& model() { return *model_; }

  // Trains as one rank of `group` from now on: rank 0's weights are copied to every rank, then
  // each epoch runs on this rank's shards (above). The loss terms a step returns are the global
  // batch's. Call it on every rank, before the first epoch.
  void set_process_group(ProcessGroupPtr group);
  // The all-reduce statistics of a data-parallel run (null for one process).
  const GradientAverager* gradient_averager() const { return averager_.get(); }
  // Training steps this trainer has run (in this process).
  int64_t steps_done() const { return steps_done_; }

 private:
  ModelPtr model_;
  TrainOptions options_;
  std::unique_ptr<TrainingStep> step_;
  std::shared_ptr<GradientAverager> averager_;
  int64_t steps_done_ = 0;
  double seconds_per_step_ = 0.0;  // running average, for the ETA
};

}  // namespace genreg
