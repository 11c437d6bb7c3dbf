#include "genreg/operators/sparse_matrix.h"

#include <gtest/gtest.h>

using namespace genreg;

namespace {

// A random 7 x 5 matrix with some duplicate coordinates, and its dense equivalent.
std::pair<std::shared_ptr<const SparseMatrix>, torch::Tensor> example() {
  std::vector<int64_t> rows = {0, 0, 2, 3, 3, 6, 6, 6, 1, 3};
  std::vector<int64_t> cols = {0, 4, 1, 2, 2, 0, 3, 4, 1, 0};
  std::vector<double> values = {1.5, -2.0, 0.5, 1.0, 2.0, 3.0, -1.0, 0.25, 4.0, -0.5};
  auto dense = torch::zeros({7, 5}, torch::kFloat64);
  for (size_t k = 0; k < rows.size(); ++k) dense[rows[k]][cols[k]] += values[k];
  return {SparseMatrix::from_triplets(7, 5, rows, cols, values), dense};
}

}  // namespace

TEST(SparseMatrix, ProductEqualsTheDenseProductInBothPrecisions) {
  auto [a, dense] = example();
  EXPECT_EQ(a->nonzeros(), 9);  // (3, 2) given twice is one entry
  auto x = torch::randn({4, 5}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(a->multiply(x), torch::mm(x, dense.t()), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(a->multiply(x.to(torch::kFloat32)), torch::mm(x, dense.t()).to(torch::kFloat32),
                              1e-5, 1e-6));
  auto y = torch::randn({3, 7}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(a->transposed().multiply(y), torch::mm(y, dense), 1e-12, 1e-12));
  EXPECT_EQ(a->transposed().transposed().rows(), 7);
}

TEST(SparseMatrix, GradientIsTheTransposedProduct) {
  auto [a, dense] = example();
  auto x = torch::randn({2, 5}, torch::kFloat64).requires_grad_(true);
  auto g = torch::randn({2, 7}, torch::kFloat64);
  (a->multiply(x) * g).sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), torch::mm(g, dense), 1e-12, 1e-12));
  // Second order: d/dx of <A^T (A x), x>... the gradient of ||A x||^2 / 2 is A^T A x.
  auto z = torch::randn({2, 5}, torch::kFloat64).requires_grad_(true);
  auto grad = torch::autograd::grad({(0.5 * a->multiply(z).pow(2)).sum()}, {z}, {}, /*retain_graph=*/true,
                                    /*create_graph=*/true)[0];
  EXPECT_TRUE(torch::allclose(grad, torch::mm(torch::mm(z, dense.t()), dense), 1e-12, 1e-12));
  auto hv = torch::autograd::grad({grad.sum()}, {z})[0];  // H 1 = A^T A 1
  EXPECT_TRUE(torch::allclose(
      hv, torch::mm(torch::mm(torch::ones({2, 5}, torch::kFloat64), dense.t()), dense), 1e-12, 1e-12));
}
