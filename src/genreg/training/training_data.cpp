#include "genreg/training/training_data.h"

#include <ATen/CPUGeneratorImpl.h>

#include "genreg/core/error.h"
#include "genreg/operators/make_operator.h"

namespace genreg {
namespace {

void check_images(const torch::Tensor& images) {
  require(images.defined() && images.dim() == 4 && images.size(1) == 1 && images.size(0) >= 1,
          "training images must have shape (N, 1, H, W) with N >= 1, got ",
          images.defined() ? images.sizes() : c10::IntArrayRef{});
}

}  // namespace

TrainingData::TrainingData(torch::Tensor images) : images_(std::move(images)) { check_images(images_); }

TrainingData::TrainingData(torch::Tensor images, const SimulatedAcquisition& acquisition, uint64_t seed)
    : images_(std::move(images)), acquisition_(acquisition), seed_(seed) {
  check_images(images_);
  operator_ = make_operator(acquisition.operator_spec, images_.size(2), images_.size(3));
  acquisition_->operator_spec = operator_->spec();  // the canonical spec, seeds included
}

TrainingBatch TrainingData::batch(const torch::Tensor& indices, int64_t epoch) const {
  TrainingBatch b;
  b.indices = indices.to(torch::kCPU, torch::kLong).contiguous();
  b.x = images_.index_select(0, indices.to(images_.device(), torch::kLong));
  if (!operator_) return b;
  const auto clean = operator_->apply(b.x);
  std::vector<torch::Tensor> noisy;
  noisy.reserve(static_cast<size_t>(b.indices.size(0)));
  const auto* idx = b.indices.data_ptr<int64_t>();
  for (int64_t i = 0; i < b.indices.size(0); ++i) {
    const uint64_t stream =
        mix_bits(mix_bits(seed_ ^ mix_bits(static_cast<uint64_t>(epoch))) + static_cast<uint64_t>(idx[i]));
    noisy.push_back(add_noise(clean.narrow(0, i, 1), acquisition_->noise, stream));
  }
  b.y = torch::cat(noisy, 0);
  b.condition = operator_->adjoint(b.y);
  b.op = operator_;
  b.sigma = acquisition_->noise.kind == NoiseModel::Kind::gaussian ? acquisition_->noise.sigma : 0.0;
  return b;
}

TrainingData TrainingData::to(torch::Device device) const {
  TrainingData out = *this;
  out.images_ = images_.to(device);
  return out;
}

TrainingData TrainingData::head(int64_t n) const {
  TrainingData out = *this;
  out.images_ = images_.narrow(0, 0, std::min<int64_t>(n, size()));
  return out;
}

}  // namespace genreg
