#include "genreg/operators/ct_ray_transform.h"

#include <ATen/Parallel.h>
#include <unistd.h>

#include <atomic>
#include <cmath>

#include "genreg/core/error.h"

namespace genreg {

namespace {

// Zero rows (columns) padded on each side of the image, so that the two interpolation neighbours of
// every visited crossing are inside the array without a branch: crossings are visited while the
// padded coordinate is in [0.5, n + 2 kJosephPad - 1.5], which covers every crossing with a non-zero
// weight (coordinates in (-1, n)) and keeps floor and floor + 1 in [0, n + 2 kJosephPad - 1].
constexpr int64_t kJosephPad = 2;

std::atomic<int64_t>& memory_budget_bytes() {
  static std::atomic<int64_t> bytes{[] {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page / 4 : int64_t(4) << 30;
  }()};
  return bytes;
}

// Bytes per stored non-zero: CSR (column, float64 and float32 value) and a COO copy for other
// devices, for A and for A^T (SparseMatrix).
constexpr int64_t kBytesPerNonzero = 2 * (8 + 8 + 4 + 16 + 8);

}  // namespace

void set_operator_memory_budget(int64_t bytes) {
  require(bytes >= 0, "operator memory budget must be non-negative, got ", bytes);
  memory_budget_bytes() = bytes;
}
int64_t operator_memory_budget() { return memory_budget_bytes(); }

// One ray in index coordinates. `vertical` rays step over rows (index j along them) and
// interpolate across columns; the others step over columns and interpolate across rows. The
// padded across-coordinate at step j is offset + j slope; `length` is the path length per step.
struct CtRayTransform::Traversal {
  bool vertical = false;
  int64_t first = 0, last = -1;  // steps visited, inclusive
  double offset = 0.0, slope = 0.0, length = 0.0;
};

namespace {

using Traversal = CtRayTransform::Traversal;

Traversal joseph_traversal(const Ray& ray, const ImageGrid& grid) {
  // Index coordinates: column c = x / ps + (W - 1) / 2, row r = (H - 1) / 2 - y / ps.
  const double ps = grid.pixel_size;
  const double c0 = ray.px / ps + 0.5 * (grid.width - 1), r0 = 0.5 * (grid.height - 1) - ray.py / ps;
  const double dc = ray.dx, dr = -ray.dy;
  Traversal t;
  t.vertical = std::abs(dr) > std::abs(dc);
  const double along0 = t.vertical ? r0 : c0, across0 = t.vertical ? c0 : r0;
  const double d_along = t.vertical ? dr : dc, d_across = t.vertical ? dc : dr;
  const int64_t n_along = t.vertical ? grid.height : grid.width;
  const int64_t n_across = t.vertical ? grid.width : grid.height;
  t.slope = d_across / d_along;
  t.offset = across0 - along0 * t.slope + kJosephPad;
  t.length = ps / std::abs(d_along);
  const double lo = 0.5, hi = n_across + 2 * kJosephPad - 1.5;
  if (std::abs(t.slope) < 1e-14) {
    if (t.offset >= lo && t.offset <= hi) t.first = 0, t.last = n_along - 1;
    return t;
  }
  const double a = (lo - t.offset) / t.slope, b = (hi - t.offset) / t.slope;
  t.first = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(std::min(a, b))));
  t.last = std::min<int64_t>(n_along - 1, static_cast<int64_t>(std::floor(std::max(a, b))));
  return t;
}

// Calls visit(row, column, weight) for every in-image weight of the ray, in step order.
template <typename Visit>
void for_each_weight(const Traversal& t, const ImageGrid& grid, Visit&& visit) {
  const int64_t n_across = t.vertical ? grid.width : grid.height;
  for (int64_t j = t.first; j <= t.last; ++j) {
    const double p = t.offset + j * t.slope;
    const int64_t i = static_cast<int64_t>(p);
    const double f = p - i;
    for (int64_t k = 0; k < 2; ++k) {
      const int64_t across = i + k - kJosephPad;
      const double w = (k == 0 ? 1.0 - f : f) * t.length;
      if (across < 0 || across >= n_across || w == 0.0) continue;
      if (t.vertical)
        visit(j, across, w);
      else
        visit(across, j, w);
    }
  }
}

