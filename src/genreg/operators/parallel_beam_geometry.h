#pragma once
// 2D parallel-beam geometry (PROTOCOL.md, operator `tomo`). The image occupies
// [-W/2, W/2] x [-H/2, H/2] with unit pixels (x to the right along columns, y upwards, row 0 at the
// top). The ray at angle theta and detector position s is the line { p : <p, (cos theta, sin theta)> = s }.
//
// Defaults follow ODL's parallel_beam_geometry: with rho the radius of the circle around the image
// (H/2 sqrt(2) for a square), ceil(pi rho) angles at the midpoints of a uniform partition of
// [0, pi), and 2 ceil(rho) + 1 detector pixels of equal width spanning [-rho, rho], sampled at
// their centres. 56x56 -> 125 angles x 81 detectors; 28x28 -> 63 x 41.
#include <cstdint>
#include <string>
#include <vector>

namespace genreg {

struct ParallelBeamGeometry {
  int64_t height = 0, width = 0;
  int64_t angles = 0;
  double angle_start = 0.0, angle_end = 0.0;  // radians; angles at midpoints of [start, end)
  int64_t detectors = 0;
  double detector_min = 0.0, detector_max = 0.0;

  // ODL-style defaults. `angles` / `detectors` 0 choose the default counts; a limited angular range
  // [start, end) (degrees) gets ceil(rho * (end - start in radians)) angles by default, the same
  // angular density as the full range.
  static ParallelBeamGeometry make(int64_t height, int64_t width, int64_t angles = 0,
                                   double start_degrees = 0.0, double end_degrees = 180.0,
                                   int64_t detectors = 0);

  double radius() const;
  std::vector<double> angle_values() const;        // radians
  std::vector<double> detector_positions() const;  // pixel centres
};

}  // namespace genreg
