#include "genreg/io/colormap.h"

#include "genreg/core/error.h"

namespace genreg {

Colormap parse_colormap(const std::string& name) {
  if (name == "grey" || name == "gray") return Colormap::grey;
  if (name == "diverging") return Colormap::diverging;
  if (name == "heat") return Colormap::heat;
  fail("unknown colour map '", name, "' (use grey, diverging or heat)");
}

namespace {

// Piecewise-linear interpolation of RGB control points at t in [0, 1].
torch::Tensor interpolate_colours(const torch::Tensor& t, const std::vector<std::array<float, 3>>& stops) {
  const int64_t segments = static_cast<int64_t>(stops.size()) - 1;
  auto table = torch::empty({static_cast<int64_t>(stops.size()), 3});
  for (size_t i = 0; i < stops.size(); ++i)
    for (int c = 0; c < 3; ++c) table[i][c] = stops[i][c];
  table = table.to(t.device());
  auto pos = t.clamp(0.0, 1.0) * segments;  // (N,1,H,W)
  auto index = pos.floor().clamp_max(segments - 1).to(torch::kLong);
  auto frac = (pos - index.to(pos.dtype()));
  auto lower = table.index_select(0, index.flatten()).view({t.size(0), t.size(2), t.size(3), 3});
  auto upper = table.index_select(0, (index + 1).flatten()).view({t.size(0), t.size(2), t.size(3), 3});
  auto f = frac.squeeze(1).unsqueeze(-1);
  return (lower + (upper - lower) * f).permute({0, 3, 1, 2}).contiguous();
}

}  // namespace

torch::Tensor apply_colormap(const torch::Tensor& values, Colormap map, double lo, double hi) {
  require(values.dim() == 4 && values.size(1) == 1, "colour map: expected (N,1,H,W), got ", values.sizes());
  auto v = values.detach().to(torch::kFloat32).nan_to_num(0.0);
  if (hi <= 0.0) hi = std::max(v.abs().max().item<double>(), 1e-12);
  switch (map) {
    case Colormap::grey: {
      auto t = (v - lo) / std::max(hi - lo, 1e-12);
      return t.clamp(0.0, 1.0).expand({-1, 3, -1, -1}).contiguous();
    }
    case Colormap::diverging: {
      // A cool-to-warm map (after Moreland 2009): readable on screen and in print, white at zero.
      auto t = (v / hi + 1.0) * 0.5;
      return interpolate_colours(t, {{0.23f, 0.30f, 0.75f}, {1.0f, 1.0f, 1.0f}, {0.71f, 0.02f, 0.15f}});
    }
    case Colormap::heat: {
      auto t = (v - lo) / std::max(hi - lo, 1e-12);
      return interpolate_colours(t, {{0.f, 0.f, 0.f}, {0.8f, 0.f, 0.f}, {1.f, 0.85f, 0.f}, {1.f, 1.f, 1.f}});
    }
  }
  fail("unknown colour map");
}

}  // namespace genreg
