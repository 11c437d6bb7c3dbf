#include "genreg/operators/ct_ray_transform.h"

#include <gtest/gtest.h>

#include <cmath>

#include "genreg/data/dataset.h"
#include "genreg/functionals/data_fidelity.h"
#include "genreg/operators/filtered_back_projection.h"
#include "genreg/operators/make_operator.h"
#include "genreg/operators/measurements.h"
#include "genreg/operators/ray_transform.h"
#include "genreg/solvers/method_registry.h"

using namespace genreg;

namespace {

// A centred disc of radius r (metres) of value 1, each pixel the fraction of its area inside
// (16 x 16 subsamples), so that the pixel model's own error stays small.
torch::Tensor ct_disc(int64_t n, double r, double cx = 0.0, double cy = 0.0) {
  const auto grid = ImageGrid::with_field_of_view(n, n);
  auto image = torch::zeros({1, 1, n, n}, torch::kFloat64);
  auto a = image.accessor<double, 4>();
  const int sub = 16;
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < n; ++col) {
      int inside = 0;
      for (int i = 0; i < sub; ++i)
        for (int j = 0; j < sub; ++j) {
          const double x = (col - 0.5 * n + (j + 0.5) / sub) * grid.pixel_size - cx;
          const double y = (0.5 * n - row - (i + 0.5) / sub) * grid.pixel_size - cy;
          inside += x * x + y * y <= r * r;
        }
      a[0][0][row][col] = inside / double(sub * sub);
    }
  return image;
}

std::vector<std::string> geometries() {
  return {"ct:parallel,views=40,detectors=50",
          "ct:parallel,views=33,range=0:360",
          "ct:fan,views=48,detectors=45",
          "ct:fan,views=41,detector=flat",
          "ct:fan,views=50,scan=short",
          "ct:fan,views=37,detector=flat,scan=short,source=0.3,distance=0.2"};
}

double ct_psnr(const torch::Tensor& x, const torch::Tensor& truth) {
  const double mse = (x - truth).pow(2).mean().item<double>();
  return 10.0 * std::log10(1.0 / mse);
}

}  // namespace

