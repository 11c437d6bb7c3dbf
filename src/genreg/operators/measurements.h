#pragma once
// A measurement file holds everything a reconstruction needs: y, the operator (spec and image
// size, from which it is rebuilt exactly), the noise model and level, the seed, and, for simulated
// data, the ground truth with the dataset it came from. Stored as a torch pickle of a dict, so
// Python reads it with torch.load.
#include <torch/torch.h>

#include <string>

#include "genreg/data/dataset.h"
#include "genreg/operators/linear_operator.h"
#include "genreg/operators/noise.h"

namespace genreg {

struct Measurements {
  torch::Tensor y;        // (N, *range_shape)
  torch::Tensor x_true;   // (N, 1, H, W), undefined when unknown
  torch::Tensor indices;  // (N,) positions of the images in their dataset split
  std::string operator_spec;
  int64_t height = 0, width = 0;
  NoiseModel noise;
  double sigma = 0.0;  // standard deviation of the noise used in the data fidelity
  uint64_t seed = 0;
  std::string dataset, split;

  int64_t size() const { return y.size(0); }
  bool has_truth() const { return x_true.defined(); }
  OperatorPtr make_op() const;
  // The data term's weights for measurements y of this file (noise_weights), undefined if none.
  torch::Tensor weights(const torch::Tensor& y) const { return noise_weights(noise, y); }
  // The subset of images at positions `index` (int64) of this file.
  Measurements select(const torch::Tensor& index) const;
};

// y = A x_true + noise, with the noise drawn from `seed`. For Poisson noise, sigma is set to the
// root-mean-square noise level sqrt(mean(A x) / peak), the Gaussian level that matches it; for CT
// photon noise to 1 (its weighted data term whitens it) and only physical CT operators take it.
Measurements simulate_measurements(const Dataset& data, const std::string& operator_spec,
                                   const NoiseModel& noise, uint64_t seed);

void save_measurements(const std::string& path, const Measurements& m);
// Throws genreg::Error for a file that is not a genreg measurement file or whose parts disagree
// (measurements that do not fit the operator, truth of another size, NaN).
Measurements load_measurements(const std::string& path);

}  // namespace genreg
