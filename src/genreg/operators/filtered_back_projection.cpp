#include "genreg/operators/filtered_back_projection.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <limits>

#include "genreg/core/error.h"
#include "genreg/operators/ct_ray_transform.h"

namespace genreg {

FbpFilter parse_fbp_filter(const std::string& name) {
  if (name == "ramp") return FbpFilter::ramp;
  if (name == "shepp-logan") return FbpFilter::shepp_logan;
  if (name == "cosine") return FbpFilter::cosine;
  if (name == "hann") return FbpFilter::hann;
  fail("unknown FBP filter '", name, "' (use ramp, shepp-logan, cosine or hann)");
}

std::string fbp_filter_name(FbpFilter filter) {
  switch (filter) {
    case FbpFilter::ramp:
      return "ramp";
    case FbpFilter::shepp_logan:
      return "shepp-logan";
    case FbpFilter::cosine:
      return "cosine";
    case FbpFilter::hann:
      return "hann";
  }
  return "ramp";
}

namespace {

// Parker's short-scan weight of the ray (beta, gamma), scan range pi + 2 delta. With this
// geometry's sign of gamma the ray (beta, gamma) is measured again at (beta + pi - 2 gamma, -gamma),
// and the two weights sum to one.
double parker_weight(double beta, double gamma, double delta) {
  auto sin2 = [](double v) {
    const double t = std::sin(v);
    return t * t;
  };
  if (beta < 0.0 || beta > M_PI + 2.0 * delta) return 0.0;
  if (beta <= 2.0 * delta + 2.0 * gamma) return sin2(M_PI / 4.0 * beta / (delta + gamma));
  if (beta <= M_PI + 2.0 * gamma) return 1.0;
  return sin2(M_PI / 4.0 * (M_PI + 2.0 * delta - beta) / (delta - gamma));
}

double window(FbpFilter filter, double nu, double cutoff) {
  if (nu > cutoff) return 0.0;
  const double r = nu / cutoff;
  switch (filter) {
    case FbpFilter::ramp:
      return 1.0;
    case FbpFilter::shepp_logan:
      return r == 0.0 ? 1.0 : std::sin(M_PI * r / 2.0) / (M_PI * r / 2.0);
    case FbpFilter::cosine:
      return std::cos(M_PI * r / 2.0);
    case FbpFilter::hann:
      return 0.5 * (1.0 + std::cos(M_PI * r));
  }
  return 1.0;
}

// Per-view constants of the pixel-driven back-projection.
struct ViewConstants {
  double c = 0.0, s = 0.0;  // cos and sin of the view angle
};

enum class BeamKind { parallel, fan_equiangular, fan_flat };

struct BackProjectionGeometry {
  BeamKind kind = BeamKind::parallel;
  // Index maps: parallel index = (<x, theta> - a0) / a1 - 0.5 with a0 = -radius, a1 = spacing;
  // equiangular index = (gamma + a0) / a1 - 0.5; flat index = (sd b / a + a0) / a1 - 0.5.
  double a0 = 0.0, a1 = 1.0, r = 0.0, sd = 0.0;
};

// Rows of the image per block: a view's filtered projection (bins x batch) is read once per block
// of rows while it sits in cache, and the block's output (rows x width x batch) stays there too.
constexpr int64_t kRowBlock = 16;

// out (H, W, B) = sum over views of w(x) * interp(q[v], index(x)) for rows [row_begin, row_end);
// q (views, detectors + 2, B) with a zero bin at each end, so that the two neighbours of an index
// in (-1, detectors) are read without a branch.
template <typename T>
__attribute__((always_inline)) inline void back_project_rows(const T* q, T* out, int64_t row_begin,
                                                             int64_t row_end, const ImageGrid& grid,
                                                             int64_t views, int64_t detectors, int64_t batch,
                                                             const ViewConstants* vc,
                                                             const BackProjectionGeometry& bg) {
  const int64_t width = grid.width, bins = detectors + 2;
  const double ps = grid.pixel_size, x0 = -0.5 * (width - 1) * ps;
  std::fill(out + row_begin * width * batch, out + row_end * width * batch, T(0));
  for (int64_t v = 0; v < views; ++v) {
    const T* qv = q + v * bins * batch;
    for (int64_t i = row_begin; i < row_end; ++i) {
      const double y = (0.5 * (grid.height - 1) - i) * ps;
      T* o = out + i * width * batch;
      if (bg.kind == BeamKind::parallel) {
        // index(j) = start + j step: linear along the row; the columns with index in (-1, D).
        const double start = (vc[v].c * x0 + vc[v].s * y - bg.a0) / bg.a1 - 0.5, step = vc[v].c * ps / bg.a1;
        int64_t j0 = 0, j1 = width - 1;
        if (std::abs(step) > 1e-12) {
          const double lo = (-1.0 - start) / step, hi = (static_cast<double>(detectors) - start) / step;
          j0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(std::min(lo, hi))) + 1);
          j1 = std::min<int64_t>(width - 1, static_cast<int64_t>(std::ceil(std::max(lo, hi))) - 1);
        } else if (!(start > -1.0 && start < detectors)) {
          continue;
        }
        for (int64_t j = j0; j <= j1; ++j) {
          const double index = start + j * step + 1.0;  // in the padded bins, > 0
          // Clamped: round-off at the range's ends must not step outside the padded bins.
          const int64_t k = std::clamp<int64_t>(static_cast<int64_t>(index), 0, detectors);
          const T f = static_cast<T>(index - k), g = T(1) - f;
          const T* __restrict__ lo_bin = qv + k * batch;
          const T* __restrict__ hi_bin = lo_bin + batch;
          T* __restrict__ ob = o + j * batch;
          for (int64_t b = 0; b < batch; ++b) ob[b] += g * lo_bin[b] + f * hi_bin[b];
        }
        continue;
      }
      for (int64_t j = 0; j < width; ++j) {
        const double x = x0 + j * ps;
        const double a = bg.r - (vc[v].c * x + vc[v].s * y), b = -vc[v].s * x + vc[v].c * y;
        double index, w;
        if (bg.kind == BeamKind::fan_equiangular) {
          index = (std::atan2(b, a) + bg.a0) / bg.a1 - 0.5;
          w = bg.r * bg.r / (a * a + b * b);
        } else {
          index = (bg.sd * b / a + bg.a0) / bg.a1 - 0.5;
          w = bg.r * bg.r / (a * a);
        }
        if (!(index > -1.0 && index < static_cast<double>(detectors))) continue;
        index += 1.0;
        const int64_t k = static_cast<int64_t>(index);
        const T f = static_cast<T>(index - k);
        const T wl = static_cast<T>(w) * (T(1) - f), wh = static_cast<T>(w) * f;
        const T* __restrict__ lo_bin = qv + k * batch;
        const T* __restrict__ hi_bin = lo_bin + batch;
        T* __restrict__ ob = o + j * batch;
        for (int64_t bb = 0; bb < batch; ++bb) ob[bb] += wl * lo_bin[bb] + wh * hi_bin[bb];
      }
    }
  }
}

