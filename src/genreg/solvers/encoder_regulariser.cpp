// encoder: min_x D(x) + lambda ||x - G(E(x))||^2 (paper section 3.4), from G(E(A^T y)).
#include "genreg/core/error.h"
#include "genreg/functionals/norms.h"
#include "genreg/solvers/batch_objective.h"
#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/latent_steps.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

using namespace latent;

LatentRun EncoderRegulariser::solve(const LatentProblem& p) const {
  const auto& o = *p.options;
  require(p.generator->has_encoder(), "the encoder regulariser needs a model with an encoder (ae or vae)");
  const auto start = Clock::now();
  torch::Tensor x0;
  {
    torch::NoGradGuard no_grad;
    const auto backprojection = p.data->op()->adjoint(p.data->y()).to(p.z0.scalar_type()).clamp(0.0, 1.0);
    x0 = p.generator->decode(p.generator->encode(backprojection));
  }
  FunctionObjective f([&](const torch::Tensor& x, const torch::Tensor& index) {
    const auto data = p.data->select(index);
    const auto lambda = p.lambda.index_select(0, index);
    return data.value(x) + lambda * squared_norm(x - p.generator->decode(p.generator->encode(x)));
  });
  auto bt = o.backtracking();
  bt.max_iterations(o.iterations()).tolerance(o.tolerance());
  LatentRun run;
  run.x = minimize_backtracking(f, x0, bt, &run.summary, p.callback);
  {
    torch::NoGradGuard no_grad;
    run.z = p.generator->encode(run.x);
    run.gz = p.generator->decode(run.z);
  }
  run.objective = objective(p, run);
  run.summary.objective = run.objective.to(torch::kCPU);
  run.summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

torch::Tensor EncoderRegulariser::objective(const LatentProblem& p, const LatentRun& run) const {
  torch::NoGradGuard no_grad;
  return (p.data->value(run.x) +
          p.lambda * squared_norm(run.x - p.generator->decode(p.generator->encode(run.x))))
      .to(torch::kFloat64);
}

GENREG_REGISTER_METHOD(encoder,
                       generative_method_info(std::make_shared<EncoderRegulariser>(),
                                              "min_x D(x) + lambda ||x - G(E(x))||^2 (paper section 3.4)",
                                              {settings::lambda(), settings::iterations(),
                                               settings::tolerance()}));

}  // namespace genreg
