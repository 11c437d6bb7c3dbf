#pragma once
// A half-open index range "START:STOP" over a dataset split, as in Python slicing: "0:200",
// "100:" (to the end), ":20", "7" (one image) or "" / "all" (everything).
#include <cstdint>
#include <string>

namespace genreg {

struct IndexRange {
  int64_t start = 0;
  int64_t stop = -1;  // -1: to the end
  bool single = false;

  static IndexRange parse(const std::string& text);
  static IndexRange all() { return IndexRange{}; }

  // Resolves against a split of `count` images: returns [start, stop) clipped to nothing, or
  // throws genreg::Error when the range does not fit.
  IndexRange resolve(int64_t count) const;
  int64_t size() const { return stop - start; }
  std::string str() const;
};

}  // namespace genreg