// Compiled for AVX2+FMA and the baseline, chosen at run time (as the projector's kernels).
__attribute__((target_clones("avx2,fma", "default"))) void back_project_rows_float(
    const float* q, float* out, int64_t row_begin, int64_t row_end, const ImageGrid& grid, int64_t views,
    int64_t detectors, int64_t batch, const ViewConstants* vc, const BackProjectionGeometry& bg) {
  back_project_rows<float>(q, out, row_begin, row_end, grid, views, detectors, batch, vc, bg);
}
__attribute__((target_clones("avx2,fma", "default"))) void back_project_rows_double(
    const double* q, double* out, int64_t row_begin, int64_t row_end, const ImageGrid& grid, int64_t views,
    int64_t detectors, int64_t batch, const ViewConstants* vc, const BackProjectionGeometry& bg) {
  back_project_rows<double>(q, out, row_begin, row_end, grid, views, detectors, batch, vc, bg);
}

}  // namespace

FbpBackProjector parse_fbp_back_projector(const std::string& name) {
  if (name == "pixel") return FbpBackProjector::pixel;
  if (name == "joseph") return FbpBackProjector::joseph;
  fail("unknown FBP back-projector '", name, "' (use pixel or joseph)");
}

FilteredBackProjection::FilteredBackProjection(CtGeometryPtr geometry, const FbpOptions& options)
    : FilteredBackProjection(std::move(geometry), nullptr, options) {}

