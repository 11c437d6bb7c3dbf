#include "genreg/io/line_plot.h"

#include <mgl2/mgl.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "genreg/core/error.h"

namespace genreg {
namespace {

const char* kPens[] = {"b-o", "r-s", "G-d", "m-^", "c-v", "k-x", "n-+", "q-*"};
const char* kColours = "brGmcknq";

std::string default_pen(SeriesKind kind, size_t s) {
  const char colour = kColours[s % 8];
  switch (kind) {
    case SeriesKind::points:
      return std::string(1, colour) + " .";
    case SeriesKind::steps:
      return std::string(1, colour) + "-2";
    case SeriesKind::bars:
      return std::string(1, colour);
    case SeriesKind::line:
      break;
  }
  return kPens[s % 8];
}

// Data range of a panel, widened so that lines and points are not on the frame; log axes keep to
// positive values.
void panel_range(const PlotPanel& panel, double& x0, double& x1, double& y0, double& y1) {
  x0 = y0 = std::numeric_limits<double>::infinity();
  x1 = y1 = -std::numeric_limits<double>::infinity();
  auto take = [](double v, bool log, double& lo, double& hi) {
    if (!std::isfinite(v) || (log && v <= 0)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  };
  for (const auto& s : panel.series) {
    for (double v : s.x) take(v, panel.log_x, x0, x1);
    for (double v : s.y) take(v, panel.log_y, y0, y1);
    // Histograms stand on zero and their outer bins are half a bin wider than the centres.
    if ((s.kind == SeriesKind::steps || s.kind == SeriesKind::bars) && !s.x.empty()) {
      if (!panel.log_y) take(0.0, false, y0, y1);
      if (s.x.size() >= 2) {
        const double half = 0.5 * (s.x[1] - s.x[0]);
        take(s.x.front() - half, panel.log_x, x0, x1);
        take(s.x.back() + half, panel.log_x, x0, x1);
      }
    }
  }
  for (const auto& l : panel.horizontal_lines) take(l.y, panel.log_y, y0, y1);
  if (!std::isfinite(x0)) x0 = panel.log_x ? 0.1 : 0, x1 = panel.log_x ? 10 : 1;
  if (!std::isfinite(y0)) y0 = panel.log_y ? 0.1 : 0, y1 = panel.log_y ? 10 : 1;
  auto widen = [](double& lo, double& hi, bool log) {
    if (log) {
      const double f = hi > lo ? std::pow(hi / lo, 0.05) : 2.0;
      lo /= f;
      hi *= f;
    } else {
      const double d = hi > lo ? 0.05 * (hi - lo) : std::max(1.0, std::abs(lo)) * 0.1;
      lo -= d;
      hi += d;
    }
  };
  widen(x0, x1, panel.log_x);
  widen(y0, y1, panel.log_y);
}

}  // namespace

void write_line_plot(const std::string& path, const std::vector<PlotPanel>& panels, int panel_width,
                     int height) {
  require(!panels.empty(), "line plot: no panels");
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  const int n = static_cast<int>(panels.size());
  mglGraph gr(0, panel_width * n, height);
  gr.SetFontSize(3.0);
  for (int p = 0; p < n; ++p) {
    const auto& panel = panels[p];
    gr.SubPlot(n, 1, p, "<_^");
    if (!panel.title.empty()) gr.Title(panel.title.c_str(), "", -1.6);
    double x0, x1, y0, y1;
    panel_range(panel, x0, x1, y0, y1);
    gr.SetFunc("", "");
    gr.SetRanges(x0, x1, y0, y1);
    gr.SetOrigin(x0, y0);
    gr.SetFunc(panel.log_x ? "lg(x)" : "", panel.log_y ? "lg(y)" : "");
    gr.Axis();
    gr.Grid("xy", "h=");
    gr.Box();
    if (!panel.x_label.empty()) gr.Label('x', panel.x_label.c_str(), 0);
    if (!panel.y_label.empty()) gr.Label('y', panel.y_label.c_str(), 0);
    gr.ClearLegend();
    bool legend = false;
    for (const auto& line : panel.horizontal_lines) {
      gr.Line(mglPoint(x0, line.y), mglPoint(x1, line.y), "k|2", 100);
      if (!line.label.empty()) {
        gr.AddLegend(line.label.c_str(), "k|2");
        legend = true;
      }
    }
    for (double v : panel.vertical_lines) gr.Line(mglPoint(v, y0), mglPoint(v, y1), "r;2", 100);
    for (size_t s = 0; s < panel.series.size(); ++s) {
      const auto& series = panel.series[s];
      require(series.x.size() == series.y.size(), "line plot: series '", series.label, "' has ",
              series.x.size(), " x values and ", series.y.size(), " y values");
      if (series.x.empty()) continue;
      mglData xs(static_cast<long>(series.x.size())), ys(static_cast<long>(series.y.size()));
      for (size_t i = 0; i < series.x.size(); ++i) {
        xs.a[i] = series.x[i];
        ys.a[i] = std::isfinite(series.y[i]) ? series.y[i] : NAN;
      }
      const std::string pen = series.style.empty() ? default_pen(series.kind, s) : series.style;
      if (series.kind == SeriesKind::bars) {
        gr.Bars(xs, ys, pen.c_str());
      } else if (series.kind == SeriesKind::steps && series.x.size() >= 2) {
        // MathGL's Step draws from each point to the next; give it the bin edges so that every
        // bin is a flat segment over its own width, closed down to zero at both ends.
        const size_t n = series.x.size();
        const double half = 0.5 * (series.x[1] - series.x[0]);
        mglData ex(static_cast<long>(n + 2)), ey(static_cast<long>(n + 2));
        ex.a[0] = series.x[0] - half, ey.a[0] = 0;
        for (size_t i = 0; i < n; ++i) ex.a[i + 1] = series.x[i] - half, ey.a[i + 1] = ys.a[i];
        ex.a[n + 1] = series.x[n - 1] + half, ey.a[n + 1] = 0;
        gr.Step(ex, ey, pen.c_str());
      } else {
        gr.Plot(xs, ys, pen.c_str());
      }
      if (!series.label.empty()) {
        gr.AddLegend(series.label.c_str(), pen.c_str());
        legend = true;
      }
    }
    if (legend) gr.Legend(3, "#", "size 2.6");
  }
  gr.WritePNG(path.c_str(), "", false);
  require(std::filesystem::exists(path), "cannot write plot ", path);
}

}  // namespace genreg
