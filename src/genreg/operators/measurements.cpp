#include "genreg/operators/measurements.h"

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/io/tensor_file.h"
#include "genreg/operators/make_operator.h"

namespace genreg {
namespace {

constexpr const char* kFormat = "genreg-measurements-1";

}  // namespace

OperatorPtr Measurements::make_op() const { return make_operator(operator_spec, height, width); }

Measurements Measurements::select(const torch::Tensor& index) const {
  Measurements out = *this;
  out.y = y.index_select(0, index.to(y.device()));
  if (x_true.defined()) out.x_true = x_true.index_select(0, index.to(x_true.device()));
  out.indices = indices.index_select(0, index.to(indices.device()));
  return out;
}

Measurements simulate_measurements(const Dataset& data, const std::string& operator_spec,
                                   const NoiseModel& noise, uint64_t seed) {
  check_images(data.images, "dataset " + data.name);
  Measurements m;
  m.height = data.height();
  m.width = data.width();
  const auto op = make_operator(operator_spec, m.height, m.width);
  m.operator_spec = op->spec();
  require(noise.kind != NoiseModel::Kind::beer_lambert || m.operator_spec.rfind("ct:", 0) == 0,
          "CT photon noise ", noise.str(), " needs a physical CT operator (ct:parallel, ct:fan), not ",
          m.operator_spec);
  torch::NoGradGuard no_grad;
  const auto clean = op->apply(data.images);
  m.y = add_noise(clean, noise, seed);
  m.x_true = data.images;
  m.indices = data.indices;
  m.noise = noise;
  // Beer-Lambert: the weighted data term whitens the noise (noise.h), so its level is 1.
  m.sigma = noise.kind == NoiseModel::Kind::gaussian ? noise.sigma
            : noise.kind == NoiseModel::Kind::poisson
                ? std::sqrt(clean.clamp_min(0).mean().item<double>() / noise.peak)
                : 1.0;
  m.seed = seed;
  m.dataset = data.name;
  m.split = data.split;
  return m;
}

void save_measurements(const std::string& path, const Measurements& m) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("format", std::string(kFormat));
  dict.insert("y", m.y.detach().to(torch::kCPU).contiguous());
  if (m.x_true.defined()) dict.insert("x_true", m.x_true.detach().to(torch::kCPU).contiguous());
  dict.insert("indices", m.indices.to(torch::kCPU));
  dict.insert("operator", m.operator_spec);
  dict.insert("height", m.height);
  dict.insert("width", m.width);
  dict.insert("noise", m.noise.str());
  dict.insert("sigma", m.sigma);
  dict.insert("seed", static_cast<int64_t>(m.seed));
  dict.insert("dataset", m.dataset);
  dict.insert("split", m.split);
  save_pickle(path, dict);
}

Measurements load_measurements(const std::string& path) {
  const auto value = load_pickle(path);
  require(value.isGenericDict(), path, " is not a genreg measurement file (run genreg simulate)");
  const auto dict = value.toGenericDict();
  auto has = [&](const char* key) { return dict.contains(key); };
  require(has("format") && dict.at("format").isString() && dict.at("format").toStringRef() == kFormat, path,
          " is not a genreg measurement file (run genreg simulate)");
  for (const char* key : {"y", "indices", "operator", "height", "width", "noise", "sigma", "seed"})
    require(has(key), path, ": measurement file lacks '", key, "'");
  Measurements m;
  try {
    m.y = dict.at("y").toTensor();
    if (has("x_true")) m.x_true = dict.at("x_true").toTensor();
    m.indices = dict.at("indices").toTensor();
    m.operator_spec = dict.at("operator").toStringRef();
    m.height = dict.at("height").toInt();
    m.width = dict.at("width").toInt();
    m.noise = NoiseModel::parse(dict.at("noise").toStringRef());
    m.sigma = dict.at("sigma").toDouble();
    m.seed = static_cast<uint64_t>(dict.at("seed").toInt());
    if (has("dataset")) m.dataset = dict.at("dataset").toStringRef();
    if (has("split")) m.split = dict.at("split").toStringRef();
  } catch (const c10::Error&) {
    fail(path, ": measurement file has an entry of the wrong type");
  }
  require(m.y.defined() && m.y.dim() >= 1 && m.y.size(0) >= 1, path,
          ": the measurement file holds no measurements");
  require(m.y.is_floating_point(), path, ": measurements must be floating point, got ", m.y.scalar_type());
  const auto op = m.make_op();
  const auto expected = batched_shape(m.y.size(0), op->range_shape());
  require(m.y.is_floating_point() && m.y.sizes() == c10::IntArrayRef(expected), path,
          ": measurements of shape ", m.y.sizes(), " do not fit operator ", op->spec(), " on ", m.height, "x",
          m.width, " images");
  require(torch::isfinite(m.y).all().item<bool>(), path, ": measurements contain NaN or infinite values");
  require(m.sigma > 0 && std::isfinite(m.sigma), path, ": noise level must be positive, got ", m.sigma);
  if (m.x_true.defined()) {
    require(m.x_true.dim() == 4 && m.x_true.size(0) == m.y.size(0) && m.x_true.size(2) == m.height &&
                m.x_true.size(3) == m.width,
            path, ": ground truth of shape ", m.x_true.sizes(), " does not match ", m.y.size(0),
            " images of ", m.height, "x", m.width);
    check_images(m.x_true, path + " ground truth");
  }
  require(m.indices.numel() == m.y.size(0), path, ": indices do not match the measurements");
  return m;
}

}  // namespace genreg
