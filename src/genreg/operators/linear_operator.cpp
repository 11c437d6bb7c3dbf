#include "genreg/operators/linear_operator.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <sstream>

#include "genreg/core/error.h"

namespace genreg {

namespace {
int64_t product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}
}  // namespace

std::vector<int64_t> batched_shape(int64_t batch, const std::vector<int64_t>& shape) {
  std::vector<int64_t> out{batch};
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

int64_t LinearOperator::domain_size() const { return product(domain_shape()); }
int64_t LinearOperator::range_size() const { return product(range_shape()); }

double LinearOperator::norm() const {
  std::call_once(norm_once_, [this] { norm_ = power_iteration_norm(*this); });
  return norm_;
}

void LinearOperator::check_argument(const torch::Tensor& t, bool range, const char* what) const {
  const auto shape = range ? range_shape() : domain_shape();
  bool ok = t.defined() && t.dim() == static_cast<int64_t>(shape.size()) + 1 && t.is_floating_point();
  for (size_t d = 0; ok && d < shape.size(); ++d) ok = t.size(static_cast<int64_t>(d) + 1) == shape[d];
  if (!ok) {
    std::ostringstream expected;
    expected << "(B";
    for (auto d : shape) expected << ", " << d;
    expected << ")";
    fail("operator ", spec(), ": ", what, " expects a floating tensor of shape ", expected.str(), ", got ",
         t.defined() ? c10::str(t.sizes()) : std::string("nothing"));
  }
}

double power_iteration_norm(const LinearOperator& op, const PowerIterationOptions& options) {
  torch::NoGradGuard no_grad;
  auto generator = at::detail::createCPUGenerator(options.seed());
  auto x = at::randn(batched_shape(1, op.domain_shape()), generator, torch::kFloat64);
  x /= x.norm();
  double estimate = 0.0;
  for (int64_t k = 0; k < options.max_iterations(); ++k) {
    auto next = op.adjoint(op.apply(x));
    // Rayleigh quotient <x, A^T A x> = ||A x||^2 for unit x: converges twice as fast as ||A^T A x||.
    const double value = std::sqrt(std::max(0.0, (x * next).sum().item<double>()));
    const double size = next.norm().item<double>();
    if (size == 0.0) return 0.0;
    x = next / size;
    if (k > 0 && std::abs(value - estimate) <= options.tolerance() * value) return value;
    estimate = value;
  }
  return estimate;
}

torch::Tensor DeviceCache::get(const torch::Tensor& like, bool keep_dtype) const {
  const auto dtype = keep_dtype || !like.is_floating_point() ? master_.scalar_type() : like.scalar_type();
  const auto key = std::make_pair(like.device().str(), static_cast<int>(dtype));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = copies_.find(key);
  if (it != copies_.end()) return it->second;
  auto copy = master_.to(like.device(), dtype);
  copies_.emplace(key, copy);
  return copy;
}

namespace {

class ComposedOperator : public LinearOperator {
 public:
  ComposedOperator(OperatorPtr outer, OperatorPtr inner)
      : outer_(std::move(outer)), inner_(std::move(inner)) {
    require(outer_->domain_shape() == inner_->range_shape(), "cannot compose ", outer_->spec(), " after ",
            inner_->spec(), ": shapes differ");
  }
  torch::Tensor apply(const torch::Tensor& x) const override { return outer_->apply(inner_->apply(x)); }
  torch::Tensor adjoint(const torch::Tensor& y) const override { return inner_->adjoint(outer_->adjoint(y)); }
  std::vector<int64_t> domain_shape() const override { return inner_->domain_shape(); }
  std::vector<int64_t> range_shape() const override { return outer_->range_shape(); }
  std::string spec() const override { return "(" + outer_->spec() + ")*(" + inner_->spec() + ")"; }

 private:
  OperatorPtr outer_, inner_;
};

class ScaledOperator : public LinearOperator {
 public:
  ScaledOperator(OperatorPtr op, double factor) : op_(std::move(op)), factor_(factor) {}
  torch::Tensor apply(const torch::Tensor& x) const override { return op_->apply(x) * factor_; }
  torch::Tensor adjoint(const torch::Tensor& y) const override { return op_->adjoint(y) * factor_; }
  std::vector<int64_t> domain_shape() const override { return op_->domain_shape(); }
  std::vector<int64_t> range_shape() const override { return op_->range_shape(); }
  std::string spec() const override { return c10::str(factor_) + "*(" + op_->spec() + ")"; }
  // (c A)^T (c A) = c^2 A^T A.
  std::optional<GramDiagonal> gram_diagonal() const override {
    auto d = op_->gram_diagonal();
    if (d) d->values = d->values * (factor_ * factor_);
    return d;
  }

 private:
  OperatorPtr op_;
  double factor_;
};

}  // namespace

OperatorPtr compose(OperatorPtr outer, OperatorPtr inner) {
  return std::make_shared<ComposedOperator>(std::move(outer), std::move(inner));
}

OperatorPtr scale(OperatorPtr op, double factor) {
  return std::make_shared<ScaledOperator>(std::move(op), factor);
}

}  // namespace genreg
