#include "genreg/pipeline/latent_projection.h"

#include <algorithm>
#include <tuple>

#include "genreg/core/error.h"
#include "genreg/functionals/data_fidelity.h"
#include "genreg/operators/identity.h"
#include "genreg/solvers/generative_reconstructor.h"

namespace genreg {

Projection project_onto_range(const GeneratorPtr& generator, const torch::Tensor& x,
                              const ProjectionOptions& options, const ProjectionProgress& progress) {
  require(static_cast<bool>(generator), "no generator given");
  require(x.dim() == 4 && x.size(1) == 1 && x.size(0) >= 1, "projection needs (N, 1, H, W) images");
  check_generator_size(*generator, x.size(2), x.size(3), "the images to project");
  require(options.iterations() >= 1, "projection iterations must be at least 1");
  require(options.restarts() >= 0, "projection restarts must not be negative");
  require(options.max_samples() >= 1, "projection batch must be positive");
  const int64_t restarts = options.restarts() > 0 ? options.restarts() : (generator->has_encoder() ? 1 : 4);
  // ||G(z) - x||^2 / 2 is the data fidelity of the identity operator with sigma = 1; the hard
  // constraint with lambda = 0 and no latent prior is then exactly the projection.
  const auto identity = std::make_shared<Identity>(x.size(2), x.size(3));
  const GenerativeReconstructor hard(std::make_shared<HardConstraint>(), generator,
                                     GenerativeOptions()
                                         .restarts(restarts)
                                         .prior("none")
                                         .iterations(options.iterations())
                                         .seed(options.seed())
                                         .encoder_start(true));
  // In a process group each rank projects its share [first, last) of the images; the starts are
  // the same latent draws for every image, so each image's projection is the one-process one.
  const auto& group = options.group();
  const bool sharded = splits_rows(group, x.size(0));
  int64_t first = 0, last = x.size(0);
  if (sharded) std::tie(first, last) = shard_rows(x.size(0), group->rank(), group->size());
  const int64_t n = last, chunk = std::max<int64_t>(1, options.max_samples() / restarts);
  std::vector<torch::Tensor> zs, images, residuals;
  for (int64_t start = first; start < n; start += chunk) {
    const int64_t count = std::min(chunk, n - start);
    const auto y = x.narrow(0, start, count).to(generator->device(), torch::kFloat32);
    const DataFidelity data(identity, y, 1.0);
    IterationCallback callback;
    if (progress)
      callback = [&](int64_t k, const torch::Tensor&, const torch::Tensor&) {
        progress(start + count * std::min(1.0, static_cast<double>(k) / options.iterations()), n);
        return true;
      };
    const auto result = hard.reconstruct(data, torch::zeros({count}, torch::kFloat64), nullptr, callback);
    torch::NoGradGuard no_grad;
    zs.push_back(result.z.detach().to(torch::kCPU));
    images.push_back(result.gz.detach().to(torch::kCPU));
    residuals.push_back((result.gz.detach() - y).pow(2).flatten(1).sum(1).to(torch::kCPU, torch::kFloat64));
    if (progress) progress(static_cast<double>(start + count), n);
  }
  Projection out;
  out.z = torch::cat(zs);
  out.images = torch::cat(images);
  out.residual = torch::cat(residuals);
  if (sharded) {
    out.z = group->all_gather_rows(out.z);
    out.images = group->all_gather_rows(out.images);
    out.residual = group->all_gather_rows(out.residual);
  }
  out.restarts = restarts;
  return out;
}

}  // namespace genreg
