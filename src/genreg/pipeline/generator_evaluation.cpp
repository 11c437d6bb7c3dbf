#include "genreg/pipeline/generator_evaluation.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/eval/earth_movers.h"

namespace genreg {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// z ~ N(0, I) drawn on the CPU from its own seed, so that every device sees the same vectors.
torch::Tensor gaussian(int64_t n, int64_t d, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn({n, d}, gen, torch::TensorOptions().dtype(torch::kFloat32));
}

// Three test images for the interpolation: of three different classes where labels say so, else
// spread over the set.
std::vector<int64_t> interpolation_anchors(const torch::Tensor& labels, int64_t n) {
  std::vector<int64_t> anchors;
  if (labels.defined() && labels.numel() == n) {
    const auto l = labels.to(torch::kCPU, torch::kInt64).contiguous();
    const int64_t* p = l.data_ptr<int64_t>();
    std::set<int64_t> seen;
    for (int64_t i = 0; i < n && anchors.size() < 3; ++i)
      if (p[i] >= 0 && seen.insert(p[i]).second) anchors.push_back(i);
  }
  if (anchors.size() < 3) anchors = {0, n / 3, (2 * n) / 3};
  return anchors;
}

}  // namespace

double normalised_emd(double emd, const torch::Tensor& reference) {
  const double norm = reference.flatten(1).to(torch::kFloat64).pow(2).sum(1).mean().item<double>();
  require(norm > 0, "the EMD is normalised by the mean ||x||^2 of the test images, which is 0 here");
  return emd / norm;
}

double median_value(const torch::Tensor& values) {
  require(values.numel() >= 1, "median of no values");
  const auto sorted = std::get<0>(values.flatten().to(torch::kFloat64).sort());
  const int64_t n = sorted.numel();
  return n % 2 ? sorted[n / 2].item<double>()
               : 0.5 * (sorted[n / 2 - 1].item<double>() + sorted[n / 2].item<double>());
}

torch::Tensor decile_rows(const torch::Tensor& values) {
  const int64_t n = values.numel();
  require(n >= 1, "deciles of no values");
  const auto order = std::get<1>(values.flatten().to(torch::kFloat64).sort());
  std::vector<int64_t> rows;
  for (int q = 0; q <= 10; ++q)
    rows.push_back(order[static_cast<int64_t>(std::llround(q * (n - 1) / 10.0))].item<int64_t>());
  return torch::tensor(rows, torch::kInt64);
}

