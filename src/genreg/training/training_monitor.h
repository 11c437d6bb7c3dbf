#pragma once
// What a training run shows of a model after every epoch, by role: its metrics on test data (for a
// generator with an encoder the encode-decode PSNR) and its figures (for a generator, samples from
// fixed latent vectors and test reconstructions). A kind's recipe (training_step.h) names its
// monitor, so that run_training draws every kind's figures without knowing the kind.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "genreg/models/model.h"
#include "genreg/training/train_options.h"
#include "genreg/training/training_data.h"

namespace genreg {

struct Figure {
  std::string file;     // relative to the run's folder
  std::string caption;  // for report.html
};

class TrainingMonitor {
 public:
  virtual ~TrainingMonitor() = default;
  // Metrics of the model on the test data after an epoch, by name ("test_psnr"); may be empty.
  virtual std::map<std::string, double> evaluate(Model& model) = 0;
  // Writes the epoch's figures into `dir` and returns them (the latest under fixed names, so that a
  // report links them; per-epoch copies as the kind sees fit).
  virtual std::vector<Figure> write_figures(Model& model, const std::string& dir, int64_t epoch) = 0;
};

// Built after the model and its training step, from the run's options and its test data.
using MakeTrainingMonitor = std::function<std::unique_ptr<TrainingMonitor>(
    Model& model, const TrainOptions& options, const TrainingData& test, int64_t sample_count)>;

}  // namespace genreg
