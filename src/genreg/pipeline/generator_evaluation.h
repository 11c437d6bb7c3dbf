#pragma once
// How good a generator is as a prior (paper section 4): every plausible image should be
// reproducible (A1), from a known region of latent space (B2), the images it makes should be
// distributed like the data (A3), far-from-prior samples should stay plausible (A2), and the map
// should be smooth (B1).
//   A1  projections z*(x) = argmin_z ||G(z) - x||^2 of test images and their errors (Figures 1-3)
//   A3  the earth mover's distance (eq. 16) between N test images and N samples G(z), z ~ N(0, I),
//       normalised by the test images' mean ||x||^2
//   B2  z*(x) and N(0, I) samples after one shared random projection to 2D (Figure 4, right)
//   B1  G(z1 + a2 (z2 - z1) + a3 (z3 - z1)) on a grid of (a2, a3) for three test encodings (Figure 6)
//   A2  samples G(s z), z ~ N(0, I), for growing scales s (Figure 5), and how far each is from its
//       nearest test image
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "genreg/eval/metrics.h"
#include "genreg/pipeline/latent_projection.h"

namespace genreg {

struct EvaluationOptions {
  TORCH_ARG(ProjectionOptions, projection) = {};
  // Interpolation grid: steps x steps values of (a2, a3) in [0, 1]^2.
  TORCH_ARG(int64_t, interpolation_steps) = 7;
  // Scales s of the far-from-prior samples, and samples per scale.
  TORCH_ARG(std::vector<double>, far_scales) = std::vector<double>{1.0, 2.0, 4.0, 8.0};
  TORCH_ARG(int64_t, far_samples) = 10;
  // Seed of the prior samples, the far samples and the 2D projection.
  TORCH_ARG(uint64_t, seed) = 0;
};

struct GeneratorEvaluation {
  // A1: the projected test images, their projections and per-image metrics.
  torch::Tensor truth;                // (N, 1, H, W)
  Projection projection;              // z*, G(z*), residuals
  std::vector<MetricValues> metrics;  // psnr, psnr_paper, ssim, nrmse, l1 of G(z*) against x
  torch::Tensor deciles;  // (11,) int64 rows of `truth` at the 0%, 10%, ..., 100% quantiles of NRMSE
  double projection_seconds = 0.0;

  // A3
  int64_t emd_count = 0;        // N (test images) = N (samples)
  double emd = 0.0;             // mean squared distance at the optimal coupling
  double emd_normalised = 0.0;  // emd / mean ||x||^2 of those test images
  double emd_seconds = 0.0;
  torch::Tensor samples;  // (64 or fewer, 1, H, W) of the prior samples, for a grid

  // B2: (N, 2) projections z*(x) and (M, 2) prior samples in one shared random plane, and the
  // mean ||z||^2 / d of each set (about 1 for z ~ N(0, I); far above 1 where the data sit
  // outside the region the prior samples).
  torch::Tensor latent_plane, prior_plane;
  double latent_norm = 0.0, prior_norm = 0.0;

  // B1: (steps * steps, 1, H, W) row-major in a3 (rows) and a2 (columns); anchors are rows of `truth`.
  torch::Tensor interpolation;
  std::vector<int64_t> interpolation_anchors;

  // A2: (scales * far_samples, 1, H, W), one row per scale, and per scale the mean NRMSE of each
  // sample against its nearest test image (of the EMD set).
  torch::Tensor far;
  std::vector<double> far_scales, far_nearest_nrmse;
};

using EvaluationLog = std::function<void(const std::string&)>;

// projection_images: the test images for A1, B1, B2 (labels (N,) int64 or undefined: the
// interpolation anchors are taken from distinct classes where labels exist). emd_images: the N
// test images of A3 and A2.
GeneratorEvaluation evaluate_generator(const GeneratorPtr& generator, const torch::Tensor& projection_images,
                                       const torch::Tensor& labels, const torch::Tensor& emd_images,
                                       const EvaluationOptions& options = {}, const EvaluationLog& log = {});

// The earth mover's distance of two image sets divided by the mean ||x||^2 of `reference`.
double normalised_emd(double emd, const torch::Tensor& reference);

// Median of a 1-D tensor (the mean of the two middle values for an even count).
double median_value(const torch::Tensor& values);

// Rows of `values` (N,) at the 0%, 10%, ..., 100% quantiles (nearest rank), sorted ascending.
torch::Tensor decile_rows(const torch::Tensor& values);

// The numbers of an evaluation: projection metrics (with medians; per image when asked), EMD,
// far-sample distances; no image data.
nlohmann::json evaluation_to_json(const GeneratorEvaluation& evaluation, bool per_image = true);

}  // namespace genreg
