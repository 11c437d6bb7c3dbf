#include "genreg/training/trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <tuple>

#include "genreg/core/error.h"
#include "genreg/training/losses.h"

namespace genreg {

TrainOptions default_train_options(const std::string& kind) {
  return TrainingRecipes::instance().at(kind).defaults;
}

int64_t default_epochs(const std::string& kind) { return TrainingRecipes::instance().at(kind).epochs; }

int64_t default_latent_dim(const std::string& dataset) { return dataset.rfind("shapes", 0) == 0 ? 10 : 8; }

Trainer::Trainer(ModelPtr model, TrainOptions options) : Trainer(model, options, nullptr) {}

Trainer::Trainer(ModelPtr model, TrainOptions options, std::unique_ptr<TrainingStep> step)
    : model_(std::move(model)), options_(options), step_(std::move(step)) {
  require(static_cast<bool>(model_), "no model to train");
  require(options_.batch_size() >= 1, "batch size must be positive");
  require(options_.epochs() >= 1, "epochs must be positive");
  require(options_.critic_steps() >= 1, "critic steps must be positive");
  model_->train();
  model_->set_trainable(true);
  if (!step_) step_ = TrainingRecipes::instance().at(model_->kind_name()).make_step(*model_, options_);
}

void Trainer::set_process_group(ProcessGroupPtr group) {
  if (!group || group->size() == 1) {
    averager_.reset();
    step_->set_data_parallel(nullptr, 1.0);
    return;
  }
  require(options_.batch_size() >= group->size(), "a batch of ", options_.batch_size(),
          " images cannot be shared by ", group->size(), " ranks: use a batch size of at least ",
          group->size());
  broadcast_module(*group, *model_);
  averager_ = std::make_shared<GradientAverager>(group);
}

std::map<std::string, double> Trainer::train_epoch(const torch::Tensor& images, int64_t epoch,
                                                   const ProgressCallback& progress) {
  return train_epoch(TrainingData(images), epoch, progress);
}

std::map<std::string, double> Trainer::train_epoch(const TrainingData& data, int64_t epoch,
                                                   const ProgressCallback& progress) {
  const auto size = model_->image_size();
  const auto& images = data.images();
  require(images.size(2) == size[0] && images.size(3) == size[1], "training images must have shape (N, 1, ",
          size[0], ", ", size[1], "), got ", images.sizes());
  model_->train();
  // Shuffling and every random draw of the epoch follow from (seed, epoch): resuming at an epoch
  // boundary repeats the uninterrupted run exactly. The order comes from its own generator (every
  // rank draws the same); the global one is seeded too, for steps given by a host program.
  const uint64_t epoch_seed = options_.seed() * 1000003ULL + static_cast<uint64_t>(epoch) + 1;
  torch::manual_seed(epoch_seed);
  auto shuffle = at::detail::createCPUGenerator(epoch_seed);
  const int64_t n = images.size(0);
  const int64_t bs = std::min(options_.batch_size(), n);
  const int64_t steps = n / bs;  // the last partial batch is dropped: every step sees bs images
  const auto order = torch::randperm(n, shuffle, torch::kLong).to(images.device());
  // This rank's rows of every global batch and its share of the batch (all of it in one process).
  int64_t first = 0, last = bs;
  if (averager_) {
    const auto& group = averager_->group();
    require(bs >= group->size(), "a batch of ", bs, " images cannot be shared by ", group->size(), " ranks");
    std::tie(first, last) = shard_rows(bs, group->rank(), group->size());
  }
  const double share = static_cast<double>(last - first) / static_cast<double>(bs);
  step_->set_data_parallel(averager_, share);
  std::map<std::string, double> sums;
  std::map<std::string, int64_t> counts;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    const auto step_start = std::chrono::steady_clock::now();
    auto batch = data.batch(order.narrow(0, s * bs + first, last - first), epoch);
    batch.draws = SampleDraws(options_.seed(), epoch, batch.indices);
    auto terms = step_->step(batch, s, epoch);
    ++steps_done_;
    if (averager_) {
      // The global batch's terms: the ranks' shard means weighted by their shares (the keys and
      // their order are the same on every rank: the same code ran).
      std::vector<double> values;
      for (const auto& [k, v] : terms) values.push_back(v);
      values = averager_->average_values(values, share);
      size_t i = 0;
      for (auto& [k, v] : terms) v = values[i++];
    }
    for (const auto& [k, v] : terms) {
      require(std::isfinite(v), "training diverged: loss term '", k, "' is ", v, " at epoch ", epoch + 1,
              ", step ", s + 1, " (lower the learning rate)");
      sums[k] += v;
      counts[k] += 1;
    }
    const double step_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
    seconds_per_step_ =
        seconds_per_step_ == 0.0 ? step_seconds : 0.95 * seconds_per_step_ + 0.05 * step_seconds;
    if (progress) {
      StepReport r;
      r.epoch = epoch;
      r.epochs = options_.epochs();
      r.step = s + 1;
      r.steps_per_epoch = steps;
      r.losses = terms;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      r.images_per_second = elapsed > 0 ? static_cast<double>((s + 1) * bs) / elapsed : 0.0;
      r.eta_seconds =
          seconds_per_step_ * static_cast<double>((steps - s - 1) + (options_.epochs() - epoch - 1) * steps);
      progress(r);
    }
  }
  std::map<std::string, double> means;
  for (const auto& [k, v] : sums) means[k] = v / static_cast<double>(counts[k]);
  return means;
}

}  // namespace genreg
