#include "genreg/operators/ray_transform.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

#include "genreg/core/error.h"
#include "genreg/operators/operator_spec.h"
#include "genreg/operators/sparse_matrix.h"

namespace genreg {

struct RayTransform::Matrices {
  std::shared_ptr<const SparseMatrix> matrix;  // rays x pixels, intersection lengths
};

namespace {

struct RayEntries {
  std::vector<int64_t> pixel;
  std::vector<double> length;
};

// Siddon's method: the parameters t where the line p(t) = s u + t d (u = (cos, sin),
// d = (-sin, cos), |d| = 1) crosses pixel boundaries; between consecutive crossings it lies in
// one pixel, found from the midpoint, and the intersection length is the parameter difference.
void trace_ray(double theta, double s, int64_t height, int64_t width, RayEntries& out) {
  const double ux = std::cos(theta), uy = std::sin(theta);
  const double dx = -uy, dy = ux;
  const double px = s * ux, py = s * uy;
  const double x0 = -0.5 * width, x1 = 0.5 * width, y0 = -0.5 * height, y1 = 0.5 * height;
  constexpr double kParallel = 1e-12;
  double t_min = -1e300, t_max = 1e300;
  // Clip to the image box (slab method).
  if (std::abs(dx) > kParallel) {
    const double a = (x0 - px) / dx, b = (x1 - px) / dx;
    t_min = std::max(t_min, std::min(a, b));
    t_max = std::min(t_max, std::max(a, b));
  } else if (px <= x0 || px >= x1) {
    return;
  }
  if (std::abs(dy) > kParallel) {
    const double a = (y0 - py) / dy, b = (y1 - py) / dy;
    t_min = std::max(t_min, std::min(a, b));
    t_max = std::min(t_max, std::max(a, b));
  } else if (py <= y0 || py >= y1) {
    return;
  }
  if (!(t_max > t_min)) return;
  std::vector<double> ts{t_min, t_max};
  if (std::abs(dx) > kParallel) {
    for (int64_t k = 1; k < width; ++k) {
      const double t = (x0 + k - px) / dx;
      if (t > t_min && t < t_max) ts.push_back(t);
    }
  }
  if (std::abs(dy) > kParallel) {
    for (int64_t k = 1; k < height; ++k) {
      const double t = (y0 + k - py) / dy;
      if (t > t_min && t < t_max) ts.push_back(t);
    }
  }
  std::sort(ts.begin(), ts.end());
  for (size_t i = 0; i + 1 < ts.size(); ++i) {
    const double length = ts[i + 1] - ts[i];
    if (length <= 1e-12) continue;
    const double tm = 0.5 * (ts[i] + ts[i + 1]);
    const int64_t col = static_cast<int64_t>(std::floor(px + tm * dx - x0));
    const int64_t row = static_cast<int64_t>(std::floor(y1 - (py + tm * dy)));
    if (col < 0 || col >= width || row < 0 || row >= height) continue;
    out.pixel.push_back(row * width + col);
    out.length.push_back(length);
  }
}

std::shared_ptr<const RayTransform::Matrices> build_matrices(const ParallelBeamGeometry& g) {
  const auto angles = g.angle_values();
  const auto positions = g.detector_positions();
  const int64_t rays = g.angles * g.detectors;
  std::vector<RayEntries> per_ray(rays);
  at::parallel_for(0, rays, 64, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      trace_ray(angles[r / g.detectors], positions[r % g.detectors], g.height, g.width, per_ray[r]);
    }
  });
  std::vector<int64_t> rows, cols;
  std::vector<double> values;
  for (int64_t r = 0; r < rays; ++r) {
    rows.insert(rows.end(), per_ray[r].pixel.size(), r);
    cols.insert(cols.end(), per_ray[r].pixel.begin(), per_ray[r].pixel.end());
    values.insert(values.end(), per_ray[r].length.begin(), per_ray[r].length.end());
  }
  auto m = std::make_shared<RayTransform::Matrices>();
  m->matrix = SparseMatrix::from_triplets(rays, g.height * g.width, rows, cols, values);
  return m;
}

// Matrices are cached per geometry: building and normalising them takes a noticeable fraction of a
// second, and experiments create the same operator many times.
std::shared_ptr<const RayTransform::Matrices> cached_matrices(const ParallelBeamGeometry& g) {
  using Key = std::tuple<int64_t, int64_t, int64_t, double, double, int64_t, double, double>;
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<const RayTransform::Matrices>> cache;
  const Key key{g.height,    g.width,     g.angles,       g.angle_start,
                g.angle_end, g.detectors, g.detector_min, g.detector_max};
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto m = build_matrices(g);
  cache.emplace(key, m);
  return m;
}

}  // namespace

RayTransform::RayTransform(const ParallelBeamGeometry& geometry, bool normalise)
    : geometry_(geometry), normalise_(normalise), matrices_(cached_matrices(geometry)) {
  if (normalise_) {
    // The norm of the raw matrix: power iteration while scale_ is still 1.
    scale_ = 1.0 / power_iteration_norm(*this);
  }
}

int64_t RayTransform::nonzeros() const { return matrices_->matrix->nonzeros(); }

const SparseMatrix& RayTransform::matrix() const { return *matrices_->matrix; }

std::string RayTransform::spec() const {
  const auto defaults =
      ParallelBeamGeometry::make(geometry_.height, geometry_.width, 0, geometry_.angle_start * 180.0 / M_PI,
                                 geometry_.angle_end * 180.0 / M_PI);
  const bool full = std::abs(geometry_.angle_start) < 1e-12 && std::abs(geometry_.angle_end - M_PI) < 1e-12;
  std::vector<std::string> items;
  if (geometry_.angles != defaults.angles) items.push_back("angles=" + std::to_string(geometry_.angles));
  if (!full)
    items.push_back("range=" + spec_degrees(geometry_.angle_start) + ":" + spec_degrees(geometry_.angle_end));
  if (geometry_.detectors != defaults.detectors)
    items.push_back("detectors=" + std::to_string(geometry_.detectors));
  if (!normalise_) items.push_back("normalise=0");
  std::string out = "tomo";
  for (size_t i = 0; i < items.size(); ++i) out += (i == 0 ? ":" : ",") + items[i];
  return out;
}

torch::Tensor RayTransform::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  auto y = matrices_->matrix->multiply(x.flatten(1));
  if (scale_ != 1.0) y = y * scale_;
  return y.reshape(batched_shape(x.size(0), range_shape()));
}

torch::Tensor RayTransform::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  auto x = matrices_->matrix->transposed().multiply(y.flatten(1));
  if (scale_ != 1.0) x = x * scale_;
  return x.reshape(batched_shape(y.size(0), domain_shape()));
}

}  // namespace genreg
