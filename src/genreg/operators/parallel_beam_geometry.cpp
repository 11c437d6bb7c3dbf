#include "genreg/operators/parallel_beam_geometry.h"

#include <cmath>

#include "genreg/core/error.h"

namespace genreg {

double ParallelBeamGeometry::radius() const {
  return std::sqrt(0.25 * static_cast<double>(height * height + width * width));
}

ParallelBeamGeometry ParallelBeamGeometry::make(int64_t height, int64_t width, int64_t angles,
                                                double start_degrees, double end_degrees, int64_t detectors) {
  require(height > 0 && width > 0, "tomo: image size must be positive");
  require(end_degrees > start_degrees && end_degrees - start_degrees <= 360.0,
          "tomo: angular range must be START:END degrees with START < END, got ", start_degrees, ":",
          end_degrees);
  require(angles >= 0 && detectors >= 0, "tomo: angle and detector counts must be positive");
  ParallelBeamGeometry g;
  g.height = height;
  g.width = width;
  const double rho = g.radius();
  g.angle_start = start_degrees * M_PI / 180.0;
  g.angle_end = end_degrees * M_PI / 180.0;
  // Floating-point guard: pi * 28 sqrt(2) = 124.4 must not become 125 by round-off elsewhere.
  g.angles =
      angles > 0 ? angles : static_cast<int64_t>(std::ceil(rho * (g.angle_end - g.angle_start) - 1e-9));
  g.detectors = detectors > 0 ? detectors : 2 * static_cast<int64_t>(std::ceil(rho - 1e-9)) + 1;
  g.detector_min = -rho;
  g.detector_max = rho;
  return g;
}

std::vector<double> ParallelBeamGeometry::angle_values() const {
  std::vector<double> out(angles);
  const double step = (angle_end - angle_start) / angles;
  for (int64_t i = 0; i < angles; ++i) out[i] = angle_start + (i + 0.5) * step;
  return out;
}

std::vector<double> ParallelBeamGeometry::detector_positions() const {
  std::vector<double> out(detectors);
  const double step = (detector_max - detector_min) / detectors;
  for (int64_t i = 0; i < detectors; ++i) out[i] = detector_min + (i + 0.5) * step;
  return out;
}

}  // namespace genreg