TEST(CtGeometry, LoDoPaBScaledDefaults) {
  const auto g256 = ParallelBeamCtGeometry(ImageGrid::with_field_of_view(256, 256));
  EXPECT_EQ(g256.views(), 720);
  EXPECT_EQ(g256.detectors(), 365);  // 2 ceil(128 sqrt 2) + 1
  EXPECT_NEAR(g256.grid().pixel_size, 0.26 / 256, 1e-15);
  const auto g362 = ParallelBeamCtGeometry(ImageGrid::with_field_of_view(362, 362));
  EXPECT_EQ(g362.detectors(), 513);  // LoDoPaB's
  // A short fan scan covers pi plus the full fan angle, and the fan just covers the image circle.
  const auto fan = make_operator("ct:fan,scan=short", 64, 64);
  const auto& g = dynamic_cast<const CtRayTransform&>(*fan).geometry();
  const auto& f = dynamic_cast<const FanBeamCtGeometry&>(g);
  EXPECT_NEAR(std::sin(f.fan_half_angle()) * 0.595, 0.13 * std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(g.angle_range(), M_PI + 2 * f.fan_half_angle(), 1e-12);
}

TEST(CtRayTransform, SpecsRoundTripAndBadOnesAreRefused) {
  for (const auto& text : geometries()) {
    const auto op = make_operator(text, 24, 24);
    EXPECT_EQ(make_operator(op->spec(), 24, 24)->spec(), op->spec()) << text;
  }
  EXPECT_EQ(make_operator("ct:parallel", 32, 32)->spec(), "ct:parallel");
  EXPECT_EQ(make_operator("ct:fan,scan=full,detector=equiangular", 32, 32)->spec(), "ct:fan");
  for (const char* bad :
       {"ct", "ct:cone", "ct:parallel,views=0", "ct:parallel,scan=short", "ct:fan,range=0:90",
        "ct:fan,detector=curved", "ct:fan,source=0.1", "ct:parallel,projector=gpu", "ct:parallel,range=90:10",
        "ct:fan,distance=-1", "ct:parallel,bins=3"})
    EXPECT_THROW(make_operator(bad, 32, 32), Error) << bad;
}

TEST(CtRayTransform, AdjointIsExactForEveryGeometryStoredOrNot) {
  for (const auto& text : geometries())
    for (const char* projector : {",projector=matrix", ",projector=matrix-free"}) {
      const auto op = make_operator(text + projector, 23, 23);
      auto x = torch::rand({3, 1, 23, 23}, torch::kFloat64);
      auto y = torch::randn(batched_shape(3, op->range_shape()), torch::kFloat64);
      const double lhs = (op->apply(x) * y).sum().item<double>();
      const double rhs = (x * op->adjoint(y)).sum().item<double>();
      EXPECT_NEAR(lhs, rhs, 1e-10 * std::abs(lhs)) << text << projector;
    }
}

TEST(CtRayTransform, StoredMatrixAndOnTheFlyStepsAgree) {
  for (const auto& text : geometries()) {
    const auto stored = make_operator(text + ",projector=matrix", 21, 19);
    const auto free = make_operator(text + ",projector=matrix-free", 21, 19);
    EXPECT_TRUE(dynamic_cast<const CtRayTransform&>(*stored).stored());
    EXPECT_FALSE(dynamic_cast<const CtRayTransform&>(*free).stored());
    auto x = torch::rand({2, 1, 21, 19}, torch::kFloat64);
    auto y = torch::rand(batched_shape(2, free->range_shape()), torch::kFloat64);
    EXPECT_LT((stored->apply(x) - free->apply(x)).abs().max().item<double>(), 1e-12) << text;
    EXPECT_LT((stored->adjoint(y) - free->adjoint(y)).abs().max().item<double>(), 1e-12) << text;
    // The tensor-operation path of other devices computes the same weights.
    const auto& ct = dynamic_cast<const CtRayTransform&>(*free);
    EXPECT_LT((ct.apply_tensor_ops(x) - free->apply(x)).abs().max().item<double>(), 1e-12) << text;
    EXPECT_LT((ct.adjoint_tensor_ops(y) - free->adjoint(y)).abs().max().item<double>(), 1e-12) << text;
    // Single precision: the same to float rounding.
    auto xf = x.to(torch::kFloat32);
    EXPECT_LT((free->apply(xf).to(torch::kFloat64) - free->apply(x)).abs().max().item<double>(),
              1e-5 * free->apply(x).abs().max().item<double>())
        << text;
  }
}

TEST(CtRayTransform, CudaMatchesTheCpuWhenAvailable) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const char* projector : {"", ",projector=matrix-free"}) {
    const auto op = make_operator(std::string("ct:fan,views=64") + projector, 48, 48);
    auto x = torch::rand({3, 1, 48, 48}, torch::kFloat64);
    auto y = torch::rand(batched_shape(3, op->range_shape()), torch::kFloat64);
    EXPECT_LT((op->apply(x.cuda()).cpu() - op->apply(x)).abs().max().item<double>(), 1e-10) << projector;
    EXPECT_LT((op->adjoint(y.cuda()).cpu() - op->adjoint(y)).abs().max().item<double>(), 1e-10) << projector;
  }
}

TEST(CtRayTransform, LineIntegralsOfADiscAreItsChordLengths) {
  // A disc of radius 8 cm, 2 cm off centre: every ray's integral is 2 sqrt(r^2 - d^2), d the
  // ray's distance from the disc's centre, in metres.
  const int64_t n = 128;
  const double r = 0.08, cx = 0.02, cy = -0.01;
  const auto image = ct_disc(n, r, cx, cy);
  for (const char* text : {"ct:parallel,views=24", "ct:fan,views=24", "ct:fan,views=24,detector=flat"}) {
    const auto op = make_operator(text, n, n);
    const auto& g = dynamic_cast<const CtRayTransform&>(*op).geometry();
    const auto sinogram = op->apply(image)[0][0];
    auto s = sinogram.accessor<double, 2>();
    int checked = 0;
    for (int64_t v = 0; v < g.views(); ++v)
      for (int64_t d = 0; d < g.detectors(); ++d) {
        const auto ray = g.ray(v, d);
        const double distance = std::abs((cx - ray.px) * ray.dy - (cy - ray.py) * ray.dx);
        if (distance > 0.8 * r) continue;
        const double exact = 2.0 * std::sqrt(r * r - distance * distance);
        EXPECT_NEAR(s[v][d], exact, 0.01 * exact) << text << " view " << v << " bin " << d;
        ++checked;
      }
    EXPECT_GT(checked, 24 * 50) << text;
    // Rays that miss the disc integrate to (nearly) zero.
  }
}

