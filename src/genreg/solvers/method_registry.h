#pragma once
// Every reconstruction method by name: what it is, what learned model it needs, which settings it
// reads, and how to make it. The command line, the experiments and the reports find methods here
// and nowhere else. A method registers itself from its own file:
//
//   GENREG_REGISTER_METHOD(tv, MethodInfo{"tv", "min D(x) + lambda TV(x) (PDHG)", std::nullopt,
//                                         {settings::lambda(), settings::iterations(), ...}, make_tv});
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
#include "genreg/solvers/method_settings.h"
#include "genreg/solvers/reconstructor.h"

namespace genreg {

// What a method needs of a learned model: nothing (classical methods) or a model of one role
// (models/model.h). "a generator", "nothing": for help texts and errors.
using PriorNeed = std::optional<ModelRole>;
std::string needs_text(const PriorNeed& need);

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
  // The settings it reads, declared (method_settings.h): shared ones from genreg::settings, its
  // own beside its class. settings::lambda() absent: no regularisation parameter. The factory
  // receives only declared, checked values (make_method); lambda goes to solve() per image.
  std::vector<SettingSpec> settings;
  std::function<ReconstructorPtr(const MethodSettings&, const MethodPriors&)> make;
  // The name in tables and captions ("TV"); the name itself when empty.
  std::string display;

  const std::string& label() const { return display.empty() ? name : display; }
  bool reads(const std::string& setting) const;
  // The declaration of `setting`; throws genreg::Error naming the settings it reads.
  const SettingSpec& setting(const std::string& name, const std::string& prefix = "--") const;
  // "--lambda, --iterations" (or "nothing"), in the caller's spelling.
  std::string settings_text(const std::string& prefix = "--") const;
  bool has_lambda() const { return reads("lambda"); }
};

class MethodRegistry : public NamedRegistry<MethodInfo, &MethodInfo::name> {
 public:
  static MethodRegistry& instance();
  // Throws genreg::Error for a method without a factory, a name taken, or a setting declared with
  // another type than another method gave the same name.
  void add(MethodInfo info);
  // Every setting any method reads, once each (by name, sorted), with the methods that read it:
  // what the command line makes options of.
  struct DeclaredSetting {
    SettingSpec spec;
    std::vector<std::string> methods;
  };
  std::vector<DeclaredSetting> declared_settings() const;
  // Registered names: classical first, then by role, each part sorted.
  std::vector<std::string> names() const override;
  std::vector<std::string> names(const PriorNeed& need) const;

 private:
  MethodRegistry() : NamedRegistry("method") {}
};

// The method `name` with `settings`, taking its model from `priors`. Throws genreg::Error for an
// unknown name, a missing model (naming what the method needs) or a setting it does not read or
// whose value is outside its domain (check_settings).
ReconstructorPtr make_method(const std::string& name, const MethodSettings& settings = {},
                             const MethodPriors& priors = {});

// `given` checked against method `name`'s declarations: a setting it does not read is refused
// ("--mu is not used by tv (it reads: --lambda, ...)"), every value against its domain. Returns the
// checked values (integers as integers). `prefix` spells a setting as the caller does ("--", "").
MethodSettings check_settings(const std::string& name, const MethodSettings& given,
                              const std::string& prefix = "--");
// Only the names: a setting that method `name` does not read is refused, as above.
void check_setting_names(const std::string& name, const std::vector<std::string>& given,
                         const std::string& prefix = "--");

// The MethodInfo of a generative regulariser run by GenerativeReconstructor
// (generative_reconstructor.cpp).
MethodInfo generative_method_info(LatentMethodPtr method, std::string summary,
                                  std::vector<SettingSpec> settings);

}  // namespace genreg

// Registers a MethodInfo when the library loads. `id` only names the static registration object.
#define GENREG_REGISTER_METHOD(id, ...)                              \
  static const bool genreg_method_registered_##id [[maybe_unused]] = \
      (::genreg::MethodRegistry::instance().add(__VA_ARGS__), true)
