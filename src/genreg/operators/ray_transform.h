#pragma once
// `tomo`: the 2D parallel-beam ray transform, (A x)(theta, s) = integral of x along the line
// (theta, s), for x piecewise constant on unit pixels. Each entry of the system matrix is the
// exact length of the ray's intersection with a pixel (Siddon 1985), so A is exact for the
// pixel model and A^T is its exact adjoint. The matrix is built once per geometry (and cached
// across operators), stored sparse with its transpose (SparseMatrix: a row-parallel CPU kernel, torch
// sparse products on other devices, autograd on both).
//
// Range: (1, angles, detectors), a sinogram with one row per angle.
#include <memory>

#include "genreg/operators/linear_operator.h"
#include "genreg/operators/parallel_beam_geometry.h"
#include "genreg/operators/sparse_matrix.h"

namespace genreg {

class RayTransform : public LinearOperator {
 public:
  // With `normalise`, A is scaled to ||A||_2 = 1 (PROTOCOL.md); without it, entries are lengths.
  RayTransform(const ParallelBeamGeometry& geometry, bool normalise = true);
  torch::Tensor apply(const torch::Tensor& x) const override;
  torch::Tensor adjoint(const torch::Tensor& y) const override;
  std::vector<int64_t> domain_shape() const override { return {1, geometry_.height, geometry_.width}; }
  std::vector<int64_t> range_shape() const override { return {1, geometry_.angles, geometry_.detectors}; }
  std::string spec() const override;
  const ParallelBeamGeometry& geometry() const { return geometry_; }
  // The factor applied to the intersection lengths (1 / ||raw A||, or 1).
  double scale() const { return scale_; }
  int64_t nonzeros() const;
  // The unscaled system matrix (rays x pixels).
  const SparseMatrix& matrix() const;

  struct Matrices;  // A and A^T, shared between operators of the same geometry

 private:
  ParallelBeamGeometry geometry_;
  bool normalise_;
  double scale_ = 1.0;
  std::shared_ptr<const Matrices> matrices_;
};

}  // namespace genreg
