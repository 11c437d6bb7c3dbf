#pragma once
// genreg's one error type. Everything a user can get wrong (a missing file, an unknown dataset, a
// wrong image size, NaN in data) is reported by throwing genreg::Error with a one-line message; the
// CLI prints it and exits with status 2 instead of letting a LibTorch stack trace reach the user.
#include <sstream>
#include <stdexcept>
#include <string>

namespace genreg {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& out, const T& first, const Rest&... rest) {
  out << first;
  append(out, rest...);
}
}  // namespace detail

// Builds a message from streamable parts: fail("no such file: ", path).
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream out;
  detail::append(out, parts...);
  throw Error(out.str());
}

// Throws genreg::Error when the condition does not hold.
template <typename... Parts>
void require(bool condition, const Parts&... parts) {
  if (!condition) fail(parts...);
}

}  // namespace genreg