FilteredBackProjection::FilteredBackProjection(std::shared_ptr<const CtRayTransform> transform,
                                               const FbpOptions& options)
    : FilteredBackProjection(transform ? transform->geometry_ptr() : nullptr, transform, options) {}

FilteredBackProjection::FilteredBackProjection(CtGeometryPtr geometry,
                                               std::shared_ptr<const CtRayTransform> transform,
                                               const FbpOptions& options)
    : geometry_(std::move(geometry)), options_(options) {
  require(geometry_ != nullptr, "fbp: no geometry");
  require(options.cutoff() > 0.0 && options.cutoff() <= 1.0,
          "fbp cut-off must be in (0, 1] (a fraction of "
          "the Nyquist frequency), got ",
          options.cutoff());
  const auto& g = *geometry_;
  const int64_t views = g.views(), detectors = g.detectors();
  pre_weights_ = torch::ones({views, detectors}, torch::kFloat64);
  auto pw = pre_weights_.accessor<double, 2>();
  double tau = 0.0;      // sample spacing of the filter
  bool angular = false;  // equiangular fan: g(gamma) = (gamma / sin gamma)^2 h(gamma) / 2
  double half = 1.0;     // the 1/2 of fan-beam filters
  view_weight_ = g.angle_range() / views;
  const bool parallel = dynamic_cast<const ParallelBeamCtGeometry*>(&g) != nullptr;
  require(
      parallel || options.back_projector() != FbpBackProjector::joseph,
      "fbp: the Joseph back-projector is for parallel beams (fan beams weigh each pixel by its distance)");
  if (const auto* p = dynamic_cast<const ParallelBeamCtGeometry*>(&g)) {
    tau = p->detector_spacing();
    // A 2 pi parallel scan measures every line twice.
    if (g.angle_range() > M_PI) view_weight_ *= M_PI / g.angle_range();
    if (options.back_projector() == FbpBackProjector::joseph) {
      // Joseph's A^T spreads a bin over the pixels its ray crosses with weights that sum, per view
      // and pixel, to h^2 / tau (the ray step h / max(|cos|, |sin|) times the rays per pixel):
      // dtheta tau / h^2 makes it the back-projection sum_views dtheta q(<x, theta>).
      joseph_ = transform ? std::move(transform) : std::make_shared<CtRayTransform>(geometry_);
      joseph_scale_ = view_weight_ * tau / (g.grid().pixel_size * g.grid().pixel_size);
    }
  } else if (const auto* f = dynamic_cast<const FanBeamCtGeometry*>(&g)) {
    const auto& o = f->options();
    const double r = o.source_radius(), sd = r + o.detector_distance();
    const bool flat = o.detector() == FanBeamCtGeometry::Detector::flat;
    const bool short_scan = o.scan() == FanBeamCtGeometry::Scan::short_scan;
    angular = !flat;
    tau = flat ? f->detector_spacing() * r / sd : f->detector_spacing();
    half = 0.5;
    if (short_scan) view_weight_ *= 2.0;  // Parker's weights count each line once
    for (int64_t d = 0; d < detectors; ++d) {
      const double gamma = f->fan_angle(d);
      // Flat: p = u R / (R + D) on the detector moved to the centre, weight R / sqrt(R^2 + p^2) =
      // cos gamma; equiangular: R cos gamma. Both carry the R of D cos gamma; the flat one's R is
      // cancelled by the 1 / U^2 = R^2 / a^2 convention of its back-projection weight below.
      const double base = flat ? std::cos(gamma) : r * std::cos(gamma);
      for (int64_t v = 0; v < views; ++v)
        pw[v][d] = base * (short_scan ? parker_weight(g.view_angle(v), gamma, f->fan_half_angle()) : 1.0);
    }
    if (!flat) view_weight_ /= r * r;  // the back-projection weight is R^2 / L^2, the formula's 1 / L^2
  } else {
    fail("fbp: unsupported geometry");
  }
  // The filter, sampled at n tau for |n| < padded / 2 and placed circularly.
  // Zero padding to at least 2 D bins (no wrap-around), the least even 2^a 3^b from 64 on, which the
  // FFT handles as fast as a power of two (25% less work than the next power of two at D = 727).
  padded_ = std::numeric_limits<int64_t>::max();
  for (int64_t two = 64; two < 4 * (2 * detectors + 64); two *= 2)
    for (int64_t n = two; n < 4 * (2 * detectors + 64); n *= 3)
      if (n >= 2 * detectors && n < padded_) padded_ = n;
  auto kernel = torch::zeros({padded_}, torch::kFloat64);
  auto k = kernel.accessor<double, 1>();
  for (int64_t n = -padded_ / 2 + 1; n < padded_ / 2; ++n) {
    double value = 0.0;
    if (n == 0) {
      value = 1.0 / (4.0 * tau * tau);
    } else if (n % 2 != 0) {
      value = angular ? -1.0 / (M_PI * M_PI * std::pow(std::sin(n * tau), 2))
                      : -1.0 / (M_PI * M_PI * n * n * tau * tau);
    }
    k[(n + padded_) % padded_] = half * tau * value;
  }
  spectrum_ = torch::fft::rfft(kernel);
  auto win = torch::empty({padded_ / 2 + 1}, torch::kFloat64);
  for (int64_t i = 0; i <= padded_ / 2; ++i)
    win[i] = window(options.filter(), static_cast<double>(i) / (padded_ / 2), options.cutoff());
  spectrum_ = spectrum_ * win;
}

