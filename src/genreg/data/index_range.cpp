#include "genreg/data/index_range.h"

#include <cctype>

#include "genreg/core/error.h"

namespace genreg {
namespace {

int64_t parse_index(const std::string& text, const std::string& whole) {
  require(!text.empty(), "bad index range '", whole, "'");
  for (char c : text) {
    require(std::isdigit(static_cast<unsigned char>(c)), "bad index range '", whole,
            "' (use START:STOP with non-negative integers, e.g. 0:200)");
  }
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    fail("bad index range '", whole, "'");
  }
}

}  // namespace

IndexRange IndexRange::parse(const std::string& text) {
  IndexRange range;
  if (text.empty() || text == "all" || text == ":") return range;
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    range.start = parse_index(text, text);
    range.stop = range.start + 1;
    range.single = true;
    return range;
  }
  require(text.find(':', colon + 1) == std::string::npos, "bad index range '", text, "' (use START:STOP)");
  const std::string left = text.substr(0, colon);
  const std::string right = text.substr(colon + 1);
  if (!left.empty()) range.start = parse_index(left, text);
  if (!right.empty()) range.stop = parse_index(right, text);
  require(range.stop < 0 || range.stop > range.start, "empty index range '", text, "'");
  return range;
}

IndexRange IndexRange::resolve(int64_t count) const {
  IndexRange out = *this;
  if (out.stop < 0) out.stop = count;
  require(out.start < count && out.stop <= count, "index range ", str(), " is outside the ", count,
          " images of this split");
  return out;
}

std::string IndexRange::str() const {
  if (single) return std::to_string(start);
  return std::to_string(start) + ":" + (stop < 0 ? std::string() : std::to_string(stop));
}

}  // namespace genreg
