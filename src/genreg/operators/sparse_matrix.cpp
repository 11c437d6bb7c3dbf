#include "genreg/operators/sparse_matrix.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <numeric>
#include <type_traits>

#include "genreg/core/error.h"

namespace genreg {
namespace {

// out (rows, B) = A (rows, cols) xt (cols, B), one output row per task. Each non-zero updates B
// contiguous values; the kernel is compiled for AVX2+FMA as well as the baseline and chosen at run
// time (GCC function multiversioning), so one binary is fast on current CPUs and runs everywhere.
template <typename T>
inline __attribute__((always_inline)) void csr_rows(const int64_t* row_ptr, const int64_t* col,
                                                    const T* value, const T* xt, T* out, int64_t begin,
                                                    int64_t end, int64_t batch) {
  for (int64_t r = begin; r < end; ++r) {
    T* __restrict__ o = out + r * batch;
    std::fill(o, o + batch, T(0));
    for (int64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) {
      const T v = value[k];
      const T* __restrict__ xr = xt + col[k] * batch;
      for (int64_t b = 0; b < batch; ++b) o[b] += v * xr[b];
    }
  }
}

__attribute__((target_clones("avx2,fma", "default"))) void csr_rows_float(const int64_t* row_ptr,
                                                                          const int64_t* col,
                                                                          const float* value, const float* xt,
                                                                          float* out, int64_t begin,
                                                                          int64_t end, int64_t batch) {
  csr_rows<float>(row_ptr, col, value, xt, out, begin, end, batch);
}

__attribute__((target_clones("avx2,fma", "default"))) void csr_rows_double(
    const int64_t* row_ptr, const int64_t* col, const double* value, const double* xt, double* out,
    int64_t begin, int64_t end, int64_t batch) {
  csr_rows<double>(row_ptr, col, value, xt, out, begin, end, batch);
}

template <typename T>
void csr_product(const int64_t* row_ptr, const int64_t* col, const T* value, const T* xt, T* out,
                 int64_t rows, int64_t batch) {
  at::parallel_for(0, rows, 32, [&](int64_t begin, int64_t end) {
    if constexpr (std::is_same_v<T, float>) {
      csr_rows_float(row_ptr, col, value, xt, out, begin, end, batch);
    } else {
      csr_rows_double(row_ptr, col, value, xt, out, begin, end, batch);
    }
  });
}

// Autograd: d(A x)/dx applied to g is A^T g. The matrices are passed as a pointer kept in the
// context, so they must outlive the graph (RayTransform keeps them in a process-wide cache).
struct SparseProduct : public torch::autograd::Function<SparseProduct> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x,
                               const SparseMatrix* matrix) {
    ctx->saved_data["matrix"] = reinterpret_cast<int64_t>(matrix);
    return matrix->multiply_no_grad(x);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto* matrix = reinterpret_cast<const SparseMatrix*>(ctx->saved_data["matrix"].toInt());
    return {SparseProduct::apply(grad[0], &matrix->transposed()), torch::Tensor()};
  }
};

}  // namespace

std::shared_ptr<const SparseMatrix> SparseMatrix::from_triplets(int64_t rows, int64_t cols,
                                                                const std::vector<int64_t>& row,
                                                                const std::vector<int64_t>& col,
                                                                const std::vector<double>& value) {
  require(row.size() == col.size() && col.size() == value.size(), "sparse matrix: triplet lengths differ");
  auto build = [](int64_t rows, int64_t cols, const std::vector<int64_t>& r, const std::vector<int64_t>& c,
                  const std::vector<double>& v) {
    auto m = std::shared_ptr<SparseMatrix>(new SparseMatrix());
    m->rows_ = rows;
    m->cols_ = cols;
    // Counting sort by row, then by column within a row; duplicates summed.
    std::vector<size_t> order(r.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return r[a] != r[b] ? r[a] < r[b] : c[a] < c[b]; });
    m->row_ptr_.assign(rows + 1, 0);
    for (size_t i = 0; i < order.size(); ++i) {
      const size_t k = order[i];
      require(r[k] >= 0 && r[k] < rows && c[k] >= 0 && c[k] < cols, "sparse matrix: index out of range");
      if (i > 0 && r[order[i - 1]] == r[k] && c[order[i - 1]] == c[k]) {
        m->value_.back() += v[k];
        continue;
      }
      m->col_.push_back(c[k]);
      m->value_.push_back(v[k]);
      m->row_ptr_[r[k] + 1]++;
    }
    for (int64_t i = 0; i < rows; ++i) m->row_ptr_[i + 1] += m->row_ptr_[i];
    m->value_float_.assign(m->value_.begin(), m->value_.end());
    // COO copy for devices other than the CPU.
    auto index = torch::empty({2, m->nonzeros()}, torch::kLong);
    auto ia = index.accessor<int64_t, 2>();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t k = m->row_ptr_[i]; k < m->row_ptr_[i + 1]; ++k) {
        ia[0][k] = i;
        ia[1][k] = m->col_[k];
      }
    auto values = torch::from_blob(m->value_.data(), {m->nonzeros()}, torch::kFloat64).clone();
    m->coo_ = DeviceCache(torch::sparse_coo_tensor(index, values, {rows, cols}).coalesce());
    return m;
  };
  auto forward = build(rows, cols, row, col, value);
  auto backward = build(cols, rows, col, row, value);
  forward->transpose_storage_ = backward;
  forward->transpose_ = backward.get();
  backward->transpose_ = forward.get();  // no owning cycle: the forward matrix owns its transpose
  return forward;
}

torch::Tensor SparseMatrix::multiply(const torch::Tensor& x) const {
  if (!x.requires_grad()) return multiply_no_grad(x);
  return SparseProduct::apply(x, this);
}

torch::Tensor SparseMatrix::multiply_no_grad(const torch::Tensor& x_in) const {
  torch::NoGradGuard no_grad;
  require(x_in.dim() == 2 && x_in.size(1) == cols_, "sparse product: expected (B, ", cols_, "), got ",
          x_in.sizes());
  if (!x_in.device().is_cpu()) return torch::mm(coo_.get(x_in), x_in.t()).t();
  const int64_t batch = x_in.size(0);
  if (x_in.scalar_type() == torch::kFloat64) {
    auto xt = x_in.t().contiguous();
    auto out = torch::empty({rows_, batch}, xt.options());
    csr_product<double>(row_ptr_.data(), col_.data(), value_.data(), xt.data_ptr<double>(),
                        out.data_ptr<double>(), rows_, batch);
    return out.t();
  }
  auto xt = x_in.to(torch::kFloat32).t().contiguous();
  auto out = torch::empty({rows_, batch}, xt.options());
  csr_product<float>(row_ptr_.data(), col_.data(), value_float_.data(), xt.data_ptr<float>(),
                     out.data_ptr<float>(), rows_, batch);
  return out.t().to(x_in.scalar_type());
}

}  // namespace genreg
