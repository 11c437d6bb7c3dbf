#pragma once
// The feature space in which sample quality is measured (eval/sample_quality.h). FID and
// precision/recall are defined on Inception features, whose weights cannot be downloaded here, so
// genreg trains a small network on the dataset's own supervision and takes its penultimate layer:
// the digit or garment class (mnist, fashion-mnist: cross-entropy) or, for shapes, which has no
// classes, the generating parameters (circle position and radius, rectangle position and sides:
// least squares on standardised targets). Features that predict what makes an image of the dataset
// what it is are the ones a quality measure should compare; numbers are comparable only within one
// feature network (one dataset, one recipe, one seed).
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "genreg/data/dataset.h"

namespace genreg {

// Three stride-2 3x3 convolutions (32, 64, 64 channels, SiLU), average pooling to 4x4 (where
// things are matters: the shapes' parameters are positions), a 64-unit feature layer and the head
// (classes or targets).
class FeatureNetworkImpl : public torch::nn::Module {
 public:
  FeatureNetworkImpl(int64_t outputs);
  // (B, 1, H, W) in [0, 1] -> (B, 64) features.
  torch::Tensor features(const torch::Tensor& x);
  // (B, outputs): class logits or standardised targets.
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential body_{nullptr};
  torch::nn::Linear feature_{nullptr}, head_{nullptr};
};
TORCH_MODULE(FeatureNetwork);

struct FeatureNetworkOptions {
  TORCH_ARG(int64_t, epochs) = 4;
  TORCH_ARG(int64_t, batch_size) = 64;
  TORCH_ARG(double, lr) = 2e-3;
  TORCH_ARG(uint64_t, seed) = 0;
};

// A trained feature network and how well it learned its task on held-out images.
struct TrainedFeatureNetwork {
  FeatureNetwork network{nullptr};
  std::string task;         // "classes" or "parameters"
  double test_score = 0.0;  // accuracy (classes) or R^2 averaged over the targets (parameters)
  int64_t train_images = 0;
  nlohmann::json describe() const;
};

// Trains on `train` (labels >= 0 or targets), scores on `test`. Throws genreg::Error for a dataset
// with neither (a folder of images: no feature network can be trained on it).
TrainedFeatureNetwork train_feature_network(const Dataset& train, const Dataset& test,
                                            const FeatureNetworkOptions& options = {});

// The feature network of `dataset` (train split: supervision; test images 0:2000: the score),
// loaded from genreg's data cache (data_directory()/features/DATASET.pt) or trained and saved there
// once (about a minute on 2 cores for mnist). `log` gets a line saying which.
TrainedFeatureNetwork feature_network_for(const std::string& dataset, const DatasetOptions& data,
                                          std::ostream& log);

// (N, 64) features of images (N, 1, H, W), in batches, without gradients.
torch::Tensor image_features(FeatureNetwork& network, const torch::Tensor& images);

}  // namespace genreg
