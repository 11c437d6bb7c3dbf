#pragma once
// What the generator kinds (ae, vae and the GANs) share in training beyond their steps: the
// monitor of their runs and the initialisation of their output layer.
#include <memory>

#include "genreg/models/generative_model.h"
#include "genreg/training/training_monitor.h"

namespace genreg {

// Samples from fixed latent vectors drawn from seed + 0x5eed; with an encoder, test
// reconstructions and their PSNR ("test_psnr").
std::unique_ptr<TrainingMonitor> make_generator_monitor(Model& model, const TrainOptions& options,
                                                        const TrainingData& test, int64_t sample_count);

// Sets the decoder's output bias from the training images' mean intensity
// (GenerativeModel::set_output_intensity explains why).
void initialise_generator_output(Model& model, const TrainingData& train);

// Mean PSNR (data range 1) of a generator's encode-decode of `images` (encoder mean), in batches
// without gradients.
double reconstruction_psnr(GenerativeModel& model, const torch::Tensor& images);

}  // namespace genreg
