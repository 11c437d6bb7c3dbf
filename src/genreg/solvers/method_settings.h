#pragma once
// The settings of reconstruction methods, declared once by the methods that read them. A
// declaration (SettingSpec) gives a setting's name, type, domain, help and whether a grid on
// validation images may search it; from the declarations alone the command line makes its options
// (`--zeta`), the Python module takes keyword arguments (`zeta=`), experiment spec files take
// "settings" and "grid" entries, values are checked, and results.json records what was used.
// A method with a new setting declares it in its own file (see diffusion_methods.cpp's "zeta"):
// nothing else changes.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace genreg {

enum class SettingType { integer, real, flag, choice };
std::string to_string(SettingType type);

struct SettingSpec {
  std::string name;  // snake_case; the option is --name with '-' for '_'
  SettingType type = SettingType::real;
  std::string help;  // one line, without the method names (the command line adds them)
  // Numbers: the closed or open interval of accepted values.
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_open = false, high_open = false;
  std::vector<std::string> choices;  // choice: the accepted words
  // A grid of values may be chosen on validation images ("lambda", "mu"; geometric grids A:B:N).
  bool searchable = false;

  static SettingSpec integer(std::string name, std::string help, int64_t low, int64_t high);
  static SettingSpec real(std::string name, std::string help, double low, double high);
  static SettingSpec flag(std::string name, std::string help);
  static SettingSpec choice(std::string name, std::string help, std::vector<std::string> words);
  // Builder steps: open ends of the interval, searchable by a grid.
  SettingSpec above(double v) &&;
  SettingSpec below(double v) &&;
  SettingSpec search() &&;

  // "--zeta" for prefix "--", "zeta" for "".
  std::string spelled(const std::string& prefix) const;
  // "an integer in [1, 100000]", "one of on, off", "a real in (0, inf)": for errors and help.
  std::string domain_text() const;
  // The value checked against the domain; integers given as whole reals (JSON 3.0) become integers.
  // Throws genreg::Error "--zeta must be a real in [0, 1], got 2" (with the caller's prefix).
  nlohmann::json checked(const nlohmann::json& value, const std::string& prefix) const;
  // Text as a command line gives it ("0.3", "on", "true"), checked. Throws genreg::Error.
  nlohmann::json parse(const std::string& text, const std::string& prefix) const;
};

// The values a caller gave, by setting name; what is absent takes the method's default. The seed
// of random draws (restarts, posterior samples) travels beside them: every method may use it.
class MethodSettings {
 public:
  MethodSettings() = default;
  // Takes a JSON object of name -> value (unchecked here: make_method checks them against the
  // method's declarations).
  explicit MethodSettings(nlohmann::json values);

  MethodSettings& set(const std::string& name, nlohmann::json value);
  bool has(const std::string& name) const;
  // The value, or `fallback` when it was not given.
  template <typename T>
  T get(const std::string& name, T fallback) const {
    const auto it = values_.find(name);
    return it == values_.end() ? fallback : it->template get<T>();
  }
  const nlohmann::json& values() const { return values_; }

  uint64_t seed() const { return seed_; }
  MethodSettings& seed(uint64_t s) {
    seed_ = s;
    return *this;
  }

 private:
  nlohmann::json values_ = nlohmann::json::object();
  uint64_t seed_ = 0;
};

// The declarations many methods share, each written once here; a setting only one method reads is
// declared in that method's file.
namespace settings {
SettingSpec lambda();                // the regularisation parameter (chosen per image by the rules)
SettingSpec iterations();            // iteration budget
SettingSpec tolerance();             // stopping tolerance
SettingSpec no_box();                // drop the [0, 1] image range
SettingSpec restarts();              // generative: starts per image
SettingSpec mu();                    // generative: the latent prior's weight
SettingSpec prior();                 // generative: the latent prior
SettingSpec optimizer();             // generative: backtracking or adam
SettingSpec adam_lr();               // generative: Adam's step
SettingSpec inner_iterations();      // generative: inner descent or prox iterations
SettingSpec denoiser_sigma();        // plug-and-play: the denoiser's strength
SettingSpec samples();               // samplers: samples per image
SettingSpec steps();                 // samplers: steps of the chain or ODE
SettingSpec clip();                  // diffusion samplers: clip x0 at each step
SettingSpec allow_operator_shift();  // conditional models: accept another acquisition
}  // namespace settings

}  // namespace genreg
