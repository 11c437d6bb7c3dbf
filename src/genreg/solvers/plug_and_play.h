#pragma once
// Plug-and-play reconstruction: a learned denoiser D_s (models/denoiser.h) stands for the proximal
// operator of an implicit prior R, D_s ~ prox_{s^2 R}, and alternates with a data-consistency step
// on D(x) = ||A x - y||^2 / (2 sigma^2) (functionals/data_fidelity.h: closed form where A^T A is
// diagonal, conjugate gradients otherwise). Every method solves min_x D(x) + lambda R(x) in spirit,
// with one lambda per sample; each sample stops on its own relative change.
//
//   pnp-hqs   half-quadratic splitting with DPIR's schedule (Zhang et al. 2021, eq. 6-7): for
//             k = 1..K, s_k geometric from `denoiser_sigma` (the start) down to the measurement's
//             sigma; x_k = prox_{tau_k D}(z_{k-1}) with tau_k = s_k^2 / lambda (DPIR's
//             alpha_k = lambda sigma^2 / s_k^2 in our scaling), z_k = D_{s_k}(x_k); returns z_K.
//   pnp-admm  scaled ADMM (Venkatakrishnan et al. 2013; Chan et al. 2017) with a fixed strength s:
//             x = prox_{tau D}(z - u), z = D_s(x + u), u += x - z, tau = s^2 / lambda; returns z
//             (= x at the fixed point). With a linear W = prox_g its fixed point minimises
//             D(x) + g(x) / tau.
//   pnp-fista proximal gradient with FISTA momentum (Beck & Teboulle 2009) and the denoiser as the
//             prox: x = D_s(v - gamma grad D(v)), gamma = 1 / L, L = ||A||^2 / sigma^2, and
//             s = sqrt(gamma lambda) (prox_{gamma lambda R} = D_s).
//   red       regularisation by denoising (Romano et al. 2017): min D(x) + lambda/2 <x, x - D_s(x)>,
//             whose gradient is grad D(x) + lambda (x - D_s(x)) for a denoiser with a symmetric
//             Jacobian; solved by the paper's fixed-point iteration (section 5.2)
//             x_{k+1} = prox_{D / lambda}(D_s(x_k)), which needs no step size.
// Every denoiser call is followed by the projection onto the image range [0, 1] unless `box` is off
// (the options below), as TV's images are kept in [0, 1].
#include <chrono>
#include <memory>

#include "genreg/models/denoiser.h"
#include "genreg/solvers/reconstructor.h"
#include "genreg/solvers/relative_change_stop.h"

namespace genreg {

using DenoiserPtr = std::shared_ptr<Denoiser>;

struct PlugAndPlayOptions {
  // Iteration budget (pnp-hqs: the number K of schedule steps).
  TORCH_ARG(int64_t, max_iterations) = 100;
  // Stop a sample when ||x_k - x_{k-1}|| <= tolerance ||x_k|| (not pnp-hqs, whose K is fixed).
  TORCH_ARG(double, tolerance) = 1e-4;
  // pnp-hqs: the schedule's start s_1; pnp-admm, red: the denoiser's fixed strength s; 0: the
  // measurement's sigma for pnp-admm and red, 0.2 (DPIR's 49/255) for pnp-hqs.
  TORCH_ARG(double, denoiser_sigma) = 0.0;
  // Keep the denoiser's output in the image range [0, 1]: z = P_[0,1](D_s(v)). For a separable prior
  // this is exactly prox_{s^2 (R + i_[0,1])}; for a network it removes the small negative and
  // overshooting values that D_s leaves in flat regions (on shapes tomography they cost 0.09 of
  // SSIM, BENCHMARKS.md "Plug-and-play"). Off: the unconstrained methods of the papers.
  TORCH_ARG(bool, box) = true;
  // The data step's conjugate gradients (operators without a closed-form prox).
  TORCH_ARG(DataProxOptions, data_prox) = {};
};

// What the four methods share: the denoiser, the options, and a denoising call with one noise level
// per sample that returns the caller's device and dtype without gradients (in [0, 1] with `box`).
class PlugAndPlayReconstructor : public Reconstructor {
 public:
  PlugAndPlayReconstructor(DenoiserPtr denoiser, PlugAndPlayOptions options);
  const PlugAndPlayOptions& options() const { return options_; }

 protected:
  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& strength) const;
  // The data fidelity with this method's prox options.
  DataFidelity data_with_options(const DataFidelity& data) const;
  // lambda (B,) as float64 on the CPU, checked positive and finite.
  torch::Tensor checked_lambda(const torch::Tensor& lambda, int64_t batch) const;
  // s: the option, or `fallback` when it is 0.
  double strength(double fallback) const;
  // Fills `summary` (when given) from the per-sample stopping state, the final objective and the
  // time since `start`.
  static void report(SolverSummary* summary, const RelativeChangeStop& stop, const torch::Tensor& objective,
                     std::chrono::steady_clock::time_point start);

  DenoiserPtr denoiser_;
  PlugAndPlayOptions options_;
};

class PnpHqs : public PlugAndPlayReconstructor {
 public:
  using PlugAndPlayReconstructor::PlugAndPlayReconstructor;
  std::string name() const override { return "pnp-hqs"; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary = nullptr,
                      const IterationCallback& callback = {}) const override;
  // The K noise levels s_1 >= ... >= s_K, geometric from `start` to `end` (end > start: constant start).
  static std::vector<double> schedule(double start, double end, int64_t steps);
};

class PnpAdmm : public PlugAndPlayReconstructor {
 public:
  using PlugAndPlayReconstructor::PlugAndPlayReconstructor;
  std::string name() const override { return "pnp-admm"; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary = nullptr,
                      const IterationCallback& callback = {}) const override;
};

class PnpFista : public PlugAndPlayReconstructor {
 public:
  using PlugAndPlayReconstructor::PlugAndPlayReconstructor;
  std::string name() const override { return "pnp-fista"; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary = nullptr,
                      const IterationCallback& callback = {}) const override;
};

class RegularisationByDenoising : public PlugAndPlayReconstructor {
 public:
  using PlugAndPlayReconstructor::PlugAndPlayReconstructor;
  std::string name() const override { return "red"; }
  torch::Tensor solve(const DataFidelity& data, const torch::Tensor& lambda, SolverSummary* summary = nullptr,
                      const IterationCallback& callback = {}) const override;
};

}  // namespace genreg
