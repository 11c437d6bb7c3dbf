#pragma once
// CT scan geometries in physical units (PROTOCOL.md, "Medical imaging"). As in ODL and ASTRA, a
// geometry only says where the rays are; projectors (CtRayTransform) and reconstructions
// (FilteredBackProjection) compute with it.
//
// The image is an ImageGrid (data/image_grid.h: centred at the origin, square pixels, 26 cm across
// its width whatever its size in pixels). x runs to the right along columns, y upwards,
// row 0 at the top, as in the normalised `tomo` geometry. Views sit at the midpoints of a uniform
// partition of the scan's angular range (ODL's convention, as in LoDoPaB), detector bins at the
// centres of equal cells.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "genreg/data/image_grid.h"

namespace genreg {

// A line: a point on it and a unit direction, in metres.
struct Ray {
  double px = 0.0, py = 0.0, dx = 0.0, dy = 0.0;
};

// Where pixel centres fall on the detector in each view, for pixel-driven back-projection:
// `index` is the fractional detector index (bins at 0, 1, ..), `weight` the geometry's distance
// weight of FBP (1 for parallel beams; R^2 / L^2 for an equiangular fan, L the distance from the
// source to the pixel; 1 / U^2 for a flat fan detector, Kak & Slaney 1988, ch. 3.4). Both
// (views, pixels), float64.
struct PixelFootprint {
  torch::Tensor index, weight;
};

class CtGeometry {
 public:
  virtual ~CtGeometry() = default;
  const ImageGrid& grid() const { return grid_; }
  int64_t views() const { return views_; }
  int64_t detectors() const { return detectors_; }
  double angle_start() const { return angle_start_; }
  double angle_range() const { return angle_range_; }
  double view_angle(int64_t view) const;  // radians
  virtual Ray ray(int64_t view, int64_t detector) const = 0;
  // Footprints of the pixels at (x, y) (metres, 1D tensors of equal length) in views [begin, end).
  virtual PixelFootprint footprint(int64_t begin, int64_t end, const torch::Tensor& x,
                                   const torch::Tensor& y) const = 0;
  // The operator spec's items after "ct:" that rebuild this geometry ("parallel,views=720,...").
  virtual std::string spec_items() const = 0;

 protected:
  CtGeometry(ImageGrid grid, int64_t views, double start, double range, int64_t detectors);
  ImageGrid grid_;
  int64_t views_ = 0, detectors_ = 0;
  double angle_start_ = 0.0, angle_range_ = 0.0;
};

using CtGeometryPtr = std::shared_ptr<const CtGeometry>;

// Default counts, LoDoPaB scaled to the image (PROTOCOL.md): 362 px -> 1000 views, 513 bins.
// views = round(45 N / 16) (720 at 256); detectors = 2 ceil(r) + 1 for r the corner radius in pixels
// (ODL's parallel_beam_geometry), spanning [-r, r].
int64_t default_ct_views(const ImageGrid& grid);
int64_t default_ct_detectors(const ImageGrid& grid);

// Parallel beams: the ray of view angle theta and detector position s is
// { p : <p, (cos theta, sin theta)> = s }; the detector spans [-r, r] (r = ImageGrid::radius()).
class ParallelBeamCtGeometry : public CtGeometry {
 public:
  // views / detectors 0: the defaults; range in radians (pi for a full parallel scan).
  ParallelBeamCtGeometry(ImageGrid grid, int64_t views = 0, int64_t detectors = 0, double start = 0.0,
                         double range = M_PI);
  Ray ray(int64_t view, int64_t detector) const override;
  PixelFootprint footprint(int64_t begin, int64_t end, const torch::Tensor& x,
                           const torch::Tensor& y) const override;
  std::string spec_items() const override;
  double detector_spacing() const { return spacing_; }  // metres
  double detector_position(int64_t detector) const;

 private:
  double spacing_ = 0.0;
};

// Fan beams from a point source on a circle of radius R (`source_radius`) around the centre,
// detector at `detector_distance` beyond the centre. View angle beta puts the source at
// R (cos beta, sin beta). An equiangular (curved, third-generation) detector samples the fan angle
// gamma uniformly; a flat one samples the position u on the detector line uniformly. The bins span
// the fan that just covers the image's circle, half-angle gamma_max = asin(r / R). A full scan
// covers 2 pi; a short scan pi + 2 gamma_max (Parker 1982), the least that measures every line.
class FanBeamCtGeometry : public CtGeometry {
 public:
  enum class Detector { equiangular, flat };
  enum class Scan { full, short_scan };
  struct Options {
    TORCH_ARG(int64_t, views) = 0;      // 0: default_ct_views
    TORCH_ARG(int64_t, detectors) = 0;  // 0: default_ct_detectors
    TORCH_ARG(Detector, detector) = Detector::equiangular;
    TORCH_ARG(Scan, scan) = Scan::full;
    TORCH_ARG(double, source_radius) = 0.595;     // metres; a clinical scanner's (Siemens Definition)
    TORCH_ARG(double, detector_distance) = 0.49;  // metres from the centre
  };
  FanBeamCtGeometry(ImageGrid grid, const Options& options);
  Ray ray(int64_t view, int64_t detector) const override;
  PixelFootprint footprint(int64_t begin, int64_t end, const torch::Tensor& x,
                           const torch::Tensor& y) const override;
  std::string spec_items() const override;
  const Options& options() const { return options_; }
  double fan_half_angle() const { return gamma_max_; }
  // Fan angle of each bin's ray against the central ray (radians).
  double fan_angle(int64_t detector) const;
  // Bin spacing: radians (equiangular) or metres on the detector (flat).
  double detector_spacing() const { return spacing_; }

 private:
  Options options_;
  double gamma_max_ = 0.0, spacing_ = 0.0;
};

struct OperatorSpec;
// The geometry of a `ct:` operator spec ("ct:parallel,views=720,detectors=363",
// "ct:fan,detector=flat,scan=short"; PROTOCOL.md) for an image of the given size. Keys other than
// the geometry's own are left to the caller (which checks them). Throws genreg::Error naming the
// bad item.
CtGeometryPtr make_ct_geometry(const OperatorSpec& spec, int64_t height, int64_t width);
// The geometry keys make_ct_geometry reads.
const std::vector<std::string>& ct_geometry_keys();

}  // namespace genreg
