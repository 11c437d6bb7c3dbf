#include "genreg/solvers/method_registry.h"

#include <algorithm>

#include "genreg/core/error.h"

namespace genreg {

std::string needs_text(const PriorNeed& need) {
  if (!need) return "nothing";
  return "a " + to_string(*need) + (*need == ModelRole::noise_predictor ? " (diffusion model)" : "");
}

bool MethodInfo::reads(const std::string& setting) const {
  return std::any_of(settings.begin(), settings.end(),
                     [&](const SettingSpec& s) { return s.name == setting; });
}

std::string MethodInfo::settings_text(const std::string& prefix) const {
  std::string list;
  for (const auto& s : settings) list += (list.empty() ? "" : ", ") + s.spelled(prefix);
  return list.empty() ? std::string("nothing") : list;
}

const SettingSpec& MethodInfo::setting(const std::string& name_, const std::string& prefix) const {
  for (const auto& s : settings)
    if (s.name == name_) return s;
  SettingSpec unknown;
  unknown.name = name_;
  fail(unknown.spelled(prefix), " is not used by ", name, " (it reads: ", settings_text(prefix), ")");
}

MethodRegistry& MethodRegistry::instance() {
  // Built on first use, so that registrations from any file's static initialisers find it.
  static MethodRegistry registry;
  return registry;
}

void MethodRegistry::add(MethodInfo info) {
  require(static_cast<bool>(info.make), "method '", info.name, "' needs a factory");
  // One name, one meaning: the command line makes one option of each name.
  for (const auto& mine : info.settings)
    for (const auto& other : entries())
      for (const auto& theirs : other.settings)
        require(mine.name != theirs.name || mine.type == theirs.type, "method '", info.name, "' declares ",
                mine.name, " as a ", to_string(mine.type), ", '", other.name, "' as a ",
                to_string(theirs.type));
  NamedRegistry::add(std::move(info));
}

std::vector<MethodRegistry::DeclaredSetting> MethodRegistry::declared_settings() const {
  std::vector<DeclaredSetting> out;
  for (const auto& name : names()) {
    const auto& info = at(name);
    for (const auto& spec : info.settings) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const DeclaredSetting& d) { return d.spec.name == spec.name; });
      if (it == out.end()) {
        out.push_back({spec, {}});
        it = out.end() - 1;
      }
      it->methods.push_back(name);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const DeclaredSetting& a, const DeclaredSetting& b) { return a.spec.name < b.spec.name; });
  return out;
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
  return info.make(check_settings(name, settings, ""), priors);
}

MethodSettings check_settings(const std::string& name, const MethodSettings& given,
                              const std::string& prefix) {
  const auto& info = MethodRegistry::instance().at(name);
  MethodSettings out;
  out.seed(given.seed());
  for (const auto& item : given.values().items()) {
    const auto& spec = info.setting(item.key(), prefix);
    require(spec.name != "lambda", "lambda is chosen by the parameter rule, not a setting of the method");
    out.set(item.key(), spec.checked(item.value(), prefix));
  }
  return out;
}

void check_setting_names(const std::string& name, const std::vector<std::string>& given,
                         const std::string& prefix) {
  const auto& info = MethodRegistry::instance().at(name);
  for (const auto& setting : given) info.setting(setting, prefix);
}

}  // namespace genreg
