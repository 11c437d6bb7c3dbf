#include "genreg/eval/feature_network.h"

#include <filesystem>
#include <ostream>

#include "genreg/core/error.h"
#include "genreg/io/atomic_file.h"

namespace genreg {

FeatureNetworkImpl::FeatureNetworkImpl(int64_t outputs) {
  namespace nn = torch::nn;
  auto conv = [](int64_t in, int64_t out) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(2).padding(1));
  };
  body_ = register_module(
      "body", nn::Sequential(conv(1, 32), nn::SiLU(), conv(32, 64), nn::SiLU(), conv(64, 64), nn::SiLU(),
                             nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(4)), nn::Flatten()));
  feature_ = register_module("feature", nn::Linear(64 * 16, 64));
  head_ = register_module("head", nn::Linear(64, outputs));
}

torch::Tensor FeatureNetworkImpl::features(const torch::Tensor& x) {
  return torch::silu(feature_->forward(body_->forward(x)));
}

torch::Tensor FeatureNetworkImpl::forward(const torch::Tensor& x) { return head_->forward(features(x)); }

nlohmann::json TrainedFeatureNetwork::describe() const {
  return {{"task", task},
          {"test_score", test_score},
          {"score", task == "classes" ? "accuracy" : "mean R^2 of the parameters"},
          {"train_images", train_images},
          {"features", 64}};
}

namespace {

// What a dataset supervises: class labels, or standardised continuous targets.
struct Supervision {
  bool classes = false;
  torch::Tensor labels, targets, mean, std;
  int64_t outputs = 0;
};

Supervision supervision(const Dataset& train) {
  Supervision s;
  if (train.targets.defined()) {
    s.targets = train.targets.to(torch::kFloat32);
    s.mean = s.targets.mean(0, true);
    s.std = s.targets.std(0, true, true).clamp_min(1e-6);
    s.outputs = s.targets.size(1);
  } else if (train.labels.defined() && train.labels.numel() > 0 && (train.labels >= 0).all().item<bool>()) {
    s.classes = true;
    s.labels = train.labels;
    s.outputs = train.labels.max().item<int64_t>() + 1;
  } else {
    fail("the feature network for sample quality trains on class labels or generating parameters, and ",
         train.name, " has neither");
  }
  return s;
}

double score(FeatureNetwork& net, const Supervision& s, const Dataset& test) {
  torch::NoGradGuard no_grad;
  net->eval();
  std::vector<torch::Tensor> outputs;
  for (int64_t i = 0; i < test.size(); i += 256)
    outputs.push_back(net->forward(test.images.narrow(0, i, std::min<int64_t>(256, test.size() - i))));
  const auto out = torch::cat(outputs);
  if (s.classes) return (out.argmax(1) == test.labels).to(torch::kFloat64).mean().item<double>();
  const auto target = (test.targets - s.mean) / s.std;
  const auto residual = (out - target).pow(2).sum(0);
  const auto total = (target - target.mean(0, true)).pow(2).sum(0).clamp_min(1e-12);
  return (1.0 - residual / total).mean().item<double>();
}

}  // namespace

TrainedFeatureNetwork train_feature_network(const Dataset& train, const Dataset& test,
                                            const FeatureNetworkOptions& options) {
  require(options.epochs() >= 1 && options.batch_size() >= 1 && options.lr() > 0,
          "the feature network needs epochs, batch size and learning rate above 0");
  const auto s = supervision(train);
  require(s.classes ? (test.labels >= 0).all().item<bool>() : test.targets.defined(), "the test images of ",
          test.name, " lack the supervision of the training images");
  torch::manual_seed(options.seed());
  TrainedFeatureNetwork out;
  out.network = FeatureNetwork(s.outputs);
  out.task = s.classes ? "classes" : "parameters";
  out.train_images = train.size();
  torch::optim::Adam optimizer(out.network->parameters(), torch::optim::AdamOptions(options.lr()));
  const auto targets = s.classes ? torch::Tensor() : (s.targets - s.mean) / s.std;
  auto generator = at::detail::createCPUGenerator(options.seed());
  for (int64_t epoch = 0; epoch < options.epochs(); ++epoch) {
    out.network->train();
    const auto order = torch::randperm(train.size(), generator, torch::kLong);
    for (int64_t i = 0; i < train.size(); i += options.batch_size()) {
      const auto rows = order.narrow(0, i, std::min(options.batch_size(), train.size() - i));
      const auto prediction = out.network->forward(train.images.index_select(0, rows));
      const auto loss = s.classes ? torch::cross_entropy_loss(prediction, s.labels.index_select(0, rows))
                                  : torch::mse_loss(prediction, targets.index_select(0, rows));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
  out.test_score = score(out.network, s, test);
  out.network->eval();
  return out;
}

TrainedFeatureNetwork feature_network_for(const std::string& dataset, const DatasetOptions& data,
                                          std::ostream& log) {
  std::string stem = dataset;
  for (auto& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  const auto dir =
      std::filesystem::path(data.data_dir().empty() ? data_directory() : data.data_dir()) / "features";
  const auto path = dir / (stem + ".pt");
  const auto about = dir / (stem + ".json");
  auto train_options = data;
  train_options.split("train").range(IndexRange::all());
  auto test_options = data;
  test_options.split("test").range(IndexRange::parse("0:2000"));
  if (std::filesystem::exists(path) && std::filesystem::exists(about)) {
    const auto bytes = read_file(about.string());
    const auto j = nlohmann::json::parse(bytes.begin(), bytes.end());
    TrainedFeatureNetwork out;
    out.network = FeatureNetwork(j.at("outputs").get<int64_t>());
    torch::load(out.network, path.string());
    out.network->eval();
    out.task = j.at("task");
    out.test_score = j.at("test_score");
    out.train_images = j.at("train_images");
    log << "feature network: " << path.string() << " (" << out.task << ", test score " << out.test_score
        << ")\n";
    return out;
  }
  // shapes: 20,000 training images suffice for seven parameters (the split has 60,000).
  if (dataset.rfind("shapes", 0) == 0) train_options.range(IndexRange::parse("0:20000"));
  const auto train = load_dataset(dataset, train_options);
  const auto test = load_dataset(dataset, test_options);
  log << "training the feature network on " << train.size() << " " << dataset << " training images ("
      << (train.targets.defined() ? "generating parameters" : "class labels") << ")\n"
      << std::flush;
  auto out = train_feature_network(train, test);
  std::filesystem::create_directories(dir);
  const auto temporary = path.string() + ".part";
  torch::save(out.network, temporary);
  std::filesystem::rename(temporary, path);
  auto j = out.describe();
  j["outputs"] = out.network->named_parameters()["head.bias"].size(0);
  write_file_atomically(about.string(), j.dump(2) + "\n");
  log << "feature network: trained, test score " << out.test_score << ", saved to " << path.string() << "\n";
  return out;
}

torch::Tensor image_features(FeatureNetwork& network, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  network->eval();
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < images.size(0); i += 256)
    parts.push_back(network->features(
        images.narrow(0, i, std::min<int64_t>(256, images.size(0) - i)).to(torch::kCPU, torch::kFloat32)));
  return torch::cat(parts);
}

}  // namespace genreg
