#pragma once
// Every reconstruction method by name: what it is, what learned model it needs, which settings it
// reads, and how to make it. The command line, the experiments and the reports find methods here
// and nowhere else. A method registers itself from its own file:
//
//   GENREG_REGISTER_METHOD(tv, MethodInfo{"tv", "min D(x) + lambda TV(x) (PDHG)", std::nullopt,
//                                         {"lambda", "iterations", "tolerance", "no_box"}, make_tv});
//
// Adding a method is one file with its class and this one registration (docs/ARCHITECTURE.md).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "genreg/core/named_registry.h"
#include "genreg/models/conditional_generator.h"
#include "genreg/models/denoiser.h"
#include "genreg/models/generator.h"
#include "genreg/models/model.h"
#include "genreg/models/noise_predictor.h"
#include "genreg/solvers/generative_methods.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

// What a method needs of a learned model: nothing (classical methods) or a model of one role
// (models/model.h). "a generator", "nothing": for help texts and errors.
using PriorNeed = std::optional<ModelRole>;
std::string needs_text(const PriorNeed& need);

// The settings a caller can give; each method reads the ones named in MethodInfo::settings and
// refuses the others (see check_settings).
struct MethodSettings {
  // Iteration budget and stopping tolerance; 0 keeps the method's own default.
  TORCH_ARG(int64_t, iterations) = 0;
  TORCH_ARG(double, tolerance) = 0.0;
  // TV and plug-and-play: constrain x (plug-and-play: each denoised image) to [0, 1]; posterior
  // samplers: clamp each finished sample to [0, 1].
  TORCH_ARG(bool, box) = true;
  // Generative regularisers: restarts, mu, prior, optimizer, inner iterations, seed.
  TORCH_ARG(GenerativeOptions, generative) = {};
  // Plug-and-play: the denoiser's strength (pnp-hqs: the schedule's start); 0: the method's default.
  TORCH_ARG(double, denoiser_sigma) = 0.0;
  // Posterior samplers: samples per image and sampling steps (0: the method's default), diffpir's
  // share of fresh noise zeta (negative: its default), and the seed of their draws.
  TORCH_ARG(int64_t, samples) = 0;
  TORCH_ARG(int64_t, steps) = 0;
  TORCH_ARG(double, zeta) = -1.0;
  // ddrm: the fresh noise's share eta (negative: its default, 0.85).
  TORCH_ARG(double, eta) = -1.0;
  TORCH_ARG(uint64_t, seed) = 0;
  // dps: ancestral noise at the upper variance bound.
  TORCH_ARG(bool, large_variance) = false;
  // Posterior samplers: clip x0 to the data's range at each step; unset: the method's default
  // (dps, ddrm: on; diffpir: off; solvers/diffusion_posterior.h).
  TORCH_ARG(std::optional<bool>, clip) = std::nullopt;
  // Conditional models: the ODE solver of a flow model, and whether measurements of another
  // acquisition than the model's training one are accepted.
  TORCH_ARG(std::string, solver) = "heun";
  TORCH_ARG(bool, allow_operator_shift) = false;
};

// The learned models at hand; a method takes the one of its role.
struct MethodPriors {
  GeneratorPtr generator;
  std::shared_ptr<Denoiser> denoiser;
  std::shared_ptr<NoisePredictor> noise_predictor;
  std::shared_ptr<ConditionalGenerator> conditional_generator;
};

struct MethodInfo {
  std::string name;
  std::string summary;  // one line: the objective or algorithm, with its reference
  PriorNeed needs;      // nullopt: no learned model
  // The settings it reads, by option name: lambda, mu, restarts, prior, optimizer, adam_lr,
  // iterations, tolerance, inner_iterations, no_box, denoiser_sigma, samples, steps, zeta, eta,
  // large_variance, clip, solver, allow_operator_shift. "lambda" absent:
  // no regularisation parameter.
  std::vector<std::string> settings;
  std::function<ReconstructorPtr(const MethodSettings&, const MethodPriors&)> make;
  // The name in tables and captions ("TV"); the name itself when empty.
  std::string display;

  const std::string& label() const { return display.empty() ? name : display; }
  bool reads(const std::string& setting) const;
  bool has_lambda() const { return reads("lambda"); }
};

class MethodRegistry : public NamedRegistry<MethodInfo, &MethodInfo::name> {
 public:
  static MethodRegistry& instance();
  // Throws genreg::Error for a method without a factory, or a name taken.
  void add(MethodInfo info);
  // Registered names: classical first, then by role, each part sorted.
  std::vector<std::string> names() const override;
  std::vector<std::string> names(const PriorNeed& need) const;

 private:
  MethodRegistry() : NamedRegistry("method") {}
};

// The method `name` with `settings`, taking its model from `priors`. Throws genreg::Error for an
// unknown name or a missing model, naming what the method needs.
ReconstructorPtr make_method(const std::string& name, const MethodSettings& settings = {},
                             const MethodPriors& priors = {});

// Throws genreg::Error when `given` names a setting that method `name` does not read, e.g.
// "--mu is not used by tv". `option_prefix` turns a setting into the caller's spelling ("--").
void check_settings(const std::string& name, const std::vector<std::string>& given,
                    const std::string& option_prefix = "--");

// The MethodInfo of a generative regulariser run by GenerativeReconstructor
// (generative_reconstructor.cpp).
MethodInfo generative_method_info(LatentMethodPtr method, std::string summary,
                                  std::vector<std::string> settings);

}  // namespace genreg

// Registers a MethodInfo when the library loads. `id` only names the static registration object.
#define GENREG_REGISTER_METHOD(id, ...)                              \
  static const bool genreg_method_registered_##id [[maybe_unused]] = \
      (::genreg::MethodRegistry::instance().add(__VA_ARGS__), true)
