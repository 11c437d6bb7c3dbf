#pragma once
// Checks of the uncertainty a sampling method reports (PROTOCOL.md, "Reference experiments"), from
// its K posterior samples per image and the truth:
//   - coverage: the share of pixels whose true value lies in the central 90% interval
//     mean +- 1.645 std of the samples, over all pixels and over the support (pixels where the
//     truth or the mean exceeds `support_level`, so that an empty background does not inflate it);
//     with K >= 20 also the empirical 5%-95% quantile interval;
//   - the same for an image-level statistic, the image's mean intensity;
//   - calibration: the coverage of the Gaussian interval mean +- z_p std for nominal levels p;
//   - the Pearson correlation of the per-pixel std with the absolute error of the mean;
//   - a histogram of the z-scores (truth - mean) / std over the support.
// A calibrated sampler covers about the nominal share; a much smaller one is overconfident.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace genreg {

struct UncertaintySummary {
  int64_t samples = 0;                            // K
  double coverage = 0.0, coverage_support = 0.0;  // of mean +- 1.645 std
  // Of the empirical 5%-95% quantiles; NaN when K < 20.
  double quantile_coverage = 0.0, quantile_coverage_support = 0.0;
  double image_coverage = 0.0;  // of the mean intensity's interval, over images
  double std_error_correlation = 0.0;
  double support_share = 0.0;                  // the support's share of the pixels
  std::vector<double> levels, level_coverage;  // calibration: nominal p, coverage over the support
  std::vector<double> z_edges, z_counts;       // z-score histogram over the support
  // With an interval scale c fitted elsewhere (fit_interval_scale): c, and the coverage of
  // mean +- c std over all pixels and over the support; NaN without one.
  double interval_scale = 0.0, calibrated_coverage = 0.0, calibrated_coverage_support = 0.0;

  nlohmann::json to_json() const;
};

// samples: (B, K, 1, H, W); truth: (B, 1, H, W), any device. `interval_scale` > 0: also the
// coverage of mean +- interval_scale std (the calibrated interval).
UncertaintySummary summarise_uncertainty(const torch::Tensor& samples, const torch::Tensor& truth,
                                         double support_level = 0.01, double interval_scale = 0.0);

// Calibration of the interval's width by split conformal prediction (Vovk et al. 2005; Angelopoulos
// & Bates 2021, section 1; pooled pixel scores as in Angelopoulos et al. 2022, "Image-to-image
// regression with distribution-free uncertainty quantification"): on images with known truth (the
// validation images, never the report images), the scores |truth - mean| / std of the support's n
// pixels; the scale c is their ceil((n + 1) level)-th smallest, so that mean +- c std covers a share
// `level` of the calibration pixels. Where the samples' std is right up to one factor (a respaced
// chain that keeps 80% of the variance, a guidance that shrinks it), the intervals of new images of
// the same kind then cover about `level` of their pixels; a Gaussian 90% interval has c = 1.645.
// samples: (B, K, 1, H, W) with K >= 2; truth: (B, 1, H, W).
double fit_interval_scale(const torch::Tensor& samples, const torch::Tensor& truth, double level = 0.9,
                          double support_level = 0.01);

// The data-fidelity audit (PROTOCOL.md): true images give ||A x - y||^2 / sigma^2 ~ chi-square with
// M degrees of freedom; a reconstruction outside its central 99% interval is not what the data
// support (below: it fits the noise; above: it does not fit the data).
struct DataFidelityAudit {
  int64_t measurements = 0;      // M
  double low = 0.0, high = 0.0;  // the chi-square law's 0.5% and 99.5% quantiles (Wilson-Hilferty)
  double share_below = 0.0, share_above = 0.0;
  std::vector<double> ratio;  // per image ||A x - y||^2 / (M sigma^2)

  nlohmann::json to_json() const;
};

// discrepancy: (N,) ||A x - y||^2 per image.
DataFidelityAudit audit_data_fidelity(const torch::Tensor& discrepancy, int64_t measurements, double sigma);

// The p-quantile of chi-square with `dof` degrees of freedom, by the Wilson-Hilferty cube
// approximation (relative error below 1e-3 for dof >= 30).
double chi_square_quantile(double p, double dof);
// The standard normal p-quantile (Acklam's rational approximation refined by one Newton step).
double normal_quantile(double p);

}  // namespace genreg
