#pragma once
// `ct:`: the physical ray transform of a CT scan, (A x)(view, bin) = integral of x along the ray, in
// metres (PROTOCOL.md, "Medical imaging"), for any CtGeometry (parallel or fan beam).
//
// Discretised by Joseph's method (Joseph 1982, as ASTRA's and ODL's default interpolating
// projectors): a ray less steep than 45 degrees crosses every image column once, and at each
// crossing the image is interpolated linearly between the two nearest pixel centres of that
// column, weighted by the path length per column, pixel_size / |cos|; steeper rays step over rows.
// A^T is the exact transpose of those weights.
//
// Two ways to compute the same weights:
// - matrix: stored once as a sparse matrix with its transpose (SparseMatrix), about 88 bytes per
//   non-zero (2 per step of every ray: ~N^3 for an N x N image with ~2.8 N views);
// - matrix-free: recomputed on the fly for every product, batched over images (the batch held
//   innermost, so each interpolation updates B contiguous values), rays in parallel; the adjoint
//   accumulates per thread and sums.
// On the CPU the stored product was no faster than on the fly at 128 pixels (4.4 against 4.3 ms per
// slice for A and A^T; faster only at 64, 0.5 against 0.9 ms) but took 1.7 GiB and seconds to build,
// and from 256 pixels on it exceeds a quarter of this machine's memory (BENCHMARKS.md, "CT at
// scale"); so `CtProjector::automatic` computes on the fly on the CPU. On other devices it stores the matrix on first use when it fits
// the memory budget (set_operator_memory_budget, the CLI's --operator-memory) and multiplies with
// torch's sparse product on that device; beyond the budget it computes the same weights on the
// fly with tensor operations there (gathers for A, index_add for A^T, rays in chunks).
// `matrix` stores it always (refused beyond the budget), `matrix-free` never. Both paths carry
// autograd (the gradient of A x is A^T g).
#include <memory>
#include <mutex>
#include <vector>

#include "genreg/operators/ct_geometry.h"
#include "genreg/operators/linear_operator.h"
#include "genreg/operators/sparse_matrix.h"

namespace genreg {

enum class CtProjector { automatic, matrix, matrix_free };

// Bytes a stored operator matrix may take (default a quarter of the machine's memory).
void set_operator_memory_budget(int64_t bytes);
int64_t operator_memory_budget();

class CtRayTransform : public LinearOperator {
 public:
  explicit CtRayTransform(CtGeometryPtr geometry, CtProjector projector = CtProjector::automatic);
  torch::Tensor apply(const torch::Tensor& x) const override;
  torch::Tensor adjoint(const torch::Tensor& y) const override;
  std::vector<int64_t> domain_shape() const override;
  std::vector<int64_t> range_shape() const override;
  std::string spec() const override;
  const CtGeometry& geometry() const { return *geometry_; }
  CtGeometryPtr geometry_ptr() const { return geometry_; }
  // Whether CPU products go through a stored matrix.
  bool stored() const { return matrix_ != nullptr; }
  // Non-zeros of the system matrix (counted without storing it), and the bytes storing takes.
  int64_t nonzeros() const { return nonzeros_; }
  int64_t matrix_bytes() const;
  // The matrix-free products by tensor operations, on x's / y's device: what other devices than
  // the CPU run (tests compare them with the CPU kernel).
  torch::Tensor apply_tensor_ops(const torch::Tensor& x) const;
  torch::Tensor adjoint_tensor_ops(const torch::Tensor& y) const;

  struct Traversal;  // per-ray stepping parameters, shared by both paths

 private:
  torch::Tensor apply_no_grad(const torch::Tensor& x) const;
  torch::Tensor adjoint_no_grad(const torch::Tensor& y) const;
  // The stored matrix that products with t's device use, or nullptr for on-the-fly steps.
  const SparseMatrix* matrix_for(const torch::Tensor& t) const;
  friend struct CtProduct;

  CtGeometryPtr geometry_;
  CtProjector requested_;
  torch::Tensor tensor_ops_product(const torch::Tensor& t, bool adjoint) const;
  std::shared_ptr<const std::vector<Traversal>> rays_;
  // The traversals as tensors (first, steps, orientation: int64; offset, slope, length: float64).
  DeviceCache first_, steps_, vertical_, offset_, slope_, length_;
  int64_t max_steps_ = 0;
  int64_t nonzeros_ = 0;
  std::shared_ptr<const SparseMatrix> matrix_;
  mutable std::once_flag device_matrix_once_;
  mutable std::shared_ptr<const SparseMatrix> device_matrix_;
};

}  // namespace genreg
