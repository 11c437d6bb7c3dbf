#include "genreg/training/training_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"
#include "genreg/io/image_grid.h"
#include "genreg/io/line_plot.h"
#include "genreg/models/checkpoint.h"

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
  PlotSeries psnr{"test PSNR", {}, {}, "b-o"};
  for (const auto& record : history) {
    const double epoch = record.at("epoch").get<double>();
    for (const auto& [k, v] : record.at("losses").items()) {
      if (!shown(k)) continue;
      auto& s = series[k];
      s.label = k;
      s.x.push_back(epoch);
      s.y.push_back(v.get<double>());
    }
    if (record.contains("test_psnr") && record.at("test_psnr").is_number()) {
      psnr.x.push_back(epoch);
      psnr.y.push_back(record.at("test_psnr").get<double>());
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
  if (!psnr.x.empty()) {
    PlotPanel p;
    p.title = "test reconstruction PSNR (dB)";
    p.x_label = "epoch";
    p.y_label = "PSNR";
    p.series.push_back(psnr);
    panels.push_back(p);
  }
  if (!panels.empty()) write_line_plot(path, panels, 420, 340);
}

}  // namespace

TrainingRunSummary run_training(const ModelConfig& config, const TrainOptions& options,
                                const torch::Tensor& train, const torch::Tensor& test,
                                const TrainingRunOptions& run, torch::Device device, std::ostream& log) {
  namespace fs = std::filesystem;
  require(!run.checkpoint.empty(), "no checkpoint path given");
  TrainOptions opts = options;
  GenerativeModelPtr model;
  nlohmann::json history = nlohmann::json::array();
  int64_t start_epoch = 0;
  std::map<std::string, std::string> optimizer_state;
  if (run.resume && fs::exists(run.checkpoint)) {
    auto loaded = load_checkpoint(run.checkpoint, device);
    const auto have = loaded.model->describe(), want = config.to_json();
    require(have == want, run.checkpoint, " holds a different model (", have.dump(), ") than requested (",
            want.dump(), "); remove it or train without --resume");
    try {
      opts = TrainOptions::from_json(loaded.extras.training.at("options"));
      history = loaded.extras.training.at("history");
      start_epoch = loaded.extras.training.at("epoch").get<int64_t>();
    } catch (const nlohmann::json::exception&) {
      fail(run.checkpoint, " holds no training state to resume from");
    }
    opts.epochs(options.epochs());  // the only setting a resumed run may change: train for longer
    model = std::dynamic_pointer_cast<GenerativeModel>(loaded.model);
    optimizer_state = loaded.extras.optimizers;
    log << "resuming from " << run.checkpoint << " after epoch " << start_epoch << "\n";
  } else {
    if (run.resume) log << "no checkpoint at " << run.checkpoint << ": starting from scratch\n";
    torch::manual_seed(opts.seed());  // the initial weights follow the seed
    model = std::make_shared<GenerativeModel>(config);
    model->move_to(device);
    // Data-dependent initialisation of the output layer (see set_output_intensity).
    const double mean = train.mean().item<double>();
    if (mean > 0.0 && mean < 1.0) model->set_output_intensity(mean);
  }
  Trainer trainer(model, opts);
  if (!optimizer_state.empty()) trainer.load_optimizer_state(optimizer_state);

  // Fixed latent vectors, so that the sample grids of successive epochs compare.
  torch::manual_seed(opts.seed() + 0x5eedULL);
  const auto fixed_z = model->sample_latent(run.sample_count);
  const auto shown_test = test.narrow(0, 0, std::min<int64_t>(16, test.size(0))).to(device);
  const auto train_data = train.to(device);
  const auto test_data = test.to(device);

  fs::create_directories(run.log_dir);
  fs::create_directories(fs::path(run.log_dir) / "samples");
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
    const int64_t used = train.size(0) / std::min(opts.batch_size(), train.size(0)) *
                         std::min(opts.batch_size(), train.size(0));
    images_seen += used;
    nlohmann::json record = {{"epoch", epoch + 1},
                             {"losses", losses},
                             {"seconds", seconds},
                             {"images_per_second", static_cast<double>(used) / seconds}};
    if (model->has_encoder()) {
      summary.test_psnr = reconstruction_psnr(*model, test_data);
      record["test_psnr"] = summary.test_psnr;
    }
    history.push_back(record);

    // Figures first, the checkpoint last: a checkpoint always comes with its epoch's figures.
    {
      torch::NoGradGuard no_grad;
      model->eval();
      const auto samples = model->decode(fixed_z);
      char name[64];
      std::snprintf(name, sizeof name, "epoch_%04lld.png", static_cast<long long>(epoch + 1));
      write_image_grid((fs::path(run.log_dir) / "samples" / name).string(), samples);
      write_image_grid((fs::path(run.log_dir) / "samples.png").string(), samples);
      if (model->has_encoder()) {
        const auto rec = model->decode(model->encode(shown_test));
        write_comparison_grid(
            (fs::path(run.log_dir) / "reconstructions.png").string(),
            {GridRow{shown_test}, GridRow{rec}, GridRow{(rec - shown_test).abs(), Colormap::heat, 0.0, 1.0}});
      }
      model->train();
    }
    nlohmann::json training = {{"options", opts.to_json()},
                               {"history", history},
                               {"epoch", epoch + 1},
                               {"dataset", run.dataset},
                               {"model", config.to_json()}};
    write_file_atomically((fs::path(run.log_dir) / "history.json").string(), training.dump(2) + "\n");
    write_loss_plot((fs::path(run.log_dir) / "losses.png").string(), history);
    save_checkpoint(run.checkpoint, *model, CheckpointExtras{training, trainer.optimizer_state()});

    if (run.terminal) log << "\r" << std::string(110, ' ') << "\r";
    std::ostringstream line;
    line << "epoch " << epoch + 1 << "/" << opts.epochs() << format_terms(losses);
    if (record.contains("test_psnr"))
      line << "  test psnr " << std::fixed << std::setprecision(2) << summary.test_psnr << " dB";
    line << "  " << std::fixed << std::setprecision(0) << record["images_per_second"].get<double>()
         << " img/s  " << format_duration(seconds) << "  ETA "
         << format_duration(seconds * (opts.epochs() - epoch - 1));
    log << line.str() << "\n" << std::flush;
    summary.epochs_done = epoch + 1;
    if (run.max_epochs_now > 0 && ++epochs_now >= run.max_epochs_now) break;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  summary.images_per_second = summary.seconds > 0 ? static_cast<double>(images_seen) / summary.seconds : 0.0;
  summary.history = history;
  if (model->has_encoder() && std::isnan(summary.test_psnr))
    summary.test_psnr = reconstruction_psnr(*model, test_data);
  return summary;
}

}  // namespace genreg
