#pragma once
// Image quality metrics (PROTOCOL.md, "Metrics"), batched: each takes (N, 1, H, W) estimate and
// truth and returns an (N,) float64 tensor, one value per image. Computed in float64.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace genreg {

// 10 log10(data_range^2 / MSE). data_range 1 for images in [0, 1] (genreg's primary figure).
torch::Tensor psnr(const torch::Tensor& estimate, const torch::Tensor& truth, double data_range = 1.0);
// psnr with data_range 2, which is what the paper's code computed (compare_psnr(..., data_range=2)).
// Use only to compare with the paper's tables.
torch::Tensor psnr_paper(const torch::Tensor& estimate, const torch::Tensor& truth);

struct SsimOptions {
  TORCH_ARG(int64_t, window) = 7;  // uniform window side (odd)
  TORCH_ARG(double, k1) = 0.01;
  TORCH_ARG(double, k2) = 0.03;
  TORCH_ARG(double, data_range) = 1.0;
};
// Structural similarity (Wang et al. 2004) as scikit-image's structural_similarity computes it by
// default: uniform window, sample covariances (normalised by NP / (NP - 1)), the SSIM map averaged
// over the pixels whose window lies inside the image.
torch::Tensor ssim(const torch::Tensor& estimate, const torch::Tensor& truth,
                   const SsimOptions& options = {});

// ||x - x_true||_2 / ||x_true||_2.
torch::Tensor nrmse(const torch::Tensor& estimate, const torch::Tensor& truth);
// Mean absolute error.
torch::Tensor l1_error(const torch::Tensor& estimate, const torch::Tensor& truth);

// Mean and (population, ddof = 0, as numpy.std) standard deviation of per-image values.
struct Summary {
  double mean = 0.0;
  double std = 0.0;
  double min = 0.0;
  double max = 0.0;
  int64_t count = 0;
};
Summary summarize(const torch::Tensor& values);

// Every metric of PROTOCOL.md, in its order: psnr, psnr_paper, ssim, nrmse, l1.
struct MetricValues {
  std::string name;
  torch::Tensor per_image;  // (N,) float64
  Summary summary;
};
std::vector<MetricValues> compute_metrics(const torch::Tensor& estimate, const torch::Tensor& truth);

// {"psnr": {"mean":..,"std":..,"min":..,"max":..,"per_image":[..]}, ...}
nlohmann::json metrics_to_json(const std::vector<MetricValues>& metrics, bool per_image = true);

}  // namespace genreg
