#include "genreg/io/line_plot.h"

#include <gtest/gtest.h>

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/io/png.h"
#include "test_support.h"

using namespace genreg;

TEST(LinePlot, WritesPanelsWithLogAxesAndReferenceLines) {
  genreg::testing::TempDir dir;
  PlotPanel discrepancy{"data discrepancy",          "lambda", "||Ax - y||^2", true, true, {},
                        {{150 * 0.01, "M sigma^2"}}, {0.1}};
  PlotPanel quality{"PSNR", "lambda", "dB", true, false, {}, {}, {0.1}};
  PlotSeries d{"discrepancy", {}, {}}, q{"psnr", {}, {}};
  for (int i = 0; i < 9; ++i) {
    const double lambda = std::pow(10.0, -3 + 0.5 * i);
    d.x.push_back(lambda);
    d.y.push_back(0.5 + 3 * lambda);
    q.x.push_back(lambda);
    q.y.push_back(20 - std::pow(std::log10(lambda) + 1, 2));
  }
  discrepancy.series.push_back(d);
  quality.series.push_back(q);
  const auto path = dir / "sweep.png";
  write_line_plot(path, {discrepancy, quality}, 400, 300);
  const auto image = read_png(path);
  EXPECT_EQ(image.size(1), 300);
  EXPECT_EQ(image.size(2), 800);
  // Something was drawn: the image is not a blank page.
  EXPECT_LT(image.min().item<float>(), 0.5f);
  EXPECT_GT(image.max().item<float>(), 0.9f);
}

TEST(LinePlot, MismatchedSeriesAreErrors) {
  genreg::testing::TempDir dir;
  PlotPanel panel;
  panel.series.push_back({"bad", {1, 2}, {1}});
  EXPECT_THROW(write_line_plot(dir / "bad.png", {panel}), genreg::Error);
}