// Forward: out[ray][b] = length sum_j (1 - f_j) X[i_j][j][b] + f_j X[i_j + 1][j][b], X the padded
// image laid out (across, along, batch) for the ray's orientation.
template <typename T>
__attribute__((always_inline)) inline void project_rays(const Traversal* rays, int64_t begin, int64_t end,
                                                        const T* horizontal, const T* vertical,
                                                        int64_t height, int64_t width, int64_t batch,
                                                        T* out) {
  std::vector<T> acc(batch);
  for (int64_t r = begin; r < end; ++r) {
    const Traversal& t = rays[r];
    std::fill(acc.begin(), acc.end(), T(0));
    const T* image = t.vertical ? vertical : horizontal;
    const int64_t n_along = t.vertical ? height : width;
    for (int64_t j = t.first; j <= t.last; ++j) {
      const double p = t.offset + j * t.slope;
      const int64_t i = static_cast<int64_t>(p);
      const T f = static_cast<T>(p - i), g = T(1) - f;
      const T* __restrict__ a = image + (i * n_along + j) * batch;
      const T* __restrict__ c = a + n_along * batch;
      for (int64_t b = 0; b < batch; ++b) acc[b] += g * a[b] + f * c[b];
    }
    T* o = out + r * batch;
    for (int64_t b = 0; b < batch; ++b) o[b] = acc[b] * static_cast<T>(t.length);
  }
}

// Adjoint: the transpose of project_rays, scattered into per-thread padded images.
template <typename T>
__attribute__((always_inline)) inline void back_project_rays(const Traversal* rays, int64_t begin,
                                                             int64_t end, const T* in, int64_t height,
                                                             int64_t width, int64_t batch, T* horizontal,
                                                             T* vertical) {
  std::vector<T> v(batch);
  for (int64_t r = begin; r < end; ++r) {
    const Traversal& t = rays[r];
    T* image = t.vertical ? vertical : horizontal;
    const int64_t n_along = t.vertical ? height : width;
    for (int64_t b = 0; b < batch; ++b) v[b] = in[r * batch + b] * static_cast<T>(t.length);
    for (int64_t j = t.first; j <= t.last; ++j) {
      const double p = t.offset + j * t.slope;
      const int64_t i = static_cast<int64_t>(p);
      const T f = static_cast<T>(p - i), g = T(1) - f;
      T* __restrict__ a = image + (i * n_along + j) * batch;
      T* __restrict__ c = a + n_along * batch;
      for (int64_t b = 0; b < batch; ++b) {
        a[b] += g * v[b];
        c[b] += f * v[b];
      }
    }
  }
}

// Compiled for AVX2+FMA and the baseline, chosen at run time (as SparseMatrix's kernel).
#define GENREG_CT_KERNELS(T)                                                                         \
  __attribute__((target_clones("avx2,fma", "default"))) void project_##T(                            \
      const Traversal* rays, int64_t begin, int64_t end, const T* h, const T* v, int64_t height,     \
      int64_t width, int64_t batch, T* out) {                                                        \
    project_rays<T>(rays, begin, end, h, v, height, width, batch, out);                              \
  }                                                                                                  \
  __attribute__((target_clones("avx2,fma", "default"))) void back_project_##T(                       \
      const Traversal* rays, int64_t begin, int64_t end, const T* in, int64_t height, int64_t width, \
      int64_t batch, T* h, T* v) {                                                                   \
    back_project_rays<T>(rays, begin, end, in, height, width, batch, h, v);                          \
  }
GENREG_CT_KERNELS(float)
GENREG_CT_KERNELS(double)
#undef GENREG_CT_KERNELS

void project_all(const Traversal* rays, int64_t n, const float* h, const float* v, int64_t height,
                 int64_t width, int64_t batch, float* out) {
  at::parallel_for(0, n, 256,
                   [&](int64_t b, int64_t e) { project_float(rays, b, e, h, v, height, width, batch, out); });
}
void project_all(const Traversal* rays, int64_t n, const double* h, const double* v, int64_t height,
                 int64_t width, int64_t batch, double* out) {
  at::parallel_for(
      0, n, 256, [&](int64_t b, int64_t e) { project_double(rays, b, e, h, v, height, width, batch, out); });
}
void back_project_chunk(const Traversal* rays, int64_t b, int64_t e, const float* in, int64_t height,
                        int64_t width, int64_t batch, float* h, float* v) {
  back_project_float(rays, b, e, in, height, width, batch, h, v);
}
void back_project_chunk(const Traversal* rays, int64_t b, int64_t e, const double* in, int64_t height,
                        int64_t width, int64_t batch, double* h, double* v) {
  back_project_double(rays, b, e, in, height, width, batch, h, v);
}

