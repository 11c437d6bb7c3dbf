#include "genreg/eval/uncertainty.h"

#include <cmath>
#include <limits>

#include "genreg/core/error.h"

namespace genreg {

double normal_quantile(double p) {
  require(p > 0 && p < 1, "a normal quantile needs p in (0, 1), got ", p);
  // Acklam's approximation (relative error 1.15e-9), then one Newton step on erfc.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double low = 0.02425;
  double x;
  if (p < low) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double chi_square_quantile(double p, double dof) {
  require(dof > 0, "chi-square needs positive degrees of freedom, got ", dof);
  const double v = 2.0 / (9.0 * dof);
  const double base = 1.0 - v + normal_quantile(p) * std::sqrt(v);
  return dof * base * base * base;
}

namespace {

double share(const torch::Tensor& mask) { return mask.to(torch::kFloat64).mean().item<double>(); }

double share_where(const torch::Tensor& inside, const torch::Tensor& where) {
  const auto count = where.sum().item<int64_t>();
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  return inside.logical_and(where).sum().item<double>() / static_cast<double>(count);
}

}  // namespace

UncertaintySummary summarise_uncertainty(const torch::Tensor& samples_in, const torch::Tensor& truth_in,
                                         double support_level, double interval_scale) {
  require(samples_in.dim() == 5 && truth_in.dim() == 4 && samples_in.size(0) == truth_in.size(0),
          "uncertainty needs samples (B, K, 1, H, W) and truth (B, 1, H, W), got ", samples_in.sizes(),
          " and ", truth_in.sizes());
  torch::NoGradGuard no_grad;
  const auto samples = samples_in.to(torch::kCPU, torch::kFloat64);
  const auto truth = truth_in.to(torch::kCPU, torch::kFloat64);
  const int64_t k = samples.size(1);
  UncertaintySummary out;
  out.samples = k;
  const auto mean = samples.mean(1);
  const auto std = k > 1 ? samples.std(1, true) : torch::zeros_like(mean);
  const auto error = truth - mean;
  const auto support = (truth.abs() > support_level).logical_or(mean.abs() > support_level);
  out.support_share = share(support);
  const double z90 = normal_quantile(0.95);
  const auto inside = error.abs() <= z90 * std;
  out.coverage = share(inside);
  out.coverage_support = share_where(inside, support);
  out.quantile_coverage = out.quantile_coverage_support = std::numeric_limits<double>::quiet_NaN();
  out.interval_scale = out.calibrated_coverage = out.calibrated_coverage_support =
      std::numeric_limits<double>::quiet_NaN();
  if (interval_scale > 0) {
    require(std::isfinite(interval_scale), "the interval scale must be finite, got ", interval_scale);
    const auto calibrated = error.abs() <= interval_scale * std;
    out.interval_scale = interval_scale;
    out.calibrated_coverage = share(calibrated);
    out.calibrated_coverage_support = share_where(calibrated, support);
  }
  if (k >= 20) {
    const auto lo = torch::quantile(samples, 0.05, 1), hi = torch::quantile(samples, 0.95, 1);
    const auto q_inside = (truth >= lo).logical_and(truth <= hi);
    out.quantile_coverage = share(q_inside);
    out.quantile_coverage_support = share_where(q_inside, support);
  }
  // The image's mean intensity: its K values' interval against the truth's.
  const auto stat = samples.mean({2, 3, 4});
  const auto stat_std = k > 1 ? stat.std(1, true) : torch::zeros({stat.size(0)}, torch::kFloat64);
  out.image_coverage = share((truth.mean({1, 2, 3}) - stat.mean(1)).abs() <= z90 * stat_std);
  const auto s = std.flatten(), e = error.abs().flatten();
  const auto sc = s - s.mean(), ec = e - e.mean();
  const double denom = std::sqrt(sc.pow(2).sum().item<double>() * ec.pow(2).sum().item<double>());
  out.std_error_correlation = denom > 0 ? (sc * ec).sum().item<double>() / denom : 0.0;
  for (const double p : {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99}) {
    out.levels.push_back(p);
    out.level_coverage.push_back(share_where(error.abs() <= normal_quantile(0.5 + p / 2) * std, support));
  }
  // z-scores over the support, in [-5, 5] in 20 bins (outside counted in the end bins).
  const auto z = (error / std.clamp_min(1e-12)).masked_select(support).clamp(-5.0, 5.0);
  const auto hist = z.numel() > 0 ? torch::histc(z, 20, -5.0, 5.0) : torch::zeros({20}, torch::kFloat64);
  for (int64_t i = 0; i <= 20; ++i) out.z_edges.push_back(-5.0 + 0.5 * static_cast<double>(i));
  for (int64_t i = 0; i < 20; ++i) out.z_counts.push_back(hist[i].item<double>());
  return out;
}

double fit_interval_scale(const torch::Tensor& samples_in, const torch::Tensor& truth_in, double level,
                          double support_level) {
  require(samples_in.dim() == 5 && truth_in.dim() == 4 && samples_in.size(0) == truth_in.size(0),
          "calibration needs samples (B, K, 1, H, W) and truth (B, 1, H, W), got ", samples_in.sizes(),
          " and ", truth_in.sizes());
  require(samples_in.size(1) >= 2, "calibrating intervals needs at least 2 samples per image, got ",
          samples_in.size(1));
  require(std::isfinite(level) && level > 0 && level < 1, "the calibration level must be in (0, 1), got ",
          level);
  torch::NoGradGuard no_grad;
  const auto samples = samples_in.to(torch::kCPU, torch::kFloat64);
  const auto truth = truth_in.to(torch::kCPU, torch::kFloat64);
  const auto mean = samples.mean(1), std = samples.std(1, true);
  const auto support = (truth.abs() > support_level).logical_or(mean.abs() > support_level);
  // A pixel of zero spread is covered only where the mean is exact: score 0 then, else infinite.
  const auto error = (truth - mean).abs();
  const auto score =
      torch::where(std > 0, error / std.clamp_min(1e-300),
                   torch::where(error > 0, torch::full_like(error, std::numeric_limits<double>::infinity()),
                                torch::zeros_like(error)))
          .masked_select(support);
  const int64_t n = score.numel();
  require(n > 0, "calibration needs support pixels (truth or mean above ", support_level, ")");
  // The ceil((n + 1) level)-th smallest score (1-based); beyond n the interval must be unbounded.
  const auto rank = static_cast<int64_t>(std::ceil(static_cast<double>(n + 1) * level));
  require(rank <= n, "calibration at level ", level, " needs more than ", n, " pixels");
  const auto sorted = std::get<0>(score.sort());
  const double c = sorted[rank - 1].item<double>();
  require(std::isfinite(c), "the calibration images' samples do not spread over ", 100.0 * (1 - level),
          "% of their support: no finite interval scale covers ", 100.0 * level, "% (more samples?)");
  return c;
}

nlohmann::json UncertaintySummary::to_json() const {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"samples", samples},
          {"coverage_90", number(coverage)},
          {"coverage_90_support", number(coverage_support)},
          {"quantile_coverage_90", number(quantile_coverage)},
          {"quantile_coverage_90_support", number(quantile_coverage_support)},
          {"image_coverage_90", number(image_coverage)},
          {"std_error_correlation", number(std_error_correlation)},
          {"support_share", support_share},
          {"interval_scale", number(interval_scale)},
          {"calibrated_coverage_90", number(calibrated_coverage)},
          {"calibrated_coverage_90_support", number(calibrated_coverage_support)},
          {"calibration", {{"nominal", levels}, {"coverage_support", level_coverage}}},
          {"z_histogram", {{"edges", z_edges}, {"counts", z_counts}}}};
}

DataFidelityAudit audit_data_fidelity(const torch::Tensor& discrepancy, int64_t measurements, double sigma) {
  require(measurements > 0 && sigma > 0, "the audit needs measurements and a positive sigma");
  DataFidelityAudit out;
  out.measurements = measurements;
  out.low = chi_square_quantile(0.005, static_cast<double>(measurements));
  out.high = chi_square_quantile(0.995, static_cast<double>(measurements));
  const auto chi = discrepancy.to(torch::kCPU, torch::kFloat64).flatten() / (sigma * sigma);
  out.share_below = share(chi < out.low);
  out.share_above = share(chi > out.high);
  const auto ratio = chi / static_cast<double>(measurements);
  out.ratio.assign(ratio.data_ptr<double>(), ratio.data_ptr<double>() + ratio.numel());
  return out;
}

nlohmann::json DataFidelityAudit::to_json() const {
  return {{"measurements", measurements},
          {"chi_square_99_interval", {low, high}},
          {"share_outside", share_below + share_above},
          {"share_below", share_below},
          {"share_above", share_above},
          {"ratio_per_image", ratio}};
}

}  // namespace genreg
