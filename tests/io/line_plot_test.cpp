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

TEST(LinePlot, BarsAreFilledWherePointsAreNot) {
  genreg::testing::TempDir dir;
  // The same values as filled bars, as a line and as scatter points, each in a panel of its own.
  PlotPanel bars{"bars", "x", "count"}, line{"line", "x", "count"}, points{"points", "x", "count"};
  const std::vector<double> x{0.5, 1.5, 2.5, 3.5}, y{3, 7, 5, 2};
  bars.series.push_back({"", x, y, "b", SeriesKind::bars});
  line.series.push_back({"", x, y, "b-", SeriesKind::line});
  points.series.push_back({"", x, y, "b .", SeriesKind::points});
  const auto path = dir / "kinds.png";
  write_line_plot(path, {bars, line, points}, 300, 300);
  const auto image = read_png(path);
  ASSERT_EQ(image.size(2), 900);
  auto dark = [&](int panel) { return (image.narrow(2, 300 * panel, 300) < 0.5).sum().item<int64_t>(); };
  // Bars cover an area; a line and four points only a few pixels more than the frame and grid.
  EXPECT_GT(dark(0), 3 * dark(1));
  EXPECT_GT(dark(0), 3 * dark(2));
}
