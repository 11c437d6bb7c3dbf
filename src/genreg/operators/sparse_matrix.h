#pragma once
// A sparse matrix (CSR) with a batched product: y = A x for x of shape (B, cols). On the CPU a
// row-parallel kernel computes it over the batch held column-wise (each non-zero updates B
// contiguous values, which the compiler vectorises); on other devices torch's sparse COO product
// does. Both carry autograd: the gradient of A x is A^T g (the transpose is kept alongside).
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "genreg/operators/linear_operator.h"

namespace genreg {

class SparseMatrix {
 public:
  // From coordinates (any order, duplicates summed).
  static std::shared_ptr<const SparseMatrix> from_triplets(int64_t rows, int64_t cols,
                                                           const std::vector<int64_t>& row,
                                                           const std::vector<int64_t>& col,
                                                           const std::vector<double>& value);
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t nonzeros() const { return static_cast<int64_t>(col_.size()); }
  const SparseMatrix& transposed() const { return *transpose_; }

  // (B, cols) -> (B, rows); differentiable in x. The matrix must outlive the autograd graph.
  torch::Tensor multiply(const torch::Tensor& x) const;
  // Without autograd.
  torch::Tensor multiply_no_grad(const torch::Tensor& x) const;
  // The same matrix as a torch sparse COO tensor (float64).
  const torch::Tensor& to_torch() const { return coo_.master(); }

 private:
  SparseMatrix() = default;
  int64_t rows_ = 0, cols_ = 0;
  std::vector<int64_t> row_ptr_, col_;
  std::vector<double> value_;
  std::vector<float> value_float_;
  DeviceCache coo_;  // for non-CPU devices
  std::shared_ptr<SparseMatrix> transpose_storage_;
  const SparseMatrix* transpose_ = nullptr;
};

}  // namespace genreg
