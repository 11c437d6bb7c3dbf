#include "genreg/models/flow_sampling.h"

#include "genreg/core/error.h"

namespace genreg {

OdeSolver parse_ode_solver(const std::string& name) {
  if (name == "euler") return OdeSolver::euler;
  if (name == "heun") return OdeSolver::heun;
  fail("unknown ODE solver '", name, "' (euler or heun)");
}

std::string to_string(OdeSolver solver) { return solver == OdeSolver::heun ? "heun" : "euler"; }

torch::Tensor integrate_flow(const VelocityField& velocity, const torch::Tensor& start, int64_t steps,
                             OdeSolver solver) {
  require(steps >= 1, "a flow needs at least one step, got ", steps);
  const double h = 1.0 / static_cast<double>(steps);
  auto x = start;
  for (int64_t k = 0; k < steps; ++k) {
    const double t = static_cast<double>(k) * h;
    const auto v = velocity(x, t);
    if (solver == OdeSolver::euler) {
      x = x + h * v;
      continue;
    }
    // Heun: the trapezoidal average of the slopes at both ends of the Euler step.
    const auto predicted = x + h * v;
    x = x + 0.5 * h * (v + velocity(predicted, t + h));
  }
  return x;
}

}  // namespace genreg
