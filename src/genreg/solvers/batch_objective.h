#pragma once
// A smooth objective over a batch whose samples are independent, evaluated on any sub-batch: the
// solvers evaluate only the samples still working, so a converged (or stalled) sample costs
// nothing more. `index` holds the positions (int64, (b,)) of the rows of x in the full batch, so
// that per-sample data (measurements, weights) can be selected.
#include <torch/torch.h>

#include <functional>
#include <utility>

namespace genreg {

// A value whose gradient is taken later, for chosen rows only, by the backward pass alone: the
// backtracking solver evaluates a trial point anyway, and when the trial is accepted its gradient
// is the next iteration's, so keeping the trial's graph saves a forward pass per iteration.
struct DeferredValue {
  torch::Tensor value;  // (b,)
  // Gradient at the rows `rows` (int64 positions within the evaluated x), shape (r, ...).
  std::function<torch::Tensor(const torch::Tensor& rows)> gradient;
};

class BatchObjective {
 public:
  virtual ~BatchObjective() = default;
  // (b,) values for the samples `index` at x (b, ...).
  virtual torch::Tensor value(const torch::Tensor& x, const torch::Tensor& index) const = 0;
  // Values and the gradient of their sum; the default differentiates value() by autograd.
  virtual std::pair<torch::Tensor, torch::Tensor> value_and_gradient(const torch::Tensor& x,
                                                                     const torch::Tensor& index) const;
  // Whether value_deferred is offered; it must agree exactly with value and value_and_gradient.
  virtual bool defers_gradient() const { return false; }
  virtual DeferredValue value_deferred(const torch::Tensor& x, const torch::Tensor& index) const;
};

// An objective from a function; its gradient comes from autograd unless `gradient` is given.
class FunctionObjective : public BatchObjective {
 public:
  using Value = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& index)>;
  using Gradient = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& index)>;
  explicit FunctionObjective(Value value, Gradient gradient = {})
      : value_(std::move(value)), gradient_(std::move(gradient)) {}
  torch::Tensor value(const torch::Tensor& x, const torch::Tensor& index) const override {
    return value_(x, index);
  }
  std::pair<torch::Tensor, torch::Tensor> value_and_gradient(const torch::Tensor& x,
                                                             const torch::Tensor& index) const override;

 private:
  Value value_;
  Gradient gradient_;
};

}  // namespace genreg
