#include "genreg/operators/ct_geometry.h"

#include <cmath>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/operators/operator_spec.h"

namespace genreg {

CtGeometry::CtGeometry(ImageGrid grid, int64_t views, double start, double range, int64_t detectors)
    : grid_(grid), views_(views), detectors_(detectors), angle_start_(start), angle_range_(range) {
  require(grid.height > 0 && grid.width > 0 && grid.pixel_size > 0.0, "ct: empty image grid");
  require(views >= 1 && views <= 100000, "ct: views must be in 1..100000, got ", views);
  require(detectors >= 1 && detectors <= 100000, "ct: detectors must be in 1..100000, got ", detectors);
  require(range > 0.0 && range <= 2.0 * M_PI + 1e-12, "ct: angular range must be in (0, 360] degrees");
}

double CtGeometry::view_angle(int64_t view) const {
  return angle_start_ + (static_cast<double>(view) + 0.5) * angle_range_ / static_cast<double>(views_);
}

int64_t default_ct_views(const ImageGrid& grid) {
  return std::llround(45.0 * static_cast<double>(std::max(grid.height, grid.width)) / 16.0);
}

int64_t default_ct_detectors(const ImageGrid& grid) {
  return 2 * static_cast<int64_t>(std::ceil(grid.radius() / grid.pixel_size - 1e-9)) + 1;
}

// ---- parallel beams ----

ParallelBeamCtGeometry::ParallelBeamCtGeometry(ImageGrid grid, int64_t views, int64_t detectors, double start,
                                               double range)
    : CtGeometry(grid, views > 0 ? views : default_ct_views(grid), start, range,
                 detectors > 0 ? detectors : default_ct_detectors(grid)) {
  spacing_ = 2.0 * grid_.radius() / static_cast<double>(detectors_);
}

double ParallelBeamCtGeometry::detector_position(int64_t detector) const {
  return -grid_.radius() + (static_cast<double>(detector) + 0.5) * spacing_;
}

Ray ParallelBeamCtGeometry::ray(int64_t view, int64_t detector) const {
  const double theta = view_angle(view), s = detector_position(detector);
  const double c = std::cos(theta), n = std::sin(theta);
  return Ray{s * c, s * n, -n, c};
}

PixelFootprint ParallelBeamCtGeometry::footprint(int64_t begin, int64_t end, const torch::Tensor& x,
                                                 const torch::Tensor& y) const {
  auto theta = (torch::arange(begin, end, torch::kFloat64) + 0.5) * (angle_range_ / views_) + angle_start_;
  auto s = torch::cos(theta).unsqueeze(1) * x.unsqueeze(0) + torch::sin(theta).unsqueeze(1) * y.unsqueeze(0);
  return {(s + grid_.radius()) / spacing_ - 0.5, torch::ones_like(s)};
}

std::string ParallelBeamCtGeometry::spec_items() const {
  std::string out = "parallel";
  if (views_ != default_ct_views(grid_)) out += ",views=" + std::to_string(views_);
  if (detectors_ != default_ct_detectors(grid_)) out += ",detectors=" + std::to_string(detectors_);
  if (std::abs(angle_start_) > 1e-12 || std::abs(angle_range_ - M_PI) > 1e-12)
    out += ",range=" + spec_degrees(angle_start_) + ":" + spec_degrees(angle_start_ + angle_range_);
  return out;
}

// ---- fan beams ----

namespace {
double half_angle_covering(const ImageGrid& grid, double source_radius) {
  require(source_radius > grid.radius(), "ct:fan source radius ", source_radius,
          " m must exceed the image's corner radius ", grid.radius(), " m (the source would be inside it)");
  return std::asin(grid.radius() / source_radius);
}
}  // namespace

FanBeamCtGeometry::FanBeamCtGeometry(ImageGrid grid, const Options& options)
    : CtGeometry(grid, options.views() > 0 ? options.views() : default_ct_views(grid), 0.0,
                 options.scan() == Scan::full
                     ? 2.0 * M_PI
                     : M_PI + 2.0 * half_angle_covering(grid, options.source_radius()),
                 options.detectors() > 0 ? options.detectors() : default_ct_detectors(grid)),
      options_(options) {
  require(options.source_radius() <= 100.0, "ct:fan source radius must be at most 100 m");
  require(options.detector_distance() > 0.0 && options.detector_distance() <= 100.0,
          "ct:fan detector distance must be in (0, 100] m, got ", options.detector_distance());
  gamma_max_ = half_angle_covering(grid, options.source_radius());
  const double sd = options.source_radius() + options.detector_distance();
  spacing_ = options.detector() == Detector::equiangular ? 2.0 * gamma_max_ / detectors_
                                                         : 2.0 * sd * std::tan(gamma_max_) / detectors_;
}

double FanBeamCtGeometry::fan_angle(int64_t detector) const {
  const double centre = (static_cast<double>(detector) + 0.5) * spacing_;
  if (options_.detector() == Detector::equiangular) return centre - gamma_max_;
  const double sd = options_.source_radius() + options_.detector_distance();
  return std::atan((centre - sd * std::tan(gamma_max_)) / sd);
}

Ray FanBeamCtGeometry::ray(int64_t view, int64_t detector) const {
  const double beta = view_angle(view), gamma = fan_angle(detector);
  const double c = std::cos(beta), s = std::sin(beta);
  const double r = options_.source_radius();
  // Central ray -e, e = (cos beta, sin beta); the fan angle turns it towards e_perp = (-sin, cos).
  const double dx = -std::cos(gamma) * c - std::sin(gamma) * s;
  const double dy = -std::cos(gamma) * s + std::sin(gamma) * c;
  return Ray{r * c, r * s, dx, dy};
}

PixelFootprint FanBeamCtGeometry::footprint(int64_t begin, int64_t end, const torch::Tensor& x,
                                            const torch::Tensor& y) const {
  auto beta = (torch::arange(begin, end, torch::kFloat64) + 0.5) * (angle_range_ / views_) + angle_start_;
  auto c = torch::cos(beta).unsqueeze(1), s = torch::sin(beta).unsqueeze(1);
  auto px = x.unsqueeze(0), py = y.unsqueeze(0);
  const double r = options_.source_radius();
  // In the source's frame: a along the central ray from the source, b along e_perp.
  auto a = r - (c * px + s * py);
  auto b = -s * px + c * py;
  if (options_.detector() == Detector::equiangular) {
    auto gamma = torch::atan2(b, a);
    return {(gamma + gamma_max_) / spacing_ - 0.5, (r * r) / (a * a + b * b)};
  }
  const double sd = r + options_.detector_distance();
  auto u = sd * b / a;
  return {(u + sd * std::tan(gamma_max_)) / spacing_ - 0.5, (r * r) / (a * a)};
}

std::string FanBeamCtGeometry::spec_items() const {
  std::string out = "fan";
  if (views_ != default_ct_views(grid_)) out += ",views=" + std::to_string(views_);
  if (detectors_ != default_ct_detectors(grid_)) out += ",detectors=" + std::to_string(detectors_);
  if (options_.detector() == Detector::flat) out += ",detector=flat";
  if (options_.scan() == Scan::short_scan) out += ",scan=short";
  if (options_.source_radius() != Options().source_radius())
    out += ",source=" + spec_number(options_.source_radius());
  if (options_.detector_distance() != Options().detector_distance())
    out += ",distance=" + spec_number(options_.detector_distance());
  return out;
}

// ---- specs ----

const std::vector<std::string>& ct_geometry_keys() {
  static const std::vector<std::string> keys{"views", "detectors", "range",   "detector",
                                             "scan",  "source",    "distance"};
  return keys;
}

CtGeometryPtr make_ct_geometry(const OperatorSpec& spec, int64_t height, int64_t width) {
  require(spec.values.size() == 1,
          "ct needs a beam: ct:parallel[,views=V,detectors=D,range=A:B] or "
          "ct:fan[,views=V,detectors=D,detector=equiangular|flat,scan=full|short,"
          "source=R,distance=D], got '",
          spec.text, "'");
  const auto grid = ImageGrid::with_field_of_view(height, width);
  for (const char* key : {"views", "detectors"})
    if (spec.has(key)) {
      const auto v = spec.integer(key, 0);
      require(v >= 1 && v <= 100000, "ct ", key, " must be in 1..100000, got ", v, " in '", spec.text, "'");
    }
  const std::string& beam = spec.values[0];
  if (beam == "parallel") {
    for (const char* key : {"detector", "scan", "source", "distance"})
      require(!spec.has(key), "ct:parallel has no '", key, "' (a fan-beam setting) in '", spec.text, "'");
    double start = 0.0, end = 180.0;
    if (spec.has("range")) {
      const auto& r = spec.options.at("range");
      const auto colon = r.find(':');
      require(colon != std::string::npos, "ct range must be START:END in degrees, got '", r, "'");
      start = parse_number(r.substr(0, colon), "'" + spec.text + "'");
      end = parse_number(r.substr(colon + 1), "'" + spec.text + "'");
      require(end > start && end - start <= 360.0,
              "ct range must be START:END degrees with START < END <= START + 360, got '", r, "'");
    }
    return std::make_shared<ParallelBeamCtGeometry>(grid, spec.integer("views", 0),
                                                    spec.integer("detectors", 0), start * M_PI / 180.0,
                                                    (end - start) * M_PI / 180.0);
  }
  if (beam == "fan") {
    require(!spec.has("range"), "ct:fan takes scan=full|short, not a range, in '", spec.text, "'");
    FanBeamCtGeometry::Options options;
    options.views(spec.integer("views", 0)).detectors(spec.integer("detectors", 0));
    if (spec.has("detector")) {
      const auto& d = spec.options.at("detector");
      require(d == "equiangular" || d == "flat", "ct:fan detector must be equiangular or flat, got '", d,
              "'");
      options.detector(d == "flat" ? FanBeamCtGeometry::Detector::flat
                                   : FanBeamCtGeometry::Detector::equiangular);
    }
    if (spec.has("scan")) {
      const auto& s = spec.options.at("scan");
      require(s == "full" || s == "short", "ct:fan scan must be full or short, got '", s, "'");
      options.scan(s == "short" ? FanBeamCtGeometry::Scan::short_scan : FanBeamCtGeometry::Scan::full);
    }
    options.source_radius(spec.number("source", options.source_radius()));
    options.detector_distance(spec.number("distance", options.detector_distance()));
    return std::make_shared<FanBeamCtGeometry>(grid, options);
  }
  fail("ct beam must be parallel or fan, got '", beam, "' in '", spec.text, "'");
}

}  // namespace genreg