TEST(CtRayTransform, MatchesTheExactPixelModelOnSmoothImages) {
  // Joseph's interpolation and Siddon's exact intersection lengths (`tomo`, unit pixels) differ by
  // interpolation error only: small on a smooth image (a Gaussian blob), and the scale is the pixel
  // size (metres per pixel).
  const int64_t n = 64;
  auto coords = (torch::arange(n, torch::kFloat64) - 31.5) / 10.0;
  auto blob =
      torch::exp(-(coords.pow(2).unsqueeze(1) + coords.pow(2).unsqueeze(0)) / 2.0).reshape({1, 1, n, n});
  const auto joseph = make_operator("ct:parallel", n, n);
  const auto siddon = make_operator("tomo:angles=180,normalise=0", n, n);
  ASSERT_EQ(joseph->range_shape(), siddon->range_shape());
  auto a = joseph->apply(blob), b = siddon->apply(blob) * (0.26 / n);
  EXPECT_LT(((a - b).norm() / b.norm()).item<double>(), 3e-3);
}

TEST(CtRayTransform, GradientsFlowThroughBothProductsOnBothPaths) {
  for (const char* projector : {",projector=matrix", ",projector=matrix-free"}) {
    const auto op = make_operator(std::string("ct:fan,views=20,detectors=30") + projector, 16, 16);
    auto x = torch::rand({2, 1, 16, 16}, torch::kFloat64).requires_grad_(true);
    auto w = torch::randn(batched_shape(2, op->range_shape()), torch::kFloat64);
    (op->apply(x) * w).sum().backward();
    EXPECT_LT((x.grad() - op->adjoint(w)).abs().max().item<double>(), 1e-12);
    auto y = w.clone().requires_grad_(true);
    auto u = torch::randn({2, 1, 16, 16}, torch::kFloat64);
    (op->adjoint(y) * u).sum().backward();
    EXPECT_LT((y.grad() - op->apply(u)).abs().max().item<double>(), 1e-12);
  }
}

TEST(CtRayTransform, MemoryBudgetDecidesTheAutomaticChoiceAndRefusesOversizedMatrices) {
  const auto budget = operator_memory_budget();
  set_operator_memory_budget(1000);
  EXPECT_FALSE(dynamic_cast<const CtRayTransform&>(*make_operator("ct:parallel", 32, 32)).stored());
  EXPECT_THROW(make_operator("ct:parallel,projector=matrix", 32, 32), Error);
  set_operator_memory_budget(budget);
  const auto op = make_operator("ct:parallel", 32, 32);
  const auto& ct = dynamic_cast<const CtRayTransform&>(*op);
  // About 2 non-zeros per step, one step per column or row crossed inside the padded image.
  const int64_t rays = 90 * 47;
  EXPECT_GT(ct.nonzeros(), 2 * rays * 16);
  EXPECT_LT(ct.nonzeros(), 2 * rays * 34);
  EXPECT_EQ(ct.matrix_bytes(), ct.nonzeros() * 88);
}

TEST(FilteredBackProjection, ReconstructsADiscInEveryGeometry) {
  // Noise-free data of a disc (and a smaller disc inside it at 1.5x): FBP reaches a stated PSNR,
  // and more views never make it worse.
  const int64_t n = 96;
  auto image = ct_disc(n, 0.09) * 0.5 + ct_disc(n, 0.03, 0.03, 0.02) * 0.25;
  struct Case {
    const char* spec;
    double psnr;
  };
  for (const Case c : {Case{"ct:parallel", 36.5}, Case{"ct:fan", 36.0}, Case{"ct:fan,detector=flat", 35.5},
                       Case{"ct:fan,scan=short", 36.0}, Case{"ct:fan,detector=flat,scan=short", 35.5}}) {
    double previous = 0.0;
    for (int64_t views : {60, 120, 270}) {
      const auto op = make_operator(std::string(c.spec) + ",views=" + std::to_string(views), n, n);
      const auto& ct = dynamic_cast<const CtRayTransform&>(*op);
      const FilteredBackProjection fbp(ct.geometry_ptr());
      const double value = ct_psnr(fbp.reconstruct(op->apply(image)), image);
      if (views == 270) EXPECT_GT(value, c.psnr) << c.spec;
      EXPECT_GT(value, previous - 0.05) << c.spec << " views " << views;
      previous = value;
    }
  }
}

