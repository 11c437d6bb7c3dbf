#include "genreg/solvers/method_settings.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>

#include "genreg/core/error.h"

namespace genreg {

std::string to_string(SettingType type) {
  switch (type) {
    case SettingType::integer:
      return "integer";
    case SettingType::real:
      return "real";
    case SettingType::flag:
      return "flag";
    case SettingType::choice:
      return "choice";
  }
  return "?";
}

SettingSpec SettingSpec::integer(std::string name, std::string help, int64_t low, int64_t high) {
  SettingSpec s;
  s.name = std::move(name);
  s.type = SettingType::integer;
  s.help = std::move(help);
  s.low = static_cast<double>(low);
  s.high = static_cast<double>(high);
  return s;
}

SettingSpec SettingSpec::real(std::string name, std::string help, double low, double high) {
  SettingSpec s;
  s.name = std::move(name);
  s.type = SettingType::real;
  s.help = std::move(help);
  s.low = low;
  s.high = high;
  return s;
}

SettingSpec SettingSpec::flag(std::string name, std::string help) {
  SettingSpec s;
  s.name = std::move(name);
  s.type = SettingType::flag;
  s.help = std::move(help);
  return s;
}

SettingSpec SettingSpec::choice(std::string name, std::string help, std::vector<std::string> words) {
  SettingSpec s;
  s.name = std::move(name);
  s.type = SettingType::choice;
  s.help = std::move(help);
  s.choices = std::move(words);
  return s;
}

SettingSpec SettingSpec::above(double v) && {
  low = v;
  low_open = true;
  return std::move(*this);
}

SettingSpec SettingSpec::below(double v) && {
  high = v;
  high_open = true;
  return std::move(*this);
}

SettingSpec SettingSpec::search() && {
  searchable = true;
  return std::move(*this);
}

std::string SettingSpec::spelled(const std::string& prefix) const {
  std::string out = name;
  if (!prefix.empty()) std::replace(out.begin(), out.end(), '_', '-');
  return prefix + out;
}

namespace {

std::string number_text(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out << std::setprecision(15) << v;
  return out.str();
}

}  // namespace

std::string SettingSpec::domain_text() const {
  switch (type) {
    case SettingType::flag:
      return "true or false";
    case SettingType::choice: {
      std::string words;
      for (const auto& w : choices) words += (words.empty() ? "" : ", ") + w;
      return "one of " + words;
    }
    case SettingType::integer:
    case SettingType::real:
      break;
  }
  return std::string(type == SettingType::integer ? "an integer" : "a real") + " in " +
         (low_open ? "(" : "[") + number_text(low) + ", " + number_text(high) + (high_open ? ")" : "]");
}

nlohmann::json SettingSpec::checked(const nlohmann::json& value, const std::string& prefix) const {
  auto refuse = [&]() -> nlohmann::json {
    fail(spelled(prefix), " must be ", domain_text(), ", got ", value.dump());
  };
  switch (type) {
    case SettingType::flag:
      if (!value.is_boolean()) refuse();
      return value;
    case SettingType::choice: {
      // on/off choices take a boolean too (Python's clip=True).
      if (value.is_boolean() && choices == std::vector<std::string>{"on", "off"})
        return value.get<bool>() ? "on" : "off";
      if (!value.is_string()) refuse();
      const auto word = value.get<std::string>();
      if (std::find(choices.begin(), choices.end(), word) == choices.end()) refuse();
      return value;
    }
    case SettingType::integer:
    case SettingType::real:
      break;
  }
  if (!value.is_number()) refuse();
  const double v = value.get<double>();
  const bool inside =
      std::isfinite(v) && (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
  if (!inside) refuse();
  if (type == SettingType::integer) {
    if (v != std::floor(v)) refuse();
    return static_cast<int64_t>(v);
  }
  return v;
}

nlohmann::json SettingSpec::parse(const std::string& text, const std::string& prefix) const {
  switch (type) {
    case SettingType::flag:
      require(text == "true" || text == "false", spelled(prefix), " must be true or false, got '", text, "'");
      return text == "true";
    case SettingType::choice:
      return checked(text, prefix);
    case SettingType::integer:
    case SettingType::real:
      break;
  }
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  require(!text.empty() && end == text.c_str() + text.size() && errno == 0, spelled(prefix), " must be ",
          domain_text(), ", got '", text, "'");
  return checked(v, prefix);
}

MethodSettings::MethodSettings(nlohmann::json values) : values_(std::move(values)) {
  require(values_.is_object(), "method settings must be an object of name: value, got ", values_.dump());
}

MethodSettings& MethodSettings::set(const std::string& name, nlohmann::json value) {
  values_[name] = std::move(value);
  return *this;
}

bool MethodSettings::has(const std::string& name) const { return values_.contains(name); }

namespace settings {

SettingSpec lambda() {
  return SettingSpec::real("lambda", "the regularisation parameter", 0.0, 1e12).search();
}
SettingSpec iterations() {
  return SettingSpec::integer("iterations", "maximum solver iterations (default: the method's)", 1, 10000000);
}
SettingSpec tolerance() {
  return SettingSpec::real("tolerance", "solver stopping tolerance (default: the method's)", 0.0, 1.0)
      .above(0.0);
}
SettingSpec no_box() {
  return SettingSpec::flag("no_box",
                           "do not constrain the image to [0, 1] (TV, plug-and-play) or clamp the samples to "
                           "[0, 1] (posterior samplers)");
}
SettingSpec restarts() {
  return SettingSpec::integer(
      "restarts", "initial latent vectors per image, the lowest objective kept (default 1)", 1, 10000);
}
SettingSpec mu() {
  return SettingSpec::real("mu", "weight of the latent prior inside the regulariser (default 1)", 0.0, 1e12)
      .search();
}
SettingSpec prior() {
  return SettingSpec::choice("prior", "the latent prior R(z) (default l2)", {"l2", "sphere", "none"});
}
SettingSpec optimizer() {
  return SettingSpec::choice("optimizer", "the latent solver: the paper's backtracking descent or Adam",
                             {"backtracking", "adam"});
}
SettingSpec adam_lr() {
  return SettingSpec::real("adam_lr", "Adam's learning rate on z (default 0.05)", 0.0, 1e6).above(0.0);
}
SettingSpec inner_iterations() {
  return SettingSpec::integer(
      "inner_iterations", "descent steps per projection (pgd) or TV prox iterations (sparse-tv) (default 20)",
      1, 100000);
}
SettingSpec denoiser_sigma() {
  return SettingSpec::real("denoiser_sigma",
                           "the denoiser's strength (pnp-hqs: the schedule's start; default: the method's)",
                           0.0, 1.0)
      .above(0.0)
      .below(1.0)
      .search();
}
SettingSpec samples() { return SettingSpec::integer("samples", "samples per image (default 8)", 1, 10000); }
SettingSpec steps() {
  return SettingSpec::integer("steps", "sampling steps (default: the method's or the model's)", 1, 100000);
}
SettingSpec clip() {
  return SettingSpec::choice(
      "clip", "clip Tweedie's x0 to the data's range at each step (default: the method's)", {"on", "off"});
}
SettingSpec allow_operator_shift() {
  return SettingSpec::flag("allow_operator_shift",
                           "accept measurements of another operator or noise than the model was trained on");
}

}  // namespace settings

}  // namespace genreg
