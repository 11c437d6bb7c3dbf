#include "genreg/training/training_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <set>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/html_report.h"
#include "genreg/io/line_plot.h"
#include "genreg/io/output_paths.h"
#include "genreg/io/results_file.h"
#include "genreg/models/checkpoint.h"
#include "genreg/models/model_registry.h"

namespace genreg {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  char buffer[32];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
  else if (s >= 60)
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(buffer, sizeof buffer, "%llds", static_cast<long long>(s));
  return buffer;
}

namespace {

// Loss terms shown in progress lines and plots (kl_weight is a schedule, critic repeats a term).
bool shown(const std::string& term) { return term != "kl_weight" && term != "critic"; }

std::string format_terms(const std::map<std::string, double>& terms) {
  std::ostringstream out;
  out << std::setprecision(4);
  for (const auto& [k, v] : terms)
    if (shown(k)) out << "  " << k << " " << v;
  return out.str();
}

void write_loss_plot(const std::string& path, const nlohmann::json& history) {
  std::map<std::string, PlotSeries> series;
  std::map<std::string, PlotSeries> metrics;  // the monitor's test metrics
  const std::set<std::string> bookkeeping{"epoch", "losses", "seconds", "images_per_second"};
  for (const auto& record : history) {
    const double epoch = record.at("epoch").get<double>();
    for (const auto& [k, v] : record.at("losses").items()) {
      if (!shown(k)) continue;
      auto& s = series[k];
      s.label = k;
      s.x.push_back(epoch);
      s.y.push_back(v.get<double>());
    }
    for (const auto& [k, v] : record.items()) {
      if (bookkeeping.count(k) || !v.is_number()) continue;
      auto& s = metrics[k];
      s.label = k;
      s.x.push_back(epoch);
      s.y.push_back(v.get<double>());
    }
  }
  std::vector<PlotPanel> panels;
  for (auto& [k, s] : series) {
    PlotPanel p;
    p.title = k;
    p.x_label = "epoch";
    p.y_label = k;
    bool positive = true;
    for (double y : s.y) positive = positive && y > 0;
    p.log_y = positive && (k == "mse" || k == "loss" || k == "gp" || k == "r1");
    s.style = "b-";
    p.series.push_back(s);
    panels.push_back(p);
  }
  for (auto& [k, s] : metrics) {
    PlotPanel p;
    p.title = k == "test_psnr" ? "test reconstruction PSNR (dB)" : k;
    p.x_label = "epoch";
    p.y_label = k;
    s.style = "b-o";
    p.series.push_back(s);
    panels.push_back(p);
  }
  if (!panels.empty()) write_line_plot(path, panels, 420, 340);
}

// A run killed while writing its checkpoint leaves CHECKPOINT.tmpPID (io/atomic_file.cpp) beside it:
// removed, and said, before the run starts.
void remove_stale_temporaries(const std::string& checkpoint, std::ostream& log) {
  namespace fs = std::filesystem;
  const fs::path target(checkpoint);
  const auto folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const auto prefix = target.filename().string() + ".tmp";
  std::error_code ec;
  for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0 || !it->is_regular_file()) continue;
    std::error_code removed;
    fs::remove(it->path(), removed);
    if (!removed)
      log << "removed " << it->path().string() << ", left by a run killed while writing its checkpoint\n";
  }
}

// report.html and results.json of the run so far (io/results_file.h): written after every epoch, so
// that the folder always describes the checkpoint beside it.
nlohmann::json write_run_report(const TrainingRunSummary& summary, const nlohmann::json& settings,
                                const std::string& dir) {
  namespace fs = std::filesystem;
  const auto kind = settings.at("model").at("kind").get<std::string>();
  HtmlReport html("genreg train: " + kind + " on " + settings.at("dataset").get<std::string>());
  std::ostringstream about;
  about << kind << " (" << settings.at("model").dump() << ") trained on "
        << settings.at("train_images").get<int64_t>() << " " << settings.at("dataset").get<std::string>()
        << " images";
  if (settings.contains("acquisition"))
    about << " with measurements simulated by "
          << settings.at("acquisition").at("operator").get<std::string>() << ", noise "
          << settings.at("acquisition").at("noise").get<std::string>();
  about << "; " << summary.epochs_done << " of " << settings.at("options").at("epochs").get<int64_t>()
        << " epochs done (checkpoint " << settings.at("checkpoint").get<std::string>() << ")";
  for (const auto& [k, v] : summary.test_metrics)
    about << "; " << k << " " << std::fixed << std::setprecision(2) << v;
  html.paragraph(about.str() + ".");
  html.figure("losses.png", "loss terms and test metrics per epoch");
  for (const auto& f : summary.figures) html.figure(f.file, f.caption);
  html.link("history.json", "history.json (losses and options per epoch)")
      .link("results.json", "results.json");
  html.write((fs::path(dir) / "report.html").string());
  nlohmann::json all = settings;
  all["first_epoch"] = summary.first_epoch;
  all["epochs_done"] = summary.epochs_done;
  all["images_per_second"] = summary.images_per_second;
  for (const auto& [k, v] : summary.test_metrics) all[k] = v;
  all["history"] = summary.history;
  auto document = results_document(
      "train", all, {"model", "options", "dataset", "train_images", "checkpoint", "acquisition", "ranks"},
      summary.seconds, dir);
  write_results_file(dir, document);
  return document;
}

