// The feature network learns its dataset's supervision (digit classes, the shapes' parameters) well
// above chance, and in its feature space the Frechet distance and precision/recall tell real test
// images from degraded ones.
#include "genreg/eval/feature_network.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/data/shapes.h"
#include "genreg/eval/sample_quality.h"

namespace genreg {
namespace feature_network_test {

TEST(FeatureNetwork, LearnsDigitClassesAndSeparatesRealFromDegradedImages) {
  const auto train =
      load_dataset("mnist", DatasetOptions().split("train").range(IndexRange::parse("0:3000")));
  const auto test = load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("0:1000")));
  auto trained = train_feature_network(train, test, FeatureNetworkOptions().epochs(3));
  EXPECT_EQ(trained.task, "classes");
  EXPECT_GT(trained.test_score, 0.85);  // chance: 0.1
  const auto a = image_features(trained.network, test.images.narrow(0, 0, 500));
  const auto b = image_features(trained.network, test.images.narrow(0, 500, 500));
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{500, 64}));
  // Degraded "samples": the other half blurred by a 3x3 box, and with noise added.
  const auto other = test.images.narrow(0, 500, 500);
  const auto blurred = torch::avg_pool2d(other, 3, 1, 1);
  torch::manual_seed(0);
  const auto noisy = (other + 0.3 * torch::randn_like(other)).clamp(0, 1);
  const double real = frechet_distance(a, b);
  const double blur = frechet_distance(a, image_features(trained.network, blurred));
  const double noise = frechet_distance(a, image_features(trained.network, noisy));
  EXPECT_LT(real * 3, blur) << real << " " << blur;
  EXPECT_LT(real * 3, noise) << real << " " << noise;
  const auto pr_real = precision_recall(a, b),
             pr_noise = precision_recall(a, image_features(trained.network, noisy));
  EXPECT_GT(pr_real.precision, pr_noise.precision);
}

TEST(FeatureNetwork, LearnsTheShapesParametersAndRefusesUnsupervisedData) {
  const auto train =
      load_dataset("shapes", DatasetOptions().split("train").range(IndexRange::parse("0:2000")));
  const auto test = load_dataset("shapes", DatasetOptions().split("test").range(IndexRange::parse("0:300")));
  ASSERT_EQ(train.targets.sizes(), (std::vector<int64_t>{2000, 7}));
  // The parameters are the ones the images were drawn from: the circle's centre pixel is lit.
  const auto p = shape_parameters(0, 5, false);
  EXPECT_EQ(train.targets[5][0].item<float>(), static_cast<float>(p.circle_col));
  EXPECT_GT(train.images[5][0][p.circle_row][p.circle_col].item<float>(), 0.4f);
  auto trained = train_feature_network(train, test, FeatureNetworkOptions().epochs(3));
  EXPECT_EQ(trained.task, "parameters");
  EXPECT_GT(trained.test_score, 0.5);  // mean R^2; predicting the mean scores 0
  Dataset unsupervised = test;
  unsupervised.targets = torch::Tensor();
  EXPECT_THROW(train_feature_network(unsupervised, test), Error);
}

}  // namespace feature_network_test
}  // namespace genreg
