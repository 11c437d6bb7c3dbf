#pragma once
// A whole training run of any model kind as `genreg train` performs it: epochs of Trainer, and
// after every epoch an atomically written checkpoint, the loss history (JSON and plot) and the
// figures and test metrics of the kind's monitor (training_monitor.h: for generators, samples from
// fixed latent vectors and test reconstructions), report.html and results.json. A run started with `resume`
// continues from the checkpoint's last finished epoch.
//
// With a process group (run.group, distributed/process_group.h) the run is data-parallel: every
// rank calls run_training with the same arguments, trains on its shards of every batch
// (trainer.h), and rank 0 alone evaluates, draws and writes the checkpoint, history and report;
// every rank resumes from that checkpoint.
#include <torch/torch.h>

#include <iosfwd>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "genreg/distributed/process_group.h"
#include "genreg/models/model_config.h"
#include "genreg/training/trainer.h"

namespace genreg {

struct TrainingRunOptions {
  std::string checkpoint;  // the .pt file written after every epoch
  std::string log_dir;     // history.json, losses.png, samples.png, reconstructions.png
  bool resume = false;     // continue from `checkpoint` when it exists
  std::string dataset;     // recorded in the checkpoint
  int64_t sample_count = 64;
  int64_t log_every = 0;       // steps between progress lines when not on a terminal; 0: 5 per epoch
  bool terminal = false;       // rewrite one progress line per step
  int64_t max_epochs_now = 0;  // stop after this many epochs in this process (0: no limit)
  ProcessGroupPtr group;       // data-parallel ranks (null: one process)
};

struct TrainingRunSummary {
  int64_t first_epoch = 0;  // 0-based epoch this process started at
  int64_t epochs_done = 0;  // epochs finished in total
  double seconds = 0.0;     // in this process
  double images_per_second = 0.0;
  std::map<std::string, double> test_metrics;  // the monitor's, after the last epoch ("test_psnr")
  std::vector<Figure> figures;                 // the monitor's latest, in log_dir
  nlohmann::json history;
  nlohmann::json document;  // what log_dir/results.json holds (io/results_file.h)
};

// Trains the model of `description` (a kind's describe(), "kind" included; models/model_registry.h)
// on `train`: images alone, or simulated pairs for kinds whose recipe needs them.
TrainingRunSummary run_training(const nlohmann::json& description, const TrainOptions& options,
                                const TrainingData& train, const TrainingData& test,
                                const TrainingRunOptions& run, torch::Device device, std::ostream& log);
// A generator from its config, on images.
TrainingRunSummary run_training(const ModelConfig& config, const TrainOptions& options,
                                const torch::Tensor& train, const torch::Tensor& test,
                                const TrainingRunOptions& run, torch::Device device, std::ostream& log);

// "1h02m", "3m05s", "12s"
std::string format_duration(double seconds);

}  // namespace genreg