// What the ranks' synchronisation cost this process: time in all-reduces (gradients and loss
// terms), per optimiser step and as a share of the run's time, and the bytes each rank sent in.
nlohmann::json data_parallel_record(const Trainer& trainer, const TrainingRunSummary& summary) {
  const auto* a = trainer.gradient_averager();
  const int64_t steps = std::max<int64_t>(1, trainer.steps_done());
  return {{"ranks", a->group()->size()},
          {"all_reduces", a->all_reduces()},
          {"all_reduce_seconds", a->seconds()},
          {"all_reduce_ms_per_step", 1000.0 * a->seconds() / static_cast<double>(steps)},
          {"all_reduce_share", summary.seconds > 0 ? a->seconds() / summary.seconds : 0.0},
          {"bytes_per_step", a->bytes() / steps}};
}

}  // namespace

TrainingRunSummary run_training(const nlohmann::json& description, const TrainOptions& options,
                                const TrainingData& train, const TrainingData& test,
                                const TrainingRunOptions& run, torch::Device device, std::ostream& log_to) {
  namespace fs = std::filesystem;
  // Rank 0 (or the only process) writes every file and line; the other ranks only train.
  const int ranks = run.group ? run.group->size() : 1;
  const RootLog root_log(run.group, log_to);
  const bool root = root_log.root();
  std::ostream& log = root_log.stream();
  check_output_file(run.checkpoint, {".pt"}, "checkpoint");
  if (root) {
    prepare_output_folder(run.log_dir, run.resume ? PreviousRun::keep : PreviousRun::clear);
    remove_stale_temporaries(run.checkpoint, log);
  }
  require(description.is_object() && description.contains("kind") && description.at("kind").is_string(),
          "a model description needs its kind");
  const auto kind = description.at("kind").get<std::string>();
  const auto& recipe = TrainingRecipes::instance().at(kind);
  if (recipe.needs_measurements)
    require(train.simulates_measurements(), kind,
            " trains on (image, measurement) pairs: give the operator and the noise to simulate them with");
  else
    require(!train.simulates_measurements(), kind,
            " trains on images alone; an operator and noise are for conditional kinds");
  nlohmann::json acquisition;
  if (train.acquisition())
    acquisition = {{"operator", train.acquisition()->operator_spec},
                   {"noise", train.acquisition()->noise.str()}};

  TrainOptions opts = options;
  ModelPtr model;
  nlohmann::json history = nlohmann::json::array();
  int64_t start_epoch = 0;
  std::map<std::string, std::string> optimizer_state;
  if (run.resume && fs::exists(run.checkpoint)) {
    auto loaded = load_checkpoint(run.checkpoint, device);
    const auto have = loaded.model->describe();
    require(have == description, run.checkpoint, " holds a different model (", have.dump(),
            ") than requested (", description.dump(), "); remove it or train without --resume");
    try {
      opts = TrainOptions::from_json(loaded.extras.training.at("options"));
      history = loaded.extras.training.at("history");
      start_epoch = loaded.extras.training.at("epoch").get<int64_t>();
    } catch (const nlohmann::json::exception&) {
      fail(run.checkpoint, " holds no training state to resume from");
    }
    const auto had = loaded.extras.training.value("acquisition", nlohmann::json());
    require(had == acquisition, run.checkpoint, " was trained on ",
            had.is_null() ? std::string("images alone") : "measurements " + had.dump(), ", not on ",
            acquisition.is_null() ? std::string("images alone") : "measurements " + acquisition.dump());
    opts.epochs(options.epochs());  // the only setting a resumed run may change: train for longer
    model = loaded.model;
    optimizer_state = loaded.extras.optimizers;
    log << "resuming from " << run.checkpoint << " after epoch " << start_epoch << "\n";
  } else {
    if (run.resume) log << "no checkpoint at " << run.checkpoint << ": starting from scratch\n";
    torch::manual_seed(opts.seed());  // the initial weights follow the seed
    model = make_model(description);
    model->move_to(device);
    if (recipe.initialise) recipe.initialise(*model, train);
  }
  Trainer trainer(model, opts);
  if (!optimizer_state.empty()) trainer.load_optimizer_state(optimizer_state);
  trainer.set_process_group(run.group);
  const auto monitor = root && recipe.make_monitor
                           ? recipe.make_monitor(*model, opts, test.to(device), run.sample_count)
                           : nullptr;
  const auto train_data = train.to(device);

  if (root) fs::create_directories(run.log_dir);
  nlohmann::json settings = {{"model", description},         {"options", opts.to_json()},
                             {"dataset", run.dataset},       {"train_images", train.size()},
                             {"checkpoint", run.checkpoint}, {"ranks", ranks}};
  if (!acquisition.is_null()) settings["acquisition"] = acquisition;
  TrainingRunSummary summary;
  summary.first_epoch = start_epoch;
  summary.epochs_done = start_epoch;
  const auto run_start = std::chrono::steady_clock::now();
  int64_t images_seen = 0;
  int64_t epochs_now = 0;
  if (start_epoch >= opts.epochs()) log << "already trained for " << start_epoch << " epochs\n";

  for (int64_t epoch = start_epoch; epoch < opts.epochs(); ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const int64_t every = run.log_every > 0 ? run.log_every : 0;
    auto progress = [&](const StepReport& r) {
      const bool line =
          run.terminal ||
          (every > 0 ? r.step % every == 0 : r.step % std::max<int64_t>(1, r.steps_per_epoch / 5) == 0);
      if (!line || r.step == r.steps_per_epoch) return;
      std::ostringstream out;
      out << "epoch " << r.epoch + 1 << "/" << r.epochs << "  step " << r.step << "/" << r.steps_per_epoch
          << format_terms(r.losses) << "  " << std::fixed << std::setprecision(0) << r.images_per_second
          << " img/s  ETA " << format_duration(r.eta_seconds);
      if (run.terminal)
        log << "\r" << std::left << std::setw(110) << out.str() << std::flush;
      else
        log << out.str() << "\n" << std::flush;
    };
    const auto losses = trainer.train_epoch(train_data, epoch, progress);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    const int64_t used =
        train.size() / std::min(opts.batch_size(), train.size()) * std::min(opts.batch_size(), train.size());
    images_seen += used;
    nlohmann::json record = {{"epoch", epoch + 1},
                             {"losses", losses},
                             {"seconds", seconds},
                             {"images_per_second", static_cast<double>(used) / seconds}};
    if (monitor) {
      summary.test_metrics = monitor->evaluate(*model);
      for (const auto& [k, v] : summary.test_metrics) record[k] = v;
    }
    history.push_back(record);
    summary.epochs_done = epoch + 1;
    summary.history = history;
    if (!root) {
      if (run.max_epochs_now > 0 && ++epochs_now >= run.max_epochs_now) break;
      continue;
    }

    // Figures first, the checkpoint last: a checkpoint always comes with its epoch's figures.
    if (monitor) summary.figures = monitor->write_figures(*model, run.log_dir, epoch);
    nlohmann::json training = {{"options", opts.to_json()},
                               {"history", history},
                               {"epoch", epoch + 1},
                               {"dataset", run.dataset},
                               {"model", description}};
    if (!acquisition.is_null()) training["acquisition"] = acquisition;
    write_file_atomically((fs::path(run.log_dir) / "history.json").string(), training.dump(2) + "\n");
    write_loss_plot((fs::path(run.log_dir) / "losses.png").string(), history);
    save_checkpoint(run.checkpoint, *model, CheckpointExtras{training, trainer.optimizer_state()});
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    summary.images_per_second = static_cast<double>(images_seen) / summary.seconds;
    settings["options"] = opts.to_json();
    if (trainer.gradient_averager()) settings["data_parallel"] = data_parallel_record(trainer, summary);
    summary.document = write_run_report(summary, settings, run.log_dir);

    if (run.terminal) log << "\r" << std::string(110, ' ') << "\r";
    std::ostringstream line;
    line << "epoch " << epoch + 1 << "/" << opts.epochs() << format_terms(losses);
    for (const auto& [k, v] : summary.test_metrics)
      line << "  " << k << " " << std::fixed << std::setprecision(2) << v;
    line << "  " << std::fixed << std::setprecision(0) << record["images_per_second"].get<double>()
         << " img/s  " << format_duration(seconds) << "  ETA "
         << format_duration(seconds * (opts.epochs() - epoch - 1));
    log << line.str() << "\n" << std::flush;
    if (run.max_epochs_now > 0 && ++epochs_now >= run.max_epochs_now) break;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  summary.images_per_second = summary.seconds > 0 ? static_cast<double>(images_seen) / summary.seconds : 0.0;
  summary.history = history;
  if (monitor && summary.test_metrics.empty()) summary.test_metrics = monitor->evaluate(*model);
  if (trainer.gradient_averager()) settings["data_parallel"] = data_parallel_record(trainer, summary);
  settings["options"] = opts.to_json();
  if (root) summary.document = write_run_report(summary, settings, run.log_dir);
  // Every rank returns once rank 0 has written the last checkpoint: a caller may load it.
  if (run.group) run.group->barrier();
  return summary;
}

TrainingRunSummary run_training(const ModelConfig& config, const TrainOptions& options,
                                const torch::Tensor& train, const torch::Tensor& test,
                                const TrainingRunOptions& run, torch::Device device, std::ostream& log) {
  return run_training(config.to_json(), options, TrainingData(train), TrainingData(test), run, device, log);
}

}  // namespace genreg
