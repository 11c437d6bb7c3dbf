#pragma once
// Operator spec strings: NAME[:ITEM,ITEM,...] where an item is a value ("cs:150") or key=value
// ("tomo:angles=30,range=0:120", "blur:motion,length=9,angle=20").
#include <map>
#include <string>
#include <vector>

namespace genreg {

struct OperatorSpec {
  std::string name;
  std::vector<std::string> values;             // positional items, in order
  std::map<std::string, std::string> options;  // key=value items

  static OperatorSpec parse(const std::string& text);
  std::string text;  // as given

  bool has(const std::string& key) const { return options.count(key) > 0; }
  double number(const std::string& key, double fallback) const;
  int64_t integer(const std::string& key, int64_t fallback) const;
  // Throws genreg::Error naming the first key not in `known`, or more than `max_values` values.
  void check_known(const std::vector<std::string>& known, size_t max_values) const;
};

// Parses a number, with a clear error naming `what` on failure.
double parse_number(const std::string& text, const std::string& what);
int64_t parse_integer(const std::string& text, const std::string& what);

// Numbers as canonical specs write them: the shortest stream form ("0.595", "20"), and an angle in
// radians as degrees rounded to 1e-6 ("120").
std::string spec_number(double value);
std::string spec_degrees(double radians);

}  // namespace genreg
