#include "genreg/io/number_format.h"

#include <iomanip>
#include <sstream>

namespace genreg {

std::string format_fixed(double value, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << value;
  return s.str();
}

std::string format_significant(double value, int digits) {
  std::ostringstream s;
  s << std::setprecision(digits) << value;
  return s.str();
}

}  // namespace genreg