TEST(FilteredBackProjection, JosephsBackProjectionBeatsThePixelDrivenOneOnParallelBeams) {
  // ct-phantom slices at 64 px, 180 views, noise-free: back-projecting with Joseph's adjoint (as
  // ASTRA's FBP does) gained 0.22 dB over linear interpolation at each pixel (0.29 dB at 128 px).
  const auto data =
      load_dataset("ct-phantom", DatasetOptions().split("test").range(IndexRange::parse("0:4")));
  const auto op = make_operator("ct:parallel,views=180", 64, 64);
  const auto& ct = dynamic_cast<const CtRayTransform&>(*op);
  const auto y = op->apply(data.images);
  auto psnr_of = [&](FbpBackProjector b) {
    return ct_psnr(FilteredBackProjection(ct.geometry_ptr(), FbpOptions().back_projector(b)).reconstruct(y),
                   data.images);
  };
  const double joseph = psnr_of(FbpBackProjector::joseph), pixel = psnr_of(FbpBackProjector::pixel);
  EXPECT_GT(joseph, pixel + 0.15);
  EXPECT_GT(pixel, 37.0);
  // Fan beams refuse Joseph's (their distance weights are per pixel).
  const auto fan = make_operator("ct:fan,views=90", 32, 32);
  const auto& fan_ct = dynamic_cast<const CtRayTransform&>(*fan);
  EXPECT_THROW(
      FilteredBackProjection(fan_ct.geometry_ptr(), FbpOptions().back_projector(FbpBackProjector::joseph)),
      Error);
  EXPECT_THROW(parse_fbp_back_projector("ray-driven"), Error);
}

TEST(FilteredBackProjection, WindowsSmoothAndTheTensorPathEqualsTheKernel) {
  const int64_t n = 48;
  auto image = ct_disc(n, 0.09) * 0.5;
  for (const char* text :
       {"ct:parallel,views=60", "ct:fan,views=70", "ct:fan,views=70,detector=flat,scan=short"}) {
    const auto op = make_operator(text, n, n);
    const auto& ct = dynamic_cast<const CtRayTransform&>(*op);
    const FilteredBackProjection fbp(ct.geometry_ptr());
    auto q = fbp.filter(op->apply(image));
    EXPECT_LT((fbp.back_project(q) - fbp.back_project(q, true)).abs().max().item<double>(), 1e-10) << text;
    if (std::string(text).rfind("ct:parallel", 0) == 0) {
      const FilteredBackProjection joseph(ct.geometry_ptr(),
                                          FbpOptions().back_projector(FbpBackProjector::joseph));
      EXPECT_LT((joseph.back_project(q) - joseph.back_project(q, true)).abs().max().item<double>(), 1e-10);
    }
    // A Hann window at half the Nyquist frequency smooths: less total variation than the ramp.
    const FilteredBackProjection hann(ct.geometry_ptr(), FbpOptions().filter(FbpFilter::hann).cutoff(0.5));
    auto tv = [](const torch::Tensor& x) {
      return (x.diff(1, -1).abs().sum() + x.diff(1, -2).abs().sum()).item<double>();
    };
    auto noisy =
        op->apply(image) + 0.002 * torch::randn(batched_shape(1, op->range_shape()), torch::kFloat64);
    EXPECT_LT(tv(hann.reconstruct(noisy)), 0.7 * tv(fbp.reconstruct(noisy))) << text;
  }
  EXPECT_THROW(parse_fbp_filter("butterworth"), Error);
  const auto op = make_operator("ct:parallel", 16, 16);
  EXPECT_THROW(FilteredBackProjection(dynamic_cast<const CtRayTransform&>(*op).geometry_ptr(),
                                      FbpOptions().cutoff(0.0)),
               Error);
}

TEST(LowDoseCt, WeightedTvFromFbpBeatsFbpOnPhantoms) {
  // ct-phantom slices at 64 pixels, 180 views, LoDoPaB's dose: FBP, then TV with the photon
  // counts' weighted least squares started from it; TV's best lambda of three gains over 1 dB.
  const auto data =
      load_dataset("ct-phantom", DatasetOptions().split("test").range(IndexRange::parse("0:4")));
  const auto m = simulate_measurements(data, "ct:parallel", NoiseModel::parse("ct:4096"), 0);
  const auto op = m.make_op();
  const DataFidelity weighted(op, m.y, m.sigma, m.weights(m.y));
  const auto fbp = make_method("fbp")->solve(weighted, torch::zeros({4}, torch::kFloat64));
  const double fbp_psnr = ct_psnr(fbp.clamp(0, 1), m.x_true);
  EXPECT_GT(fbp_psnr, 28.0);
  double best = 0.0;
  MethodSettings settings;
  settings.set("iterations", int64_t{150});
  for (double lambda : {300.0, 1000.0, 3000.0}) {
    const auto x = make_method("tv", settings)->solve(weighted, torch::full({4}, lambda, torch::kFloat64));
    best = std::max(best, ct_psnr(x, m.x_true));
  }
  EXPECT_GT(best, fbp_psnr + 1.0) << "FBP " << fbp_psnr;
}
