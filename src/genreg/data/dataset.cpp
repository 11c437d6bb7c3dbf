#include "genreg/data/dataset.h"

#include <cstdlib>

#include "genreg/core/error.h"
#include "genreg/data/ct_phantoms.h"
#include "genreg/data/fashion_mnist.h"
#include "genreg/data/image_folder.h"
#include "genreg/data/medical_slices.h"
#include "genreg/data/mnist.h"
#include "genreg/data/shapes.h"
#include "genreg/io/tensor_file.h"

namespace genreg {

std::vector<std::string> dataset_names() {
  return {"mnist",      "fashion-mnist", "shapes",     "shapes-plus", "ellipses",
          "ct-phantom", "folder:PATH",   "dicom:PATH", "nifti:PATH"};
}

bool dataset_takes_size(const std::string& spec) {
  return spec == "ellipses" || spec == "ct-phantom" || spec.rfind("folder:", 0) == 0 ||
         spec.rfind("dicom:", 0) == 0 || spec.rfind("nifti:", 0) == 0;
}

std::string data_directory() {
  if (const char* dir = std::getenv("GENREG_DATA_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/genreg";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/genreg";
  return ".genreg-data";
}

void check_images(const torch::Tensor& images, const std::string& what) {
  require(images.defined(), what, ": no data");
  require(images.dim() == 4 && images.size(1) == 1, what, ": expected images of shape (N,1,H,W), got ",
          images.sizes());
  require(images.is_floating_point(), what, ": expected floating-point images, got ", images.scalar_type());
  if (images.numel() == 0) return;
  require(torch::isfinite(images).all().item<bool>(), what, ": contains NaN or infinite values");
  const auto lo = images.min().item<double>();
  const auto hi = images.max().item<double>();
  require(lo >= 0.0 && hi <= 1.0, what, ": values must lie in [0, 1], found [", lo, ", ", hi, "]");
}

Dataset load_dataset(const std::string& spec, const DatasetOptions& options) {
  require(options.split() == "train" || options.split() == "test", "unknown split '", options.split(),
          "' (use train or test)");
  const std::string dir = options.data_dir().empty() ? data_directory() : options.data_dir();
  Dataset data;
  if (spec == "mnist") {
    data = load_mnist(dir, options.split(), options.range());
  } else if (spec == "fashion-mnist") {
    data = load_fashion_mnist(options.split(), options.range());
  } else if (spec == "shapes" || spec == "shapes-plus") {
    ShapesOptions shapes;
    shapes.plus(spec == "shapes-plus");
    data = load_shapes(shapes, options.split(), options.range());
  } else if (spec == "ellipses" || spec == "ct-phantom") {
    data = load_phantoms(spec == "ellipses" ? PhantomKind::ellipses : PhantomKind::ct_phantom,
                         options.image_size(), options.split(), options.range());
  } else if (spec.rfind("dicom:", 0) == 0) {
    data = load_dicom(spec.substr(6), options.split(), options.range(), options.image_size());
  } else if (spec.rfind("nifti:", 0) == 0) {
    data = load_nifti(spec.substr(6), options.split(), options.range(), options.image_size());
  } else if (spec.rfind("folder:", 0) == 0) {
    data = load_image_folder(spec.substr(7), options.split(), options.range(), options.image_size());
  } else {
    std::string known;
    for (const auto& name : dataset_names()) known += (known.empty() ? "" : ", ") + name;
    fail("unknown dataset '", spec, "' (known: ", known, ")");
  }
  data.name = spec;
  data.split = options.split();
  return data;
}

torch::Tensor load_images(const std::string& path) {
  auto t = load_tensor(path);
  require(t.dim() >= 2 && t.dim() <= 4, path, ": expected an image array of 2 to 4 dimensions, got shape ",
          t.sizes());
  if (t.dim() == 2)
    t = t.unsqueeze(0).unsqueeze(0);
  else if (t.dim() == 3)
    t = t.unsqueeze(1);  // (N,H,W) or a PNG's (1,H,W)
  require(t.size(1) == 1, path, ": expected single-channel images, got shape ", t.sizes());
  if (t.scalar_type() == torch::kUInt8) t = t.to(torch::kFloat32).div(255.0);
  require(t.is_floating_point(), path, ": expected floating-point or uint8 images, got ", t.scalar_type());
  t = t.to(torch::kFloat32);
  check_images(t, path);
  return t;
}

}  // namespace genreg