// (B, H, W) -> padded (H + 2 kJosephPad, W, B) and, transposed, (W + 2 kJosephPad, H, B).
std::pair<torch::Tensor, torch::Tensor> joseph_layouts(const torch::Tensor& images) {
  auto h = torch::constant_pad_nd(images, {0, 0, kJosephPad, kJosephPad}).permute({1, 2, 0}).contiguous();
  auto v = torch::constant_pad_nd(images.transpose(1, 2), {0, 0, kJosephPad, kJosephPad})
               .permute({1, 2, 0})
               .contiguous();
  return {h, v};
}

template <typename T>
torch::Tensor joseph_forward(const std::vector<Traversal>& rays, const torch::Tensor& images) {
  const int64_t batch = images.size(0), height = images.size(1), width = images.size(2);
  auto [h, v] = joseph_layouts(images);
  auto out = torch::empty({static_cast<int64_t>(rays.size()), batch}, h.options());
  project_all(rays.data(), static_cast<int64_t>(rays.size()), h.data_ptr<T>(), v.data_ptr<T>(), height, width,
              batch, out.data_ptr<T>());
  return out.t();  // (B, rays)
}

template <typename T>
torch::Tensor joseph_adjoint(const std::vector<Traversal>& rays, const torch::Tensor& values, int64_t height,
                             int64_t width) {
  const int64_t batch = values.size(0), n = static_cast<int64_t>(rays.size());
  auto in = values.t().contiguous();  // (rays, B)
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), n / 64));
  auto h = torch::zeros({chunks, height + 2 * kJosephPad, width, batch}, in.options());
  auto v = torch::zeros({chunks, width + 2 * kJosephPad, height, batch}, in.options());
  at::parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c)
      back_project_chunk(rays.data(), n * c / chunks, n * (c + 1) / chunks, in.data_ptr<T>(), height, width,
                         batch, h[c].data_ptr<T>(), v[c].data_ptr<T>());
  });
  auto hs = h.sum(0).narrow(0, kJosephPad, height);     // (H, W, B)
  auto vs = v.sum(0).narrow(0, kJosephPad, width);      // (W, H, B)
  return (hs + vs.transpose(0, 1)).permute({2, 0, 1});  // (B, H, W)
}

std::shared_ptr<const SparseMatrix> build_joseph_matrix(const std::vector<Traversal>& rays,
                                                        const ImageGrid& grid) {
  std::vector<int64_t> row, col;
  std::vector<double> value;
  for (size_t r = 0; r < rays.size(); ++r)
    for_each_weight(rays[r], grid, [&](int64_t i, int64_t j, double w) {
      row.push_back(static_cast<int64_t>(r));
      col.push_back(i * grid.width + j);
      value.push_back(w);
    });
  return SparseMatrix::from_triplets(static_cast<int64_t>(rays.size()), grid.height * grid.width, row, col,
                                     value);
}

}  // namespace

// Autograd: the gradient of A x is A^T g and that of A^T y is A g.
struct CtProduct : public torch::autograd::Function<CtProduct> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor t,
                               const CtRayTransform* op, bool adjoint) {
    ctx->saved_data["op"] = reinterpret_cast<int64_t>(op);
    ctx->saved_data["adjoint"] = adjoint;
    return adjoint ? op->adjoint_no_grad(t) : op->apply_no_grad(t);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto* op = reinterpret_cast<const CtRayTransform*>(ctx->saved_data["op"].toInt());
    const bool adjoint = ctx->saved_data["adjoint"].toBool();
    return {CtProduct::apply(grad[0], op, !adjoint), torch::Tensor(), torch::Tensor()};
  }
};

