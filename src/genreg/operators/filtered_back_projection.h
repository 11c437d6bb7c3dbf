#pragma once
// Filtered back-projection (FBP), the classical reconstruction of every CT table and the input of
// post-processing networks (FBPConvNet). For a CtGeometry's sinogram y (B, 1, views, detectors):
//
//   parallel beam:  f(x) = sum_views dtheta q_theta(<x, theta>),  q = p * h
//   fan beam:       f(x) = sum_views dbeta W(x) q_beta(gamma(x)), q = (p D cos gamma) * g
//
// with h the band-limited ramp filter sampled on the detector (Kak & Slaney 1988, eq. 3.29: h(0) =
// 1 / 4 tau^2, h(n tau) = -1 / (n pi tau)^2 for odd n, 0 for even n), g(gamma) = (gamma / sin
// gamma)^2 h(gamma) / 2 for an equiangular detector (eq. 3.58), h / 2 on the flat detector rescaled to
// the centre (eq. 3.71), W = R^2 / L^2 or 1 / U^2 the distance weights (CtGeometry::footprint).
// Short fan-beam scans weigh each ray by Parker's (1982) weights, which count every line once; full
// scans count it twice (the 1/2 in g). A window (Shepp-Logan, cosine, Hann) multiplies the ramp's
// spectrum and a cut-off (a fraction of the Nyquist frequency) zeroes what lies above it.
//
// Filtering is an FFT product along the detector (zero-padded to avoid wrap-around). Two
// back-projections: pixel-driven with linear interpolation between bins (the default: a CPU kernel,
// rows of the image in parallel, batch innermost, and the same sums as tensor operations on other
// devices), and, for parallel beams, the adjoint of Joseph's projector (CtRayTransform) times
// dtheta tau / h^2, as ASTRA's FBP does. Joseph's is 0.2-0.3 dB closer on noise-free phantoms
// (ASTRA's numbers to 1e-3 dB, BENCHMARKS.md "CT: genreg, ASTRA and ODL side by side") but passes
// more noise: on low-dose data (N0 4096) it lost 1.3 dB with the ramp and 0.3 dB with a Hann window
// on README's DICOM slice, hence not the default.
#include <torch/torch.h>

#include <memory>
#include <string>

#include "genreg/operators/ct_geometry.h"

namespace genreg {

class CtRayTransform;

enum class FbpFilter { ramp, shepp_logan, cosine, hann };
enum class FbpBackProjector { pixel, joseph };
// "pixel", "joseph"; throws genreg::Error for other names.
FbpBackProjector parse_fbp_back_projector(const std::string& name);

// "ramp", "shepp-logan", "cosine", "hann"; throws genreg::Error for other names.
FbpFilter parse_fbp_filter(const std::string& name);
std::string fbp_filter_name(FbpFilter filter);

struct FbpOptions {
  TORCH_ARG(FbpFilter, filter) = FbpFilter::ramp;
  TORCH_ARG(double, cutoff) = 1.0;  // fraction of the Nyquist frequency, in (0, 1]
  TORCH_ARG(FbpBackProjector, back_projector) = FbpBackProjector::pixel;
};

class FilteredBackProjection {
 public:
  FilteredBackProjection(CtGeometryPtr geometry, const FbpOptions& options = {});
  // The FBP of a ray transform's geometry, back-projecting with that transform (no second copy of
  // its traversal tables, which take longer to build than an FBP at 512 px).
  explicit FilteredBackProjection(std::shared_ptr<const CtRayTransform> transform,
                                  const FbpOptions& options = {});
  // (B, 1, views, detectors) -> (B, 1, H, W), on y's device and dtype.
  torch::Tensor reconstruct(const torch::Tensor& y) const;
  // The weighted, filtered sinogram q (B, views, detectors) that the back-projection sums.
  torch::Tensor filter(const torch::Tensor& y) const;
  // The back-projection of a filtered sinogram (B, views, detectors) -> (B, H, W): the CPU kernel
  // for CPU tensors unless `tensor_ops`, else tensor operations (any device).
  torch::Tensor back_project(const torch::Tensor& q, bool tensor_ops = false) const;
  const CtGeometry& geometry() const { return *geometry_; }

 private:
  FilteredBackProjection(CtGeometryPtr geometry, std::shared_ptr<const CtRayTransform> transform,
                         const FbpOptions& options);
  CtGeometryPtr geometry_;
  FbpOptions options_;
  torch::Tensor pre_weights_;  // (views, detectors) float64: D cos gamma, Parker weights, ...
  torch::Tensor spectrum_;     // rfft of the windowed filter, (padded / 2 + 1,) complex128
  int64_t padded_ = 0;
  double view_weight_ = 0.0;  // d theta or d beta, times the redundancy factor
  // Joseph's back-projection (parallel beams): the ray transform whose adjoint it is, and its scale.
  std::shared_ptr<const CtRayTransform> joseph_;
  double joseph_scale_ = 0.0;
};

}  // namespace genreg
