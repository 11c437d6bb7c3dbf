#include "genreg/distributed/gradient_averaging.h"

#include <chrono>

#include "genreg/core/error.h"

namespace genreg {

GradientAverager::GradientAverager(ProcessGroupPtr group, int64_t bucket_bytes)
    : group_(std::move(group)), bucket_bytes_(bucket_bytes) {
  require(static_cast<bool>(group_), "gradient averaging needs a process group");
  require(bucket_bytes_ > 0, "bucket size must be positive");
}

void GradientAverager::reduce(torch::Tensor& flat) {
  const auto start = std::chrono::steady_clock::now();
  group_->all_reduce_sum(flat);
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  all_reduces_ += 1;
  bytes_ += flat.numel() * static_cast<int64_t>(flat.element_size());
}

void GradientAverager::average(const std::vector<torch::Tensor>& parameters, double share) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  size_t i = 0;
  while (i < grads.size()) {
    // One bucket: consecutive gradients of one type and device, up to bucket_bytes (at least one).
    size_t j = i;
    int64_t bytes = 0;
    while (j < grads.size() && grads[j].scalar_type() == grads[i].scalar_type() &&
           grads[j].device() == grads[i].device() &&
           (j == i ||
            bytes + grads[j].numel() * static_cast<int64_t>(grads[j].element_size()) <= bucket_bytes_)) {
      bytes += grads[j].numel() * static_cast<int64_t>(grads[j].element_size());
      ++j;
    }
    std::vector<torch::Tensor> flat_parts;
    for (size_t k = i; k < j; ++k) flat_parts.push_back(grads[k].reshape({-1}));
    auto flat = torch::cat(flat_parts).mul_(share);
    reduce(flat);
    int64_t offset = 0;
    for (size_t k = i; k < j; ++k) {
      const int64_t n = grads[k].numel();
      grads[k].copy_(flat.narrow(0, offset, n).view_as(grads[k]));
      offset += n;
    }
    i = j;
  }
}

std::vector<double> GradientAverager::average_values(const std::vector<double>& values, double share) {
  if (values.empty()) return values;
  auto flat = torch::tensor(values, torch::kFloat64).mul_(share);
  reduce(flat);
  return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

void broadcast_module(ProcessGroup& group, torch::nn::Module& module, int root) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) group.broadcast(p, root);
  for (auto& b : module.buffers()) group.broadcast(b, root);
}

}  // namespace genreg