CtRayTransform::CtRayTransform(CtGeometryPtr geometry, CtProjector projector)
    : geometry_(std::move(geometry)), requested_(projector) {
  require(geometry_ != nullptr, "ct: no geometry");
  const auto& g = *geometry_;
  auto rays = std::make_shared<std::vector<Traversal>>(g.views() * g.detectors());
  at::parallel_for(0, g.views(), 1, [&](int64_t v0, int64_t v1) {
    for (int64_t v = v0; v < v1; ++v)
      for (int64_t d = 0; d < g.detectors(); ++d)
        (*rays)[v * g.detectors() + d] = joseph_traversal(g.ray(v, d), g.grid());
  });
  const int64_t n = static_cast<int64_t>(rays->size());
  auto first = torch::empty({n}, torch::kLong), steps = torch::empty({n}, torch::kLong);
  auto vertical = torch::empty({n}, torch::kLong), offset = torch::empty({n}, torch::kFloat64);
  auto slope = torch::empty({n}, torch::kFloat64), length = torch::empty({n}, torch::kFloat64);
  for (int64_t r = 0; r < n; ++r) {
    const auto& t = (*rays)[r];
    const int64_t count = std::max<int64_t>(0, t.last - t.first + 1);
    nonzeros_ += 2 * count;
    max_steps_ = std::max(max_steps_, count);
    first[r] = t.first;
    steps[r] = count;
    vertical[r] = t.vertical ? 1 : 0;
    offset[r] = t.offset;
    slope[r] = t.slope;
    length[r] = t.length;
  }
  first_ = DeviceCache(first);
  steps_ = DeviceCache(steps);
  vertical_ = DeviceCache(vertical);
  offset_ = DeviceCache(offset);
  slope_ = DeviceCache(slope);
  length_ = DeviceCache(length);
  rays_ = rays;
  const bool fits = matrix_bytes() <= operator_memory_budget();
  if (projector == CtProjector::matrix) {
    require(fits, "ct: the stored matrix would take ", matrix_bytes() >> 20,
            " MiB, over the operator memory budget of ", operator_memory_budget() >> 20,
            " MiB (raise --operator-memory or use projector=matrix-free)");
  }
  if (projector == CtProjector::matrix) matrix_ = build_joseph_matrix(*rays_, g.grid());
}

const SparseMatrix* CtRayTransform::matrix_for(const torch::Tensor& t) const {
  if (matrix_) return matrix_.get();
  if (t.device().is_cpu() || requested_ != CtProjector::automatic) return nullptr;
  std::call_once(device_matrix_once_, [this] {
    if (matrix_bytes() <= operator_memory_budget())
      device_matrix_ = build_joseph_matrix(*rays_, geometry_->grid());
  });
  return device_matrix_.get();
}

int64_t CtRayTransform::matrix_bytes() const { return nonzeros_ * kBytesPerNonzero; }

std::vector<int64_t> CtRayTransform::domain_shape() const {
  return {1, geometry_->grid().height, geometry_->grid().width};
}
std::vector<int64_t> CtRayTransform::range_shape() const {
  return {1, geometry_->views(), geometry_->detectors()};
}

std::string CtRayTransform::spec() const {
  std::string out = "ct:" + geometry_->spec_items();
  if (requested_ == CtProjector::matrix) out += ",projector=matrix";
  if (requested_ == CtProjector::matrix_free) out += ",projector=matrix-free";
  return out;
}

torch::Tensor CtRayTransform::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  if (!x.requires_grad()) return apply_no_grad(x);
  return CtProduct::apply(x, this, false);
}

torch::Tensor CtRayTransform::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  if (!y.requires_grad()) return adjoint_no_grad(y);
  return CtProduct::apply(y, this, true);
}

