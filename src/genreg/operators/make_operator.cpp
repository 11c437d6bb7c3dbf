#include "genreg/operators/make_operator.h"

#include <sstream>

#include "genreg/core/error.h"
#include "genreg/io/tensor_file.h"
#include "genreg/operators/cartesian_fourier.h"
#include "genreg/operators/convolution.h"
#include "genreg/operators/ct_geometry.h"
#include "genreg/operators/ct_ray_transform.h"
#include "genreg/operators/gaussian_matrix.h"
#include "genreg/operators/identity.h"
#include "genreg/operators/operator_spec.h"
#include "genreg/operators/pixel_mask.h"
#include "genreg/operators/ray_transform.h"

namespace genreg {
namespace {

uint64_t seed_of(const OperatorSpec& spec) {
  const int64_t seed = spec.integer("seed", 0);
  require(seed >= 0, "operator seed must be non-negative in '", spec.text, "'");
  return static_cast<uint64_t>(seed);
}

OperatorPtr make_blur(const OperatorSpec& spec, int64_t height, int64_t width) {
  spec.check_known({"size", "sigma", "length", "angle", "file"}, 1);
  const std::string kind = spec.values.empty() ? (spec.has("file") ? "file" : "") : spec.values[0];
  if (kind == "gauss5" && spec.options.empty()) {
    return std::make_shared<Convolution>(height, width, gaussian_kernel(5, 1.0), "blur:gauss5");
  }
  if (kind == "gauss" || kind == "gauss5") {
    const int64_t size = spec.integer("size", 5);
    const double sigma = spec.number("sigma", 1.0);
    std::string canonical = "blur:gauss,size=" + std::to_string(size) + ",sigma=" + spec_number(sigma);
    if (size == 5 && sigma == 1.0) canonical = "blur:gauss5";
    return std::make_shared<Convolution>(height, width, gaussian_kernel(size, sigma), canonical);
  }
  if (kind == "motion") {
    const double length = spec.number("length", 9.0), angle = spec.number("angle", 20.0);
    return std::make_shared<Convolution>(
        height, width, motion_kernel(length, angle),
        "blur:motion,length=" + spec_number(length) + ",angle=" + spec_number(angle));
  }
  if (kind == "file") {
    require(spec.has("file"), "blur:file needs file=KERNEL.npy");
    auto kernel = load_tensor(spec.options.at("file")).to(torch::kFloat64);
    return std::make_shared<Convolution>(height, width, kernel, "blur:file=" + spec.options.at("file"));
  }
  fail("unknown blur '", spec.text,
       "' (use blur:gauss5, blur:gauss,size=S,sigma=X, blur:motion,length=L,angle=A or blur:file=K.npy)");
}

}  // namespace

OperatorPtr make_operator(const std::string& text, int64_t height, int64_t width) {
  require(height > 0 && width > 0, "operator '", text, "': image size must be positive");
  const auto spec = OperatorSpec::parse(text);
  if (spec.name == "denoise") {
    spec.check_known({}, 0);
    return std::make_shared<Identity>(height, width);
  }
  if (spec.name == "blur") return make_blur(spec, height, width);
  if (spec.name == "cs") {
    spec.check_known({"seed", "m"}, 1);
    require(!spec.values.empty() || spec.has("m"), "cs needs the number of measurements: cs:M");
    const int64_t m =
        spec.values.empty() ? spec.integer("m", 0) : parse_integer(spec.values[0], "'" + text + "'");
    return std::make_shared<GaussianMatrix>(height, width, m, seed_of(spec));
  }
  if (spec.name == "tomo") {
    spec.check_known({"angles", "range", "detectors", "normalise"}, 0);
    double start = 0.0, end = 180.0;
    if (spec.has("range")) {
      const auto& r = spec.options.at("range");
      const auto colon = r.find(':');
      require(colon != std::string::npos, "tomo range must be START:END in degrees, got '", r, "'");
      start = parse_number(r.substr(0, colon), "'" + text + "'");
      end = parse_number(r.substr(colon + 1), "'" + text + "'");
    }
    // 0 stands for the default geometry only when the key is absent: angles=0 is no measurement.
    // The bounds keep the system matrix within memory (angles x detectors x ~2 max(H, W) entries).
    for (const char* key : {"angles", "detectors"})
      if (spec.has(key)) {
        const auto v = spec.integer(key, 0);
        require(v >= 1 && v <= 100000, "tomo ", key, " must be in 1..100000, got ", v, " in '", text, "'");
      }
    const auto geometry = ParallelBeamGeometry::make(height, width, spec.integer("angles", 0), start, end,
                                                     spec.integer("detectors", 0));
    return std::make_shared<RayTransform>(geometry, spec.integer("normalise", 1) != 0);
  }
  if (spec.name == "ct") {
    auto keys = ct_geometry_keys();
    keys.push_back("projector");
    spec.check_known(keys, 1);
    auto projector = CtProjector::automatic;
    if (spec.has("projector")) {
      const auto& p = spec.options.at("projector");
      require(p == "matrix" || p == "matrix-free", "ct projector must be matrix or matrix-free, got '", p,
              "'");
      projector = p == "matrix" ? CtProjector::matrix : CtProjector::matrix_free;
    }
    return std::make_shared<CtRayTransform>(make_ct_geometry(spec, height, width), projector);
  }
  if (spec.name == "inpaint") {
    spec.check_known({"seed"}, 1);
    require(spec.values.size() == 1, "inpaint needs the keep probability: inpaint:P");
    return std::make_shared<PixelMask>(height, width, parse_number(spec.values[0], "'" + text + "'"),
                                       seed_of(spec));
  }
  if (spec.name == "mri") {
    spec.check_known({"seed", "center"}, 1);
    require(spec.values.size() == 1, "mri needs the acceleration: mri:ACC");
    return std::make_shared<CartesianFourier>(height, width, parse_number(spec.values[0], "'" + text + "'"),
                                              seed_of(spec), spec.number("center", 0.08));
  }
  fail("unknown operator '", text,
       "' (use denoise, blur:gauss5, cs:M, tomo, ct:parallel, ct:fan, inpaint:P or mri:ACC)");
}

std::vector<std::pair<std::string, std::string>> operator_help() {
  return {{"denoise", "identity"},
          {"blur:gauss5",
           "5x5 Gaussian blur, sigma 1 (blur:gauss,size=S,sigma=X; blur:motion,length=9,angle=20; "
           "blur:file=K.npy)"},
          {"cs:M[,seed=S]", "Gaussian compressed-sensing matrix with M rows"},
          {"tomo[:angles=N,range=A:B,detectors=D]", "parallel-beam ray transform, ODL default geometry"},
          {"ct:parallel[,views=V,detectors=D,range=A:B]",
           "physical parallel-beam CT (line integrals in metres, 26 cm field of view), Joseph projector"},
          {"ct:fan[,views=V,detectors=D,detector=equiangular|flat,scan=full|short,source=R,distance=D]",
           "physical fan-beam CT; source R m from the centre (0.595), detector D m beyond it (0.49)"},
          {"inpaint:P[,seed=S]", "keep each pixel with probability P"},
          {"mri:ACC[,seed=S,center=F]", "Cartesian MRI, about H/ACC k-space rows"}};
}

}  // namespace genreg
