#pragma once
// `mri:ACC`: single-coil Cartesian MRI. A x = P F x with F the orthonormal 2D DFT and P the
// selection of a seeded set of k-space rows (phase-encoding lines): about H / ACC lines, of which
// the central (low-frequency) ones are always kept, the rest drawn at random. The image is real;
// the complex data are stored as two channels (real, imaginary) of the kept rows: range
// (2, L, W). F is unitary, so A^T y = Re(F^H P^T y) and ||A||_2 = 1 (the zero frequency is kept).
#include "genreg/operators/linear_operator.h"

namespace genreg {

class CartesianFourier : public LinearOperator {
 public:
  // `center_fraction` of the H rows around zero frequency are always kept (at least one).
  CartesianFourier(int64_t height, int64_t width, double acceleration, uint64_t seed = 0,
                   double center_fraction = 0.08);
  torch::Tensor apply(const torch::Tensor& x) const override;
  torch::Tensor adjoint(const torch::Tensor& y) const override;
  std::vector<int64_t> domain_shape() const override { return {1, height_, width_}; }
  std::vector<int64_t> range_shape() const override { return {2, rows_.master().numel(), width_}; }
  std::string spec() const override;
  // The kept k-space rows in FFT order (row 0 = zero frequency), sorted.
  const torch::Tensor& rows() const { return rows_.master(); }
  // On real images A^T A x = Re(F^H P F x) = F^H diag(d) F x with d(k) = (p(k) + p(-k)) / 2, p the
  // 0/1 row mask: for real x, (F x)(-k) = conj((F x)(k)), so taking the real part averages the mask
  // with its reflection.
  std::optional<GramDiagonal> gram_diagonal() const override;

 private:
  int64_t height_, width_;
  double acceleration_, center_fraction_;
  uint64_t seed_;
  DeviceCache rows_;
};

}  // namespace genreg
