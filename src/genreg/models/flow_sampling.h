#pragma once
// Sampling a flow-matching model: the ODE dx/dt = v(x, t) integrated from a draw x(0) ~ N(0, I) at
// t = 0 to the data at t = 1 (Lipman et al. 2023; Liu et al. 2023's rectified flow, whose paths
// x_t = (1 - t) x_0 + t x_1 are straight, so that a few steps suffice), with Euler's method (one
// evaluation of v per step) or Heun's (two, second order: Karras et al. 2022, Algorithm 1 without
// noise).
#include <torch/torch.h>

#include <functional>
#include <string>

namespace genreg {

enum class OdeSolver { euler, heun };
// "euler" or "heun"; throws genreg::Error otherwise.
OdeSolver parse_ode_solver(const std::string& name);
std::string to_string(OdeSolver solver);

// v(x, t) for a batch x at the time t in [0, 1] (the same for the whole batch).
using VelocityField = std::function<torch::Tensor(const torch::Tensor& x, double t)>;

// x(1) from x(0) = `start` with `steps` equal steps (steps >= 1).
torch::Tensor integrate_flow(const VelocityField& velocity, const torch::Tensor& start, int64_t steps,
                             OdeSolver solver);

// Evaluations of v that integrate_flow makes.
inline int64_t flow_evaluations(int64_t steps, OdeSolver solver) {
  return solver == OdeSolver::heun ? 2 * steps : steps;
}

}  // namespace genreg