GeneratorEvaluation evaluate_generator(const GeneratorPtr& generator, const torch::Tensor& projection_images,
                                       const torch::Tensor& labels, const torch::Tensor& emd_images,
                                       const EvaluationOptions& options, const EvaluationLog& log) {
  require(static_cast<bool>(generator), "no generator given");
  require(options.interpolation_steps() >= 2, "interpolation needs at least 2 steps");
  require(options.far_samples() >= 1 && !options.far_scales().empty(), "far samples need scales and a count");
  require(projection_images.size(0) >= 3, "generator evaluation needs at least 3 test images");
  check_generator_size(*generator, emd_images.size(2), emd_images.size(3), "the EMD test images");
  const int64_t d = generator->latent_dim();
  GeneratorEvaluation out;

  // A1: projections of the test images.
  auto start = std::chrono::steady_clock::now();
  out.truth = projection_images.to(torch::kCPU, torch::kFloat32);
  auto last = start;
  out.projection =
      project_onto_range(generator, out.truth, options.projection(), [&](double done, int64_t total) {
        if (!log) return;
        const auto now = std::chrono::steady_clock::now();
        if (done < total && std::chrono::duration<double>(now - last).count() < 10.0) return;
        last = now;
        const double elapsed = seconds_since(start), rate = done / std::max(elapsed, 1e-9);
        std::ostringstream line;
        line.precision(3);
        line << "  A1 projection: " << std::llround(done) << "/" << total << " images, " << rate
             << " img/s, ETA " << std::llround((total - done) / std::max(rate, 1e-9)) << " s";
        log(line.str());
      });
  out.projection_seconds = seconds_since(start);
  out.metrics = compute_metrics(out.projection.images, out.truth);
  out.deciles = decile_rows(out.metrics[3].per_image);

  // A3: EMD between the test images and as many samples of the prior.
  start = std::chrono::steady_clock::now();
  const auto emd_truth = emd_images.to(torch::kCPU, torch::kFloat32);
  out.emd_count = emd_truth.size(0);
  const auto prior_z = gaussian(out.emd_count, d, options.seed() + 1);
  const auto samples = decode_in_chunks(*generator, prior_z);
  const auto transport = earth_movers_distance(emd_truth, samples);
  out.emd = transport.distance;
  out.emd_normalised = normalised_emd(out.emd, emd_truth);
  out.emd_seconds = seconds_since(start);
  out.samples = samples.narrow(0, 0, std::min<int64_t>(64, samples.size(0)));
  if (log) {
    std::ostringstream line;
    line.precision(4);
    line << "  A3 EMD of " << out.emd_count << " test images and " << out.emd_count
         << " samples: " << out.emd_normalised << " of mean ||x||^2 (" << out.emd_seconds << " s)";
    log(line.str());
  }

  // B2: one random orthonormal plane for both sets of latent vectors.
  {
    auto plane = gaussian(d, 2, options.seed() + 3).to(torch::kFloat64);
    if (d >= 2)
      plane = std::get<0>(torch::linalg_qr(plane));
    else
      plane = torch::tensor({{1.0, 0.0}}, torch::kFloat64);
    out.latent_plane = out.projection.z.to(torch::kFloat64).matmul(plane);
    out.prior_plane = prior_z.to(torch::kFloat64).matmul(plane);
    out.latent_norm = out.projection.z.to(torch::kFloat64).pow(2).sum(1).mean().item<double>() / d;
    out.prior_norm = prior_z.to(torch::kFloat64).pow(2).sum(1).mean().item<double>() / d;
  }

  // B1: the parallelogram spanned by three encodings.
  {
    out.interpolation_anchors = interpolation_anchors(labels, out.truth.size(0));
    const auto& z = out.projection.z;
    const auto z1 = z[out.interpolation_anchors[0]], z2 = z[out.interpolation_anchors[1]],
               z3 = z[out.interpolation_anchors[2]];
    const int64_t s = options.interpolation_steps();
    std::vector<torch::Tensor> grid;
    for (int64_t row = 0; row < s; ++row)
      for (int64_t col = 0; col < s; ++col) {
        const double a2 = static_cast<double>(col) / (s - 1), a3 = static_cast<double>(row) / (s - 1);
        grid.push_back(z1 + a2 * (z2 - z1) + a3 * (z3 - z1));
      }
    out.interpolation = decode_in_chunks(*generator, torch::stack(grid));
  }

  // A2: the same directions at growing distances from the origin.
  {
    const auto directions = gaussian(options.far_samples(), d, options.seed() + 2);
    std::vector<torch::Tensor> rows;
    const auto flat_truth = emd_truth.flatten(1).to(torch::kFloat64);
    const auto truth_norm = flat_truth.norm(2, 1);
    for (double scale : options.far_scales()) {
      const auto images = decode_in_chunks(*generator, directions * scale);
      rows.push_back(images);
      // The nearest test image of each sample, and the sample's NRMSE against it.
      const auto nearest = squared_distances(images, emd_truth).argmin(1);
      const auto distance =
          (images.flatten(1).to(torch::kFloat64) - flat_truth.index_select(0, nearest)).norm(2, 1);
      const auto nrmse = distance / truth_norm.index_select(0, nearest).clamp_min(1e-12);
      out.far_scales.push_back(scale);
      out.far_nearest_nrmse.push_back(nrmse.mean().item<double>());
    }
    out.far = torch::cat(rows);
  }
  return out;
}

nlohmann::json evaluation_to_json(const GeneratorEvaluation& e, bool per_image) {
  nlohmann::json metrics = metrics_to_json(e.metrics, per_image);
  for (const auto& m : e.metrics) metrics[m.name]["median"] = median_value(m.per_image);
  nlohmann::json far = nlohmann::json::array();
  for (size_t i = 0; i < e.far_scales.size(); ++i)
    far.push_back({{"scale", e.far_scales[i]}, {"nearest_test_nrmse_mean", e.far_nearest_nrmse[i]}});
  return {{"projection",
           {{"images", e.truth.size(0)},
            {"restarts", e.projection.restarts},
            {"seconds", e.projection_seconds},
            {"metrics", metrics},
            {"decile_rows", std::vector<int64_t>(e.deciles.data_ptr<int64_t>(),
                                                 e.deciles.data_ptr<int64_t>() + e.deciles.numel())}}},
          {"emd",
           {{"n", e.emd_count},
            {"distance", e.emd},
            {"normalised", e.emd_normalised},
            {"seconds", e.emd_seconds}}},
          {"latent",
           {{"projections_mean_squared_norm_per_dim", e.latent_norm},
            {"prior_mean_squared_norm_per_dim", e.prior_norm}}},
          {"interpolation_anchors", e.interpolation_anchors},
          {"far_samples", far}};
}

}  // namespace genreg