// The kernels' weights by tensor operations: for a chunk of rays, every step j of each ray gives the
// padded across-coordinate p = offset + j slope (float64, as the kernels), its two neighbours and
// their weights (1 - f, f) times the step length; steps beyond a ray's count or outside the image
// weigh zero. A gathers and sums them; A^T adds them back with index_add.
torch::Tensor CtRayTransform::tensor_ops_product(const torch::Tensor& t, bool adjoint) const {
  const auto& grid = geometry_->grid();
  const int64_t batch = t.size(0), n = static_cast<int64_t>(rays_->size());
  const int64_t h = grid.height, w = grid.width;
  const auto dtype = t.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  const auto in = t.reshape({batch, -1}).to(dtype);
  auto out = adjoint ? torch::zeros({batch, h * w}, in.options()) : torch::empty({batch, n}, in.options());
  if (max_steps_ == 0) return out;
  const auto first = first_.get(in, true), steps = steps_.get(in, true), vertical = vertical_.get(in, true);
  const auto offset = offset_.get(in, true), slope = slope_.get(in, true), length = length_.get(in, true);
  const auto along = torch::arange(max_steps_, in.options().dtype(torch::kLong)).unsqueeze(0);
  const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 21) / max_steps_);
  for (int64_t r0 = 0; r0 < n; r0 += chunk) {
    const int64_t r1 = std::min(n, r0 + chunk), rows = r1 - r0;
    auto j = first.narrow(0, r0, rows).unsqueeze(1) + along;  // (R, S)
    auto valid = along < steps.narrow(0, r0, rows).unsqueeze(1);
    auto p = offset.narrow(0, r0, rows).unsqueeze(1) +
             j.to(torch::kFloat64) * slope.narrow(0, r0, rows).unsqueeze(1);
    auto i = p.floor();
    auto f = p - i;
    auto base = i.to(torch::kLong) - kJosephPad;
    auto vert = vertical.narrow(0, r0, rows).unsqueeze(1).to(torch::kBool);
    auto across_size = torch::where(vert, torch::full_like(base, w), torch::full_like(base, h));
    auto step_length = length.narrow(0, r0, rows).unsqueeze(1);
    torch::Tensor sum;
    for (int64_t k = 0; k < 2; ++k) {
      auto across = base + k;
      auto inside = valid & (across >= 0) & (across < across_size);
      auto index = torch::where(vert, j * w + across, across * w + j).masked_fill(~inside, 0);
      auto weight = ((k == 0 ? 1.0 - f : f) * step_length).masked_fill(~inside, 0.0).to(dtype);
      if (adjoint) {
        auto values = in.narrow(1, r0, rows).unsqueeze(2) * weight.unsqueeze(0);  // (B, R, S)
        out.index_add_(1, index.flatten(), values.reshape({batch, -1}));
      } else {
        auto part =
            (in.index_select(1, index.flatten()).view({batch, rows, max_steps_}) * weight.unsqueeze(0))
                .sum(2);
        sum = k == 0 ? part : sum + part;
      }
    }
    if (!adjoint) out.narrow(1, r0, rows).copy_(sum);
  }
  return out;
}

torch::Tensor CtRayTransform::apply_tensor_ops(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  torch::NoGradGuard no_grad;
  return tensor_ops_product(x, false).reshape(batched_shape(x.size(0), range_shape())).to(x.scalar_type());
}

torch::Tensor CtRayTransform::adjoint_tensor_ops(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  torch::NoGradGuard no_grad;
  return tensor_ops_product(y, true).reshape(batched_shape(y.size(0), domain_shape())).to(y.scalar_type());
}

torch::Tensor CtRayTransform::apply_no_grad(const torch::Tensor& x) const {
  torch::NoGradGuard no_grad;
  const int64_t batch = x.size(0);
  const auto& grid = geometry_->grid();
  if (const auto* m = matrix_for(x))
    return m->multiply_no_grad(x.flatten(1)).reshape(batched_shape(batch, range_shape()));
  if (!x.device().is_cpu())
    return tensor_ops_product(x, false).reshape(batched_shape(batch, range_shape())).to(x.scalar_type());
  auto images = x.reshape({batch, grid.height, grid.width}).to(torch::kCPU);
  torch::Tensor out;
  if (images.scalar_type() == torch::kFloat64) {
    out = joseph_forward<double>(*rays_, images);
  } else {
    out = joseph_forward<float>(*rays_, images.to(torch::kFloat32));
  }
  return out.reshape(batched_shape(batch, range_shape())).to(x.device(), x.scalar_type());
}

torch::Tensor CtRayTransform::adjoint_no_grad(const torch::Tensor& y) const {
  torch::NoGradGuard no_grad;
  const int64_t batch = y.size(0);
  const auto& grid = geometry_->grid();
  if (const auto* m = matrix_for(y))
    return m->transposed().multiply_no_grad(y.flatten(1)).reshape(batched_shape(batch, domain_shape()));
  if (!y.device().is_cpu())
    return tensor_ops_product(y, true).reshape(batched_shape(batch, domain_shape())).to(y.scalar_type());
  auto values = y.reshape({batch, -1}).to(torch::kCPU);
  torch::Tensor out;
  if (values.scalar_type() == torch::kFloat64) {
    out = joseph_adjoint<double>(*rays_, values, grid.height, grid.width);
  } else {
    out = joseph_adjoint<float>(*rays_, values.to(torch::kFloat32), grid.height, grid.width);
  }
  return out.reshape(batched_shape(batch, domain_shape())).to(y.device(), y.scalar_type());
}

}  // namespace genreg
