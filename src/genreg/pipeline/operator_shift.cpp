#include "genreg/pipeline/operator_shift.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/html_report.h"
#include "genreg/io/line_plot.h"
#include "genreg/io/number_format.h"
#include "genreg/io/output_paths.h"
#include "genreg/io/results_file.h"
#include "genreg/pipeline/experiment.h"

namespace genreg {
namespace fs = std::filesystem;

std::vector<OperatorShiftPart> parse_operator_shift(const nlohmann::json& document,
                                                    const std::string& source) {
  std::vector<OperatorShiftPart> out;
  try {
    require(document.contains("parts") && document.at("parts").is_array() && !document.at("parts").empty(),
            "\"parts\" must be a non-empty list");
    for (const auto& p : document.at("parts")) {
      OperatorShiftPart part;
      part.name = p.at("name").get<std::string>();
      part.base = p.at("base").get<std::string>();
      part.methods = p.at("methods").get<std::vector<std::string>>();
      for (const auto& a : p.at("acquisitions"))
        part.acquisitions.push_back({a.at("name").get<std::string>(), a.at("label").get<std::string>(),
                                     a.at("operator").get<std::string>(), a.at("sigma").get<double>()});
      require(!part.acquisitions.empty(), "part ", part.name, " has no acquisitions");
      const auto base = experiment_spec(part.base);
      for (const auto& key : part.methods)
        require(std::any_of(base.methods.begin(), base.methods.end(),
                            [&](const ExperimentMethod& m) { return m.key() == key; }),
                "part ", part.name, ": ", part.base, " has no method ", key);
      out.push_back(std::move(part));
    }
  } catch (const nlohmann::json::exception& e) {
    fail(source, ": ", e.what());
  } catch (const Error& e) {
    fail(source, ": ", e.what());
  }
  return out;
}

std::vector<OperatorShiftPart> operator_shift_parts() {
  std::string path;
  const auto document = read_experiment_document("operator-shift", &path);
  return parse_operator_shift(document, path);
}

namespace {

// The base experiment restricted to `keys`, in their order.
ExperimentSpec restricted(const ExperimentSpec& base, const std::vector<std::string>& keys) {
  ExperimentSpec s = base;
  s.methods.clear();
  for (const auto& key : keys) {
    const auto it = std::find_if(base.methods.begin(), base.methods.end(),
                                 [&](const ExperimentMethod& m) { return m.key() == key; });
    require(it != base.methods.end(), base.id, " has no method ", key);
    s.methods.push_back(*it);
  }
  const auto used = [&](std::vector<std::string>& kinds) {
    std::vector<std::string> out;
    for (const auto& kind : kinds)
      if (std::any_of(s.methods.begin(), s.methods.end(),
                      [&](const ExperimentMethod& m) { return m.model == kind; }))
        out.push_back(kind);
    kinds = out;
  };
  used(s.generators);
  used(s.denoisers);
  used(s.diffusion_models);
  used(s.conditional_models);
  return s;
}

// The parameters chosen per method key in a finished run's document: lambda and every searched
// setting's value.
std::map<std::string, std::map<std::string, double>> chosen_parameters(const nlohmann::json& document) {
  std::map<std::string, std::map<std::string, double>> out;
  for (const auto& m : document.at("results").at("methods")) {
    const auto method = m.at("method").get<std::string>(), model = m.at("model").get<std::string>();
    const auto key = model.empty() || model == method ? method : method + "/" + model;
    out[key]["lambda"] = m.at("lambda").get<double>();
    for (const auto& item : m.at("grids").items())
      out[key][item.key()] = m.at("settings").at(item.key()).get<double>();
  }
  return out;
}

}  // namespace

nlohmann::json run_operator_shift(const std::vector<OperatorShiftPart>& study, const ExperimentArgs& a,
                                  const std::vector<std::string>& parts, std::ostream& log_to) {
  require(!a.out.empty(), "no output folder given");
  // With a process group every acquisition's experiment runs on all ranks (run_experiment); rank 0
  // alone prints, tabulates and writes.
  const RootLog root_log(a.group, log_to);
  const bool root = root_log.root();
  std::ostream& os = root_log.stream();
  const auto start = std::chrono::steady_clock::now();
  std::vector<OperatorShiftPart> selected;
  for (const auto& part : study)
    if (parts.empty() || std::find(parts.begin(), parts.end(), part.name) != parts.end())
      selected.push_back(part);
  require(
      !selected.empty(), "no part of the study is named in --parts (it has: ",
      [&] {
        std::string names;
        for (const auto& part : study) names += (names.empty() ? "" : ", ") + part.name;
        return names;
      }(),
      ")");
  if (root) fs::create_directories(a.out);
  HtmlReport html("genreg experiment operator-shift");
  html.paragraph(
      "Conditional models trained for one acquisition against unconditional priors, every method tuned "
      "on the validation images of the training acquisition and then kept: the unconditional methods "
      "see the shifted operator and noise in their data term, the conditional models only the shifted "
      "back-projection A^T y. psnr (dB) of the report images; each acquisition's own report is linked.");
  nlohmann::json summary = {{"parts", nlohmann::json::array()}};
  std::string markdown = "## operator-shift: conditional models against unconditional priors\n\n";
  std::vector<PlotPanel> panels;
  for (const auto& part : selected) {
    auto keys = part.methods;
    if (!a.only.empty()) {
      std::vector<std::string> kept;
      for (const auto& k : keys)
        if (std::find(a.only.begin(), a.only.end(), k) != a.only.end()) kept.push_back(k);
      keys = kept;
    }
    if (keys.empty()) continue;
    const auto base = restricted(experiment_spec(part.base), keys);
    ExperimentArgs args = a;
    args.only.clear();
    if (!a.generators.empty()) args.generators = (fs::path(a.generators) / part.name).string();
    // psnr by method key, one value per acquisition.
    std::map<std::string, std::vector<double>> psnr;
    std::map<std::string, std::string> labels;
    std::map<std::string, std::map<std::string, double>> chosen;
    nlohmann::json part_json = {
        {"part", part.name}, {"base", part.base}, {"acquisitions", nlohmann::json::array()}};
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < part.acquisitions.size(); ++i) {
      const auto& acq = part.acquisitions[i];
      ExperimentSpec spec = base;
      spec.operator_spec = acq.operator_spec;
      spec.sigma = acq.sigma;
      spec.model_operator_spec = part.acquisitions.front().operator_spec;
      spec.model_sigma = part.acquisitions.front().sigma;
      spec.description = base.description + "; measured with " + acq.label;
      spec.paper.clear();
      if (i > 0)
        for (auto& m : spec.methods) {
          // Tuned on the training acquisition, then kept.
          const auto& values = chosen.at(m.key());
          if (!m.lambdas.empty()) m.lambdas = {values.at("lambda")};
          for (const auto& item : m.grids) m.settings.set(item.first, values.at(item.first));
          m.grids.clear();
          if (std::find(spec.conditional_models.begin(), spec.conditional_models.end(), m.model) !=
              spec.conditional_models.end())
            m.settings.set("allow_operator_shift", true);
        }
      args.out = (fs::path(a.out) / part.name / acq.name).string();
      os << "\n== operator-shift " << part.name << ": " << acq.label << " ==\n";
      const auto document = run_experiment(spec, args, log_to);
      if (i == 0) {
        if (root) chosen = chosen_parameters(document);
        if (a.group) {
          // Rank 0's choices (lambda and the searched settings per method, in the spec's order) for
          // every rank.
          std::vector<std::pair<std::string, std::string>> slots;
          for (const auto& m : spec.methods) {
            slots.push_back({m.key(), "lambda"});
            for (const auto& item : m.grids) slots.push_back({m.key(), item.first});
          }
          auto values = torch::zeros({static_cast<int64_t>(slots.size())}, torch::kFloat64);
          if (root)
            for (size_t k = 0; k < slots.size(); ++k)
              values[k] = chosen.at(slots[k].first).at(slots[k].second);
          a.group->broadcast(values, 0);
          for (size_t k = 0; k < slots.size(); ++k)
            chosen[slots[k].first][slots[k].second] = values[k].item<double>();
        }
      }
      if (!root) continue;
      nlohmann::json acq_json = {{"name", acq.name},
                                 {"label", acq.label},
                                 {"operator", acq.operator_spec},
                                 {"sigma", acq.sigma},
                                 {"report", acq.name + "/report.html"},
                                 {"psnr", nlohmann::json::object()}};
      for (const auto& m : document.at("results").at("methods")) {
        const auto method = m.at("method").get<std::string>(), model = m.at("model").get<std::string>();
        const auto key = model.empty() || model == method ? method : method + "/" + model;
        const double value = m.at("metrics").at("psnr").at("mean").get<double>();
        psnr[key].push_back(value);
        labels[key] = m.at("label").get<std::string>();
        acq_json["psnr"][key] = value;
      }
      part_json["acquisitions"].push_back(acq_json);
    }
    // Table: a row per method, a column per acquisition.
    std::vector<std::string> header{"method"};
    for (const auto& acq : part.acquisitions) header.push_back(acq.label);
    markdown += "### " + part.name + " (" + part.base + "'s models and grids), psnr\n\n|";
    for (const auto& h : header) markdown += " " + h + " |";
    markdown += "\n|";
    for (size_t i = 0; i < header.size(); ++i) markdown += "---|";
    markdown += "\n";
    PlotPanel panel{part.name + ": psnr against the acquisition",
                    "acquisition (0: training)",
                    "psnr (dB)",
                    false,
                    false,
                    {},
                    {},
                    {}};
    for (const auto& key : keys) {
      if (!psnr.count(key)) continue;
      std::vector<std::string> row{labels[key]};
      std::vector<double> x;
      for (size_t i = 0; i < psnr[key].size(); ++i) {
        row.push_back(format_fixed(psnr[key][i], 2));
        x.push_back(static_cast<double>(i));
      }
      markdown += "| " + row.front();
      for (size_t i = 1; i < row.size(); ++i) markdown += " | " + row[i];
      markdown += " |\n";
      rows.push_back(row);
      panel.series.push_back({labels[key], x, psnr[key], "", SeriesKind::line});
    }
    markdown += "\n";
    panels.push_back(panel);
    html.heading(part.name + ": " + part.base + "'s models and grids", 2).table(header, rows);
    for (const auto& acq : part.acquisitions)
      html.link(part.name + "/" + acq.name + "/report.html", part.name + ", " + acq.label + ": report");
    summary["parts"].push_back(part_json);
  }
  require(!panels.empty(), "--only left no method of operator-shift");
  if (!root) return nlohmann::json();
  write_line_plot((fs::path(a.out) / "shift.png").string(), panels, 480, 360);
  html.figure("shift.png", "psnr against the acquisition (0 the training one, then as the table's columns)");
  write_file_atomically((fs::path(a.out) / "table.md").string(), markdown);
  html.link("table.md", "table.md").link("results.json", "results.json");
  html.write((fs::path(a.out) / "report.html").string());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto document = results_document(a.command, summary, {"parts"}, seconds, a.out);
  write_results_file(a.out, document);
  os << "\n" << markdown << "wrote " << (fs::path(a.out) / "report.html").string() << "\n";
  return document;
}

}  // namespace genreg
