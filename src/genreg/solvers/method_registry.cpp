#include "genreg/solvers/method_registry.h"

#include <algorithm>
#include <cmath>

#include "genreg/core/error.h"

namespace genreg {

std::string needs_text(const PriorNeed& need) {
  if (!need) return "nothing";
  return "a " + to_string(*need) + (*need == ModelRole::noise_predictor ? " (diffusion model)" : "");
}

bool MethodInfo::reads(const std::string& setting) const {
  return std::find(settings.begin(), settings.end(), setting) != settings.end();
}

MethodRegistry& MethodRegistry::instance() {
  // Built on first use, so that registrations from any file's static initialisers find it.
  static MethodRegistry registry;
  return registry;
}

void MethodRegistry::add(MethodInfo info) {
  require(static_cast<bool>(info.make), "method '", info.name, "' needs a factory");
  NamedRegistry::add(std::move(info));
}

std::vector<std::string> MethodRegistry::names(const PriorNeed& need) const {
  std::vector<std::string> out;
  for (const auto& m : entries())
    if (m.needs == need) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MethodRegistry::names() const {
  std::vector<std::string> out;
  for (const PriorNeed& need :
       {PriorNeed{}, PriorNeed{ModelRole::generator}, PriorNeed{ModelRole::denoiser},
        PriorNeed{ModelRole::noise_predictor}, PriorNeed{ModelRole::conditional_generator}}) {
    const auto part = names(need);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

ReconstructorPtr make_method(const std::string& name, const MethodSettings& settings,
                             const MethodPriors& priors) {
  const auto& info = MethodRegistry::instance().at(name);
  require(info.needs != ModelRole::generator || static_cast<bool>(priors.generator), "method ", name,
          " needs ", needs_text(info.needs), " (--generator CHECKPOINT from genreg train)");
  require(info.needs != ModelRole::denoiser || static_cast<bool>(priors.denoiser), "method ", name, " needs ",
          needs_text(info.needs), " (--denoiser CHECKPOINT from genreg train --model dncnn|drunet)");
  require(info.needs != ModelRole::noise_predictor || static_cast<bool>(priors.noise_predictor), "method ",
          name, " needs ", needs_text(info.needs),
          " (--diffusion-model CHECKPOINT from genreg train --model ddpm)");
  require(info.needs != ModelRole::conditional_generator || static_cast<bool>(priors.conditional_generator),
          "method ", name, " needs ", needs_text(info.needs),
          " (--conditional-model CHECKPOINT from genreg train --model cfm|postprocess --operator SPEC "
          "--noise S)");
  require(settings.denoiser_sigma() >= 0 && std::isfinite(settings.denoiser_sigma()),
          "the denoiser strength must be finite and non-negative");
  require(settings.iterations() >= 0, "iterations must not be negative");
  require(settings.tolerance() >= 0, "tolerance must not be negative");
  return info.make(settings, priors);
}

void check_settings(const std::string& name, const std::vector<std::string>& given,
                    const std::string& option_prefix) {
  const auto& info = MethodRegistry::instance().at(name);
  for (const auto& setting : given) {
    if (info.reads(setting)) continue;
    std::string spelled = setting;
    std::replace(spelled.begin(), spelled.end(), '_', '-');
    fail(
        option_prefix, spelled, " is not used by ", name, " (it reads: ",
        [&] {
          std::string list;
          for (const auto& s : info.settings) {
            std::string t = s;
            std::replace(t.begin(), t.end(), '_', '-');
            list += (list.empty() ? "" : ", ") + option_prefix + t;
          }
          return list.empty() ? std::string("nothing") : list;
        }(),
        ")");
  }
}

}  // namespace genreg
