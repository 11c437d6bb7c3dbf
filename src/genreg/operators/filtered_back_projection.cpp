#include "genreg/operators/filtered_back_projection.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "genreg/core/error.h"

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

// out (H, W, B) += sum over views of w(x) * interp(q[v], index(x)); q (views, detectors, B).
template <typename T>
void back_project_rows(const T* q, T* out, int64_t row_begin, int64_t row_end, const ImageGrid& grid,
                       int64_t views, int64_t detectors, int64_t batch, const std::vector<ViewConstants>& vc,
                       BeamKind kind, double a0, double a1, double r, double sd) {
  // Index maps: parallel index = (<x, theta> - a0) / a1 - 0.5 with a0 = -radius, a1 = spacing;
  // equiangular index = (gamma + a0) / a1 - 0.5; flat index = (sd b / a + a0) / a1 - 0.5.
  std::vector<T> acc(batch);
  for (int64_t i = row_begin; i < row_end; ++i) {
    const double y = (0.5 * (grid.height - 1) - i) * grid.pixel_size;
    for (int64_t j = 0; j < grid.width; ++j) {
      const double x = (j - 0.5 * (grid.width - 1)) * grid.pixel_size;
      std::fill(acc.begin(), acc.end(), T(0));
      for (int64_t v = 0; v < views; ++v) {
        double index, w = 1.0;
        if (kind == BeamKind::parallel) {
          index = (vc[v].c * x + vc[v].s * y - a0) / a1 - 0.5;
        } else {
          const double a = r - (vc[v].c * x + vc[v].s * y), b = -vc[v].s * x + vc[v].c * y;
          if (kind == BeamKind::fan_equiangular) {
            index = (std::atan2(b, a) + a0) / a1 - 0.5;
            w = r * r / (a * a + b * b);
          } else {
            index = (sd * b / a + a0) / a1 - 0.5;
            w = r * r / (a * a);
          }
        }
        if (!(index > -1.0 && index < static_cast<double>(detectors))) continue;
        const int64_t k = static_cast<int64_t>(std::floor(index));
        const T f = static_cast<T>(index - k);
        const T* row = q + v * detectors * batch;
        const T wl = static_cast<T>(w) * (T(1) - f), wh = static_cast<T>(w) * f;
        if (k >= 0)
          for (int64_t b = 0; b < batch; ++b) acc[b] += wl * row[k * batch + b];
        if (k + 1 < detectors)
          for (int64_t b = 0; b < batch; ++b) acc[b] += wh * row[(k + 1) * batch + b];
      }
      T* o = out + (i * grid.width + j) * batch;
      for (int64_t b = 0; b < batch; ++b) o[b] = acc[b];
    }
  }
}

}  // namespace

FilteredBackProjection::FilteredBackProjection(CtGeometryPtr geometry, const FbpOptions& options)
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
  if (const auto* p = dynamic_cast<const ParallelBeamCtGeometry*>(&g)) {
    tau = p->detector_spacing();
    // A 2 pi parallel scan measures every line twice.
    if (g.angle_range() > M_PI) view_weight_ *= M_PI / g.angle_range();
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
  padded_ = 64;
  while (padded_ < 2 * detectors) padded_ *= 2;
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
  auto p = y.squeeze(1).to(torch::kFloat64) * pre_weights_.to(y.device());
  auto spectrum = torch::fft::rfft(p, padded_, -1) * spectrum_.to(y.device());
  return torch::fft::irfft(spectrum, padded_, -1).narrow(-1, 0, g.detectors());
}

torch::Tensor FilteredBackProjection::back_project(const torch::Tensor& q, bool tensor_ops) const {
  const auto& g = *geometry_;
  const auto& grid = g.grid();
  const int64_t batch = q.size(0), views = g.views(), detectors = g.detectors();
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
  BeamKind kind = BeamKind::parallel;
  double a0 = 0.0, a1 = 1.0, r = 0.0, sd = 0.0;
  if (const auto* p = dynamic_cast<const ParallelBeamCtGeometry*>(&g)) {
    a0 = -grid.radius();
    a1 = p->detector_spacing();
  } else {
    const auto* f = dynamic_cast<const FanBeamCtGeometry*>(&g);
    r = f->options().source_radius();
    sd = r + f->options().detector_distance();
    a1 = f->detector_spacing();
    if (f->options().detector() == FanBeamCtGeometry::Detector::equiangular) {
      kind = BeamKind::fan_equiangular;
      a0 = f->fan_half_angle();
    } else {
      kind = BeamKind::fan_flat;
      a0 = sd * std::tan(f->fan_half_angle());
    }
  }
  const bool single = q.scalar_type() == torch::kFloat32;
  auto qt = q.to(single ? torch::kFloat32 : torch::kFloat64).permute({1, 2, 0}).contiguous();  // (V, D, B)
  auto out = torch::empty({grid.height, grid.width, batch}, qt.options());
  at::parallel_for(0, grid.height, 1, [&](int64_t i0, int64_t i1) {
    if (single)
      back_project_rows<float>(qt.data_ptr<float>(), out.data_ptr<float>(), i0, i1, grid, views, detectors,
                               batch, vc, kind, a0, a1, r, sd);
    else
      back_project_rows<double>(qt.data_ptr<double>(), out.data_ptr<double>(), i0, i1, grid, views, detectors,
                                batch, vc, kind, a0, a1, r, sd);
  });
  return out.permute({2, 0, 1}) * view_weight_;
}

torch::Tensor FilteredBackProjection::reconstruct(const torch::Tensor& y) const {
  torch::NoGradGuard no_grad;
  const auto& grid = geometry_->grid();
  auto q = filter(y);
  if (y.scalar_type() != torch::kFloat64) q = q.to(y.scalar_type());
  return back_project(q).reshape({y.size(0), 1, grid.height, grid.width}).to(y.scalar_type());
}

}  // namespace genreg
