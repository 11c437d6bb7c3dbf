#pragma once
// What a model is trained on: images alone (generators, and later denoisers and noise predictors,
// which corrupt their images themselves), or pairs (x, y = A x + e) simulated on the fly from an
// operator and a noise model for the conditional kinds, which learn p(x | y) for one acquisition.
//
// The noise of a pair is drawn afresh every epoch from (seed, epoch, the image's index in the
// dataset) alone, so that a pair does not depend on the batch it lands in, on the batch size or on
// how many processes share the data: a resumed or sharded run sees exactly the same pairs.
#include <torch/torch.h>

#include <optional>
#include <string>

#include "genreg/operators/linear_operator.h"
#include "genreg/operators/noise.h"
#include "genreg/training/sample_draws.h"

namespace genreg {

struct TrainingBatch {
  torch::Tensor x;        // clean images (B, 1, H, W)
  torch::Tensor indices;  // their indices in the dataset (B), int64, on the CPU
  // The samples' own random draws (sample_draws.h), set by the trainer from (seed, epoch, indices).
  SampleDraws draws;
  // Only when the data simulates measurements:
  torch::Tensor y;          // A x + e, (B, *A.range_shape())
  torch::Tensor condition;  // what a conditional network sees of y: the back-projection A^T y (B, 1, H, W)
  OperatorPtr op;           // the operator of y
  double sigma = 0.0;       // its Gaussian noise level (0 for Poisson noise)

  bool has_measurements() const { return y.defined(); }
};

// The acquisition that training pairs simulate, recorded in checkpoints: a model trained on one
// acquisition knows which one.
struct SimulatedAcquisition {
  std::string operator_spec;  // make_operator's spec, e.g. "cs:150,seed=0"
  NoiseModel noise;
};

class TrainingData {
 public:
  // Images alone: (N, 1, H, W).
  explicit TrainingData(torch::Tensor images);
  // Pairs (x, A x + e) with A = make_operator(acquisition.operator_spec, H, W).
  TrainingData(torch::Tensor images, const SimulatedAcquisition& acquisition, uint64_t seed);

  int64_t size() const { return images_.size(0); }
  const torch::Tensor& images() const { return images_; }
  bool simulates_measurements() const { return static_cast<bool>(operator_); }
  const std::optional<SimulatedAcquisition>& acquisition() const { return acquisition_; }
  const OperatorPtr& forward_operator() const { return operator_; }

  // The images at `indices` (int64, any device) and, for pairs, their measurements of `epoch`.
  TrainingBatch batch(const torch::Tensor& indices, int64_t epoch) const;
  // The same data on another device (the images move; the operator follows its arguments).
  TrainingData to(torch::Device device) const;
  // The first n images (test figures).
  TrainingData head(int64_t n) const;

 private:
  torch::Tensor images_;
  std::optional<SimulatedAcquisition> acquisition_;
  OperatorPtr operator_;
  uint64_t seed_ = 0;
};

}  // namespace genreg
