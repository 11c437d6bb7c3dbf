#include "genreg/operators/identity.h"

namespace genreg {

torch::Tensor Identity::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  return x.clone();
}

torch::Tensor Identity::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  return y.clone();
}

}  // namespace genreg
