#pragma once
// Line plots as PNG (MathGL): panels side by side, each with its own axes, log scales, series and
// horizontal reference lines (e.g. the discrepancy level M sigma^2 of a parameter sweep). Series
// may also be scatter plots (latent codes) or histograms (bin centres and counts).
#include <string>
#include <vector>

namespace genreg {

enum class SeriesKind {
  line,    // points joined by lines
  points,  // markers only (scatter plot)
  steps,   // a histogram outline: x are bin centres, y the heights
  bars,    // filled bars centred at x
};

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
  std::string style = "";  // MathGL pen, e.g. "b-o"; "" picks one by position and kind
  SeriesKind kind = SeriesKind::line;
};

struct PlotLine {
  double y = 0.0;
  std::string label;
};

struct PlotPanel {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<PlotSeries> series;
  std::vector<PlotLine> horizontal_lines;
  std::vector<double> vertical_lines;  // e.g. the chosen parameter
};

// Writes the panels in one row; `panel_width` x `height` pixels each.
void write_line_plot(const std::string& path, const std::vector<PlotPanel>& panels, int panel_width = 640,
                     int height = 460);

}  // namespace genreg
