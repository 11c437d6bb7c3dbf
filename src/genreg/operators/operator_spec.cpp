#include "genreg/operators/operator_spec.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "genreg/core/error.h"

namespace genreg {

double parse_number(const std::string& text, const std::string& what) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  fail("bad number '", text, "' in ", what);
}

int64_t parse_integer(const std::string& text, const std::string& what) {
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  fail("bad integer '", text, "' in ", what);
}

std::string spec_number(double value) {
  std::ostringstream s;
  s << value;
  return s.str();
}

std::string spec_degrees(double radians) {
  return spec_number(std::llround(radians * 180.0 / M_PI * 1e6) / 1e6);
}

OperatorSpec OperatorSpec::parse(const std::string& text) {
  OperatorSpec spec;
  spec.text = text;
  const auto colon = text.find(':');
  spec.name = text.substr(0, colon);
  require(!spec.name.empty(), "empty operator spec");
  if (colon == std::string::npos) return spec;
  std::string rest = text.substr(colon + 1);
  require(!rest.empty(), "operator spec '", text, "' ends in ':'");
  size_t start = 0;
  while (start <= rest.size()) {
    const auto comma = rest.find(',', start);
    const std::string item =
        rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    require(!item.empty(), "empty item in operator spec '", text, "'");
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      spec.values.push_back(item);
    } else {
      const std::string key = item.substr(0, eq);
      require(!key.empty() && eq + 1 < item.size(), "bad item '", item, "' in operator spec '", text, "'");
      require(!spec.options.count(key), "'", key, "' given twice in operator spec '", text, "'");
      spec.options[key] = item.substr(eq + 1);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return spec;
}

double OperatorSpec::number(const std::string& key, double fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : parse_number(it->second, "operator spec '" + text + "'");
}

int64_t OperatorSpec::integer(const std::string& key, int64_t fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : parse_integer(it->second, "operator spec '" + text + "'");
}

void OperatorSpec::check_known(const std::vector<std::string>& known, size_t max_values) const {
  for (const auto& [key, value] : options) {
    require(std::find(known.begin(), known.end(), key) != known.end(), "operator '", name,
            "' has no option '", key, "' (in '", text, "')");
  }
  require(values.size() <= max_values, "operator spec '", text, "' has too many values");
}

}  // namespace genreg
