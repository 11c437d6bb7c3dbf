#pragma once
// Linear forward operators A of y = A x + e (PROTOCOL.md, "Forward operators"), in the split of
// ODL and elsa: an operator maps a batch of images to a batch of measurements and knows its
// adjoint and norm. Every tensor argument carries a leading batch dimension B:
//   apply:   (B, *domain_shape()) -> (B, *range_shape())
//   adjoint: (B, *range_shape())  -> (B, *domain_shape())
// Operators work on any device and floating dtype: their own data (matrices, kernels, masks) is
// moved to the argument's device and dtype on first use and cached there.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace genreg {

// A^T A in closed form where it is diagonal in a known orthonormal basis: the pixel basis
// (A^T A = diag(values)) or the 2D Fourier basis (A^T A = F^H diag(values) F, F the orthonormal
// DFT over the last two dimensions). `values` is (1, H, W) float64 on the CPU. The data fidelity's
// prox (I + t A^T A)^{-1} is then one division in that basis.
struct GramDiagonal {
  enum class Basis { pixel, fourier };
  Basis basis = Basis::pixel;
  torch::Tensor values;
};

class LinearOperator {
 public:
  virtual ~LinearOperator() = default;
  virtual torch::Tensor apply(const torch::Tensor& x) const = 0;
  virtual torch::Tensor adjoint(const torch::Tensor& y) const = 0;
  // Per-sample shapes, without the batch dimension; images are (1, H, W).
  virtual std::vector<int64_t> domain_shape() const = 0;
  virtual std::vector<int64_t> range_shape() const = 0;
  // A spec string that make_operator turns back into this operator ("cs:150,seed=0").
  virtual std::string spec() const = 0;

  int64_t domain_size() const;
  // Number of real measurements per sample: M in the discrepancy principle ||Ax - y||^2 <= M sigma^2.
  int64_t range_size() const;
  // ||A||_2, estimated once by power iteration on A^T A in float64 and cached.
  double norm() const;
  // A^T A's diagonal where the operator knows one (denoise, inpaint, mri); nullopt otherwise.
  virtual std::optional<GramDiagonal> gram_diagonal() const { return std::nullopt; }

 protected:
  // Throws genreg::Error unless x is (B, *domain_shape()) (`range` false) or (B, *range_shape()).
  void check_argument(const torch::Tensor& t, bool range, const char* what) const;

 private:
  mutable std::once_flag norm_once_;
  mutable double norm_ = 0.0;
};

using OperatorPtr = std::shared_ptr<const LinearOperator>;

struct PowerIterationOptions {
  TORCH_ARG(int64_t, max_iterations) = 1000;
  TORCH_ARG(double, tolerance) = 1e-10;  // relative change of the estimate
  TORCH_ARG(uint64_t, seed) = 0;
};
// ||A||_2 = sqrt(largest eigenvalue of A^T A), by power iteration in float64 on the CPU.
double power_iteration_norm(const LinearOperator& op, const PowerIterationOptions& options = {});

// (B, *shape) for a batch of `batch`.
std::vector<int64_t> batched_shape(int64_t batch, const std::vector<int64_t>& shape);

// A cache of one master tensor converted to (device, dtype) pairs on demand.
class DeviceCache {
 public:
  DeviceCache() = default;
  explicit DeviceCache(torch::Tensor master) : master_(std::move(master)) {}
  // Copies share the master; their converted copies are made anew.
  DeviceCache(const DeviceCache& other) : master_(other.master_) {}
  DeviceCache& operator=(const DeviceCache& other) {
    if (this != &other) {
      std::lock_guard<std::mutex> lock(mutex_);
      master_ = other.master_;
      copies_.clear();
    }
    return *this;
  }
  const torch::Tensor& master() const { return master_; }
  // The master tensor on `like`'s device in `like`'s floating dtype (or the master's dtype when
  // `keep_dtype`).
  torch::Tensor get(const torch::Tensor& like, bool keep_dtype = false) const;

 private:
  torch::Tensor master_;
  mutable std::mutex mutex_;
  mutable std::map<std::pair<std::string, int>, torch::Tensor> copies_;
};

// Composition A B (apply B first) and scaling c A.
OperatorPtr compose(OperatorPtr outer, OperatorPtr inner);
OperatorPtr scale(OperatorPtr op, double factor);

}  // namespace genreg
