#include "genreg/models/conditional_generator.h"

#include <ATen/CPUGeneratorImpl.h>

#include "genreg/core/error.h"
#include "genreg/core/runtime.h"

namespace genreg {

torch::Tensor sample_conditional(ConditionalGenerator& model, const torch::Tensor& conditions,
                                 int64_t samples, const GenerationOptions& options, uint64_t seed,
                                 int64_t batch) {
  require(conditions.defined() && conditions.dim() == 4 && conditions.size(1) == 1,
          "conditions must have shape (B, 1, H, W), got ",
          conditions.defined() ? conditions.sizes() : c10::IntArrayRef{});
  require(samples >= 1, "samples per condition must be at least 1, got ", samples);
  torch::NoGradGuard no_grad;
  const auto latent = model.latent_shape();
  const int64_t k = latent.empty() ? 1 : samples;
  const int64_t b = conditions.size(0), h = conditions.size(2), w = conditions.size(3);
  const int64_t n = b * k;
  const int64_t chunk = batch > 0 ? batch : default_batch_rows(h * w, conditions.device());
  // Row i of the flat batch is sample i % k of condition i / k.
  const auto repeated = conditions.repeat_interleave(k, 0);
  torch::Tensor z;
  if (!latent.empty()) {
    auto generator = at::detail::createCPUGenerator(seed);
    std::vector<int64_t> shape{n};
    shape.insert(shape.end(), latent.begin(), latent.end());
    z = torch::randn(shape, generator, torch::kFloat32);
  }
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t len = std::min(chunk, n - i);
    parts.push_back(
        model.generate(z.defined() ? z.narrow(0, i, len) : z, repeated.narrow(0, i, len), options));
  }
  return torch::cat(parts, 0).view({b, k, 1, h, w});
}

}  // namespace genreg
