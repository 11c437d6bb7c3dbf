#include "genreg/cli/option_domains.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace genreg::cli {
namespace {

// The whole string as a finite real, or false.
bool parse_real(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno == 0 && std::isfinite(value);
}

// The whole string as an integer (no fraction, no overflow), or false.
bool parse_integer(const std::string& text, int64_t& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || errno != 0) return false;
  value = static_cast<int64_t>(v);
  return true;
}

CLI::Validator integer_domain(int64_t min, int64_t max, const std::string& what) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        int64_t v = 0;
        if (!parse_integer(text, v) || v < min || v > max) return "must be " + what + ", got " + text;
        return {};
      },
      "", what);
}

CLI::Validator real_domain(bool (*inside)(double, double, double), double a, double b,
                           const std::string& what) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double v = 0;
        if (!parse_real(text, v) || !inside(v, a, b)) return "must be " + what + ", got " + text;
        return {};
      },
      "", what);
}

}  // namespace

CLI::Validator integer_in(int64_t min, int64_t max) {
  return integer_domain(min, max, "an integer in " + std::to_string(min) + ".." + std::to_string(max));
}
CLI::Validator positive_integer(int64_t max) {
  return integer_domain(1, max, "a positive integer (at most " + std::to_string(max) + ")");
}
CLI::Validator non_negative_integer(int64_t max) {
  return integer_domain(0, max, "a non-negative integer (at most " + std::to_string(max) + ")");
}
CLI::Validator positive_real() {
  return real_domain([](double v, double, double) { return v > 0; }, 0, 0, "a positive finite number");
}
CLI::Validator non_negative_real() {
  return real_domain([](double v, double, double) { return v >= 0; }, 0, 0, "a non-negative finite number");
}
CLI::Validator real_in_half_open(double min, double max) {
  return real_domain(
      [](double v, double a, double b) { return v >= a && v < b; }, min, max,
      "a number in [" + CLI::detail::to_string(min) + ", " + CLI::detail::to_string(max) + ")");
}
CLI::Validator real_in_closed(double min, double max) {
  return real_domain(
      [](double v, double a, double b) { return v >= a && v <= b; }, min, max,
      "a number in [" + CLI::detail::to_string(min) + ", " + CLI::detail::to_string(max) + "]");
}
CLI::Validator thread_count() {
  const int64_t cores = std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()));
  return integer_domain(0, 4 * cores,
                        "a thread count in 0.." + std::to_string(4 * cores) + " (0: every core; 4x the " +
                            std::to_string(cores) + " cores at most)");
}

void check_domains(CLI::App* command, const std::vector<std::pair<std::string, CLI::Validator>>& domains) {
  for (const auto& [name, domain] : domains) command->get_option(name)->check(domain);
}

}  // namespace genreg::cli