torch::Tensor FilteredBackProjection::filter(const torch::Tensor& y) const {
  const auto& g = *geometry_;
  require(y.dim() == 4 && y.size(1) == 1 && y.size(2) == g.views() && y.size(3) == g.detectors(),
          "fbp: expected a sinogram (B, 1, ", g.views(), ", ", g.detectors(), "), got ", y.sizes());
  // In y's precision (float32 halves the FFTs' time and memory; the filter's values are exact to it).
  const auto dtype = y.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  auto p = y.squeeze(1).to(dtype) * pre_weights_.to(y.device(), dtype);
  auto spectrum =
      torch::fft::rfft(p, padded_, -1) *
      spectrum_.to(y.device(), dtype == torch::kFloat64 ? torch::kComplexDouble : torch::kComplexFloat);
  return torch::fft::irfft(spectrum, padded_, -1).narrow(-1, 0, g.detectors());
}

torch::Tensor FilteredBackProjection::back_project(const torch::Tensor& q, bool tensor_ops) const {
  const auto& g = *geometry_;
  const auto& grid = g.grid();
  const int64_t batch = q.size(0), views = g.views(), detectors = g.detectors();
  if (joseph_) {
    auto sinogram = q.reshape({batch, 1, views, detectors});
    auto x = tensor_ops ? joseph_->adjoint_tensor_ops(sinogram) : joseph_->adjoint(sinogram);
    return (x * joseph_scale_).reshape({batch, grid.height, grid.width});
  }
  if (tensor_ops || !q.device().is_cpu()) {
    // Chunks of views: footprints (views, pixels) in float64, then a linear-interpolation gather.
    auto xs = grid.column_x().repeat({grid.height});
    auto ys = grid.row_y().repeat_interleave(grid.width);
    auto out = torch::zeros({batch, grid.height * grid.width}, q.options().dtype(torch::kFloat64));
    const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 22) / std::max<int64_t>(1, xs.numel()));
    for (int64_t v0 = 0; v0 < views; v0 += chunk) {
      const int64_t v1 = std::min(views, v0 + chunk);
      auto fp = g.footprint(v0, v1, xs, ys);
      auto index = fp.index.to(q.device()), weight = fp.weight.to(q.device());
      auto lo = index.floor();
      auto f = index - lo;
      auto rows = q.narrow(1, v0, v1 - v0).to(torch::kFloat64);  // (B, Vc, D)
      auto padded = torch::constant_pad_nd(rows, {1, 1});        // bins -1 and D read zero
      auto k = (lo + 1).clamp(0, detectors + 1).to(torch::kLong);
      auto k1 = (lo + 2).clamp(0, detectors + 1).to(torch::kLong);
      auto inside = ((index > -1.0) & (index < detectors)).to(torch::kFloat64);
      auto gather = [&](const torch::Tensor& idx) {
        return padded.gather(2, idx.unsqueeze(0).expand({batch, idx.size(0), idx.size(1)}));
      };
      auto values = gather(k) * (1.0 - f) + gather(k1) * f;
      out += (values * (weight * inside)).sum(1);
    }
    return (out * view_weight_).reshape({batch, grid.height, grid.width});
  }
  std::vector<ViewConstants> vc(views);
  for (int64_t v = 0; v < views; ++v) vc[v] = {std::cos(g.view_angle(v)), std::sin(g.view_angle(v))};
  BackProjectionGeometry bg;
  if (const auto* p = dynamic_cast<const ParallelBeamCtGeometry*>(&g)) {
    bg.a0 = -grid.radius();
    bg.a1 = p->detector_spacing();
  } else {
    const auto* f = dynamic_cast<const FanBeamCtGeometry*>(&g);
    bg.r = f->options().source_radius();
    bg.sd = bg.r + f->options().detector_distance();
    bg.a1 = f->detector_spacing();
    if (f->options().detector() == FanBeamCtGeometry::Detector::equiangular) {
      bg.kind = BeamKind::fan_equiangular;
      bg.a0 = f->fan_half_angle();
    } else {
      bg.kind = BeamKind::fan_flat;
      bg.a0 = bg.sd * std::tan(f->fan_half_angle());
    }
  }
  const bool single = q.scalar_type() == torch::kFloat32;
  // (V, D + 2, B): the batch innermost, a zero bin at each end.
  auto qt = torch::constant_pad_nd(q.to(single ? torch::kFloat32 : torch::kFloat64), {1, 1})
                .permute({1, 2, 0})
                .contiguous();
  auto out = torch::empty({grid.height, grid.width, batch}, qt.options());
  const int64_t blocks = (grid.height + kRowBlock - 1) / kRowBlock;
  at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t block = b0; block < b1; ++block) {
      const int64_t i0 = block * kRowBlock, i1 = std::min(grid.height, i0 + kRowBlock);
      if (single)
        back_project_rows_float(qt.data_ptr<float>(), out.data_ptr<float>(), i0, i1, grid, views, detectors,
                                batch, vc.data(), bg);
      else
        back_project_rows_double(qt.data_ptr<double>(), out.data_ptr<double>(), i0, i1, grid, views,
                                 detectors, batch, vc.data(), bg);
    }
  });
  return out.permute({2, 0, 1}) * view_weight_;
}

torch::Tensor FilteredBackProjection::reconstruct(const torch::Tensor& y) const {
  torch::NoGradGuard no_grad;
  const auto& grid = geometry_->grid();
  auto q = filter(y);
  return back_project(q).reshape({y.size(0), 1, grid.height, grid.width}).to(y.scalar_type());
}

}  // namespace genreg
