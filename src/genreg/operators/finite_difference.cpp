#include "genreg/operators/finite_difference.h"

namespace genreg {

torch::Tensor FiniteDifference::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  auto g = torch::zeros(batched_shape(x.size(0), range_shape()), x.options());
  // g_v[i, j] = x[i+1, j] - x[i, j] (0 on the last row); g_h likewise along columns.
  g.select(1, 0)
      .narrow(1, 0, height_ - 1)
      .copy_(x.select(1, 0).narrow(1, 1, height_ - 1) - x.select(1, 0).narrow(1, 0, height_ - 1));
  g.select(1, 1)
      .narrow(2, 0, width_ - 1)
      .copy_(x.select(1, 0).narrow(2, 1, width_ - 1) - x.select(1, 0).narrow(2, 0, width_ - 1));
  return g;
}

torch::Tensor FiniteDifference::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  // <grad x, p> = sum_ij p_v[i,j] (x[i+1,j] - x[i,j]) + ... : collect the coefficient of each x[i,j].
  auto out = torch::zeros({y.size(0), height_, width_}, y.options());
  auto pv = y.select(1, 0).narrow(1, 0, height_ - 1);
  auto ph = y.select(1, 1).narrow(2, 0, width_ - 1);
  out.narrow(1, 1, height_ - 1).add_(pv);
  out.narrow(1, 0, height_ - 1).sub_(pv);
  out.narrow(2, 1, width_ - 1).add_(ph);
  out.narrow(2, 0, width_ - 1).sub_(ph);
  return out.unsqueeze(1);
}

}  // namespace genreg
