#pragma once
// Numbers as text for tables and reports.
#include <string>

namespace genreg {

// `digits` decimals: format_fixed(24.1537, 2) == "24.15".
std::string format_fixed(double value, int digits);
// `digits` significant digits, shortest form: format_significant(0.50212, 4) == "0.5021".
std::string format_significant(double value, int digits = 4);

}  // namespace genreg
