#include "genreg/eval/metrics.h"

#include <cmath>

#include "genreg/core/error.h"

namespace genreg {
namespace {

std::pair<torch::Tensor, torch::Tensor> as_double_pair(const torch::Tensor& estimate,
                                                       const torch::Tensor& truth) {
  require(estimate.defined() && truth.defined(), "metrics: undefined image");
  require(estimate.dim() == 4 && estimate.size(1) == 1, "metrics: expected (N,1,H,W) images, got ",
          estimate.sizes());
  require(estimate.sizes() == truth.sizes(), "metrics: estimate ", estimate.sizes(), " and truth ",
          truth.sizes(), " differ in shape");
  return {estimate.detach().to(torch::kFloat64), truth.detach().to(estimate.device(), torch::kFloat64)};
}

torch::Tensor per_image_mean(const torch::Tensor& t) { return t.flatten(1).mean(1); }

}  // namespace

torch::Tensor psnr(const torch::Tensor& estimate, const torch::Tensor& truth, double data_range) {
  auto [x, t] = as_double_pair(estimate, truth);
  const auto mse = per_image_mean((x - t).pow(2));
  return 10.0 * torch::log10((data_range * data_range) / mse);
}

torch::Tensor psnr_paper(const torch::Tensor& estimate, const torch::Tensor& truth) {
  return psnr(estimate, truth, 2.0);
}

torch::Tensor ssim(const torch::Tensor& estimate, const torch::Tensor& truth, const SsimOptions& options) {
  auto [x, y] = as_double_pair(estimate, truth);
  const int64_t w = options.window();
  require(w >= 3 && w % 2 == 1, "ssim: window must be odd and at least 3, got ", w);
  require(x.size(2) >= w && x.size(3) >= w, "ssim: images of ", x.size(2), "x", x.size(3),
          " are smaller than the ", w, "x", w, " window");
  // Window means over every fully-inside window: exactly the pixels scikit-image keeps after
  // cropping (w - 1) / 2 from each border, so border handling never enters.
  auto mean = [w](const torch::Tensor& t) { return torch::avg_pool2d(t, {w, w}, {1, 1}); };
  const double np = static_cast<double>(w * w);
  const double cov_norm = np / (np - 1.0);  // sample covariance
  auto ux = mean(x), uy = mean(y);
  auto vx = cov_norm * (mean(x * x) - ux * ux);
  auto vy = cov_norm * (mean(y * y) - uy * uy);
  auto vxy = cov_norm * (mean(x * y) - ux * uy);
  const double c1 = std::pow(options.k1() * options.data_range(), 2);
  const double c2 = std::pow(options.k2() * options.data_range(), 2);
  auto s = ((2.0 * ux * uy + c1) * (2.0 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  return per_image_mean(s);
}

torch::Tensor nrmse(const torch::Tensor& estimate, const torch::Tensor& truth) {
  auto [x, t] = as_double_pair(estimate, truth);
  return (x - t).flatten(1).norm(2, 1) / t.flatten(1).norm(2, 1);
}

torch::Tensor l1_error(const torch::Tensor& estimate, const torch::Tensor& truth) {
  auto [x, t] = as_double_pair(estimate, truth);
  return per_image_mean((x - t).abs());
}

Summary summarize(const torch::Tensor& values) {
  Summary s;
  auto v = values.detach().to(torch::kCPU, torch::kFloat64).flatten();
  s.count = v.numel();
  if (s.count == 0) return s;
  s.mean = v.mean().item<double>();
  s.std = v.std(/*unbiased=*/false).item<double>();
  s.min = v.min().item<double>();
  s.max = v.max().item<double>();
  return s;
}

std::vector<MetricValues> compute_metrics(const torch::Tensor& estimate, const torch::Tensor& truth) {
  std::vector<MetricValues> out;
  auto add = [&](const std::string& name, torch::Tensor values) {
    values = values.to(torch::kCPU);
    out.push_back({name, values, summarize(values)});
  };
  add("psnr", psnr(estimate, truth));
  add("psnr_paper", psnr_paper(estimate, truth));
  add("ssim", ssim(estimate, truth));
  add("nrmse", nrmse(estimate, truth));
  add("l1", l1_error(estimate, truth));
  return out;
}

nlohmann::json metrics_to_json(const std::vector<MetricValues>& metrics, bool per_image) {
  // JSON has no infinity: a perfect estimate's PSNR (MSE = 0) is written as null.
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json out = nlohmann::json::object();
  for (const auto& m : metrics) {
    nlohmann::json entry = {{"mean", number(m.summary.mean)},
                            {"std", number(m.summary.std)},
                            {"min", number(m.summary.min)},
                            {"max", number(m.summary.max)},
                            {"count", m.summary.count}};
    if (per_image) {
      auto values = nlohmann::json::array();
      auto v = m.per_image.to(torch::kCPU, torch::kFloat64).contiguous();
      for (int64_t i = 0; i < v.numel(); ++i) values.push_back(number(v.data_ptr<double>()[i]));
      entry["per_image"] = values;
    }
    out[m.name] = entry;
  }
  return out;
}

}  // namespace genreg
