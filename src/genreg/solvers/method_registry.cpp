#include "genreg/solvers/method_registry.h"

#include <algorithm>

#include "genreg/core/error.h"

namespace genreg {

std::string to_string(PriorRole role) {
  switch (role) {
    case PriorRole::none:
      return "nothing";
    case PriorRole::generator:
      return "a generator";
    case PriorRole::denoiser:
      return "a denoiser";
    case PriorRole::noise_predictor:
      return "a noise predictor (diffusion model)";
    case PriorRole::conditional_generator:
      return "a conditional generator";
  }
  return "?";
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
  require(!info.name.empty() && static_cast<bool>(info.make), "a method needs a name and a factory");
  require(!contains(info.name), "method '", info.name, "' is registered twice");
  methods_.push_back(std::move(info));
}

bool MethodRegistry::contains(const std::string& name) const {
  return std::any_of(methods_.begin(), methods_.end(), [&](const MethodInfo& m) { return m.name == name; });
}

const MethodInfo& MethodRegistry::at(const std::string& name) const {
  for (const auto& m : methods_)
    if (m.name == name) return m;
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  fail("unknown method '", name, "' (use ", known, ")");
}

std::vector<std::string> MethodRegistry::names(PriorRole role) const {
  std::vector<std::string> out;
  for (const auto& m : methods_)
    if (m.needs == role) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MethodRegistry::names() const {
  std::vector<std::string> out;
  for (auto role : {PriorRole::none, PriorRole::generator, PriorRole::denoiser, PriorRole::noise_predictor,
                    PriorRole::conditional_generator}) {
    const auto part = names(role);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

ReconstructorPtr make_method(const std::string& name, const MethodSettings& settings,
                             const MethodPriors& priors) {
  const auto& info = MethodRegistry::instance().at(name);
  require(info.needs != PriorRole::generator || static_cast<bool>(priors.generator), "method ", name,
          " needs ", to_string(info.needs), " (--generator CHECKPOINT from genreg train)");
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
