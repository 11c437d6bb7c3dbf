// Bad input, class by class, through the real program (issue: reliability): every case is one
// line "genreg: error: ...", exit status 2, within a time limit (no hang), and leaves no output
// behind. The cases are a table so that a new class is one row.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "genreg/io/tensor_file.h"
#include "test_support.h"

namespace bad_input_test {

using genreg::testing::run_genreg;
using genreg::testing::TempDir;

struct BadInput {
  std::string args;    // after the program name; {m}, {vae}, {nan}, {damaged}, {dir} substituted
  std::string phrase;  // the error line contains it
};

std::string substitute(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  }
  return text;
}

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const auto d = [](const std::string& name) { return *dir_ / name; };
    ASSERT_EQ(
        run_genreg("simulate --dataset mnist --indices 0:4 --operator cs:50 --noise 0.1 --out " + d("m.pt"))
            .status,
        0);
    ASSERT_EQ(
        run_genreg("train --model dncnn --indices 0:64 --epochs 1 --channels 4 --depth 3 --batch-size 32 "
                   "--test-indices 0:8 --out " +
                   d("dncnn.pt"))
            .status,
        0);
    ASSERT_EQ(
        run_genreg("train --model ae --indices 0:64 --epochs 1 --channels 4 --latent-dim 2 --batch-size 32 "
                   "--test-indices 0:8 --out " +
                   d("ae.pt"))
            .status,
        0);
    ASSERT_EQ(run_genreg("train --model ddpm --indices 0:32 --epochs 1 --channels 4 --diffusion-steps 50 "
                         "--batch-size 32 --test-indices 0:8 --out " +
                         d("ddpm.pt"))
                  .status,
              0);
    // A checkpoint whose bytes were damaged on disk: 4 KiB overwritten in the middle.
    std::filesystem::copy_file(d("ae.pt"), d("damaged.pt"));
    {
      std::fstream f(d("damaged.pt"), std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(0, std::ios::end);
      const auto size = static_cast<int64_t>(f.tellg());
      f.seekp(size / 2 - 2048);
      const std::string junk(4096, '\x5a');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    // A checkpoint whose weights are NaN (written without the checksum, as an older genreg would).
    auto dict = genreg::load_pickle(d("ae.pt")).toGenericDict();
    static_cast<void>(dict.erase("content_hash"));
    for (const auto& entry : dict.at("weights").toGenericDict()) {
      entry.value().toTensor().fill_(std::nan(""));
      break;
    }
    genreg::save_pickle(d("nan.pt"), dict);
    std::ofstream(d("file.txt")) << "a file where a folder belongs\n";
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
};

TempDir* BadInputTest::dir_ = nullptr;

TEST_F(BadInputTest, EveryClassIsOneLineAndExitTwoWithoutHangOrOutput) {
  const std::string out = *dir_ / "out";
  const std::map<std::string, std::string> values{
      {"{m}", *dir_ / "m.pt"},         {"{ae}", *dir_ / "ae.pt"},
      {"{nan}", *dir_ / "nan.pt"},     {"{damaged}", *dir_ / "damaged.pt"},
      {"{dncnn}", *dir_ / "dncnn.pt"}, {"{ddpm}", *dir_ / "ddpm.pt"},
      {"{file}", *dir_ / "file.txt"},  {"{out}", out},
      {"{out_dir}", dir_->str()}};
  const std::vector<BadInput> cases = {
      // Numbers outside their domain, refused while parsing.
      {"--threads 10000 data stats --dataset mnist --indices 0:4", "thread count"},
      {"--threads -1 data stats --dataset mnist --indices 0:4", "thread count"},
      {"--blas-threads -5 data stats --dataset mnist --indices 0:4", "thread count"},
      {"--seed -1 data stats --dataset mnist --indices 0:4", "--seed"},
      {"--seed 99999999999999999999 data stats --dataset mnist --indices 0:4", "--seed"},
      {"train --model ae --epochs 0 --out {out}/x.pt", "--epochs"},
      {"train --model ae --epochs -1 --out {out}/x.pt", "--epochs"},
      {"train --model ae --batch-size 0 --out {out}/x.pt", "--batch-size"},
      {"train --model ae --latent-dim 0 --out {out}/x.pt", "--latent-dim"},
      {"train --model ae --lr inf --out {out}/x.pt", "--lr"},
      {"train --model vae --beta2 1 --out {out}/x.pt", "--beta2"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --iterations -5 --out {out}", "--iterations"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --tolerance -1 --out {out}", "--tolerance"},
      {"reconstruct --measurements {m} --method hard --generator {ae} --lambda 1 --restarts 1000000 --out "
       "{out}",
       "--restarts"},
      {"reconstruct --measurements {m} --method pgd --generator {ae} --lambda 1 --inner-iterations 0 --out "
       "{out}",
       "--inner-iterations"},
      {"sample --generator {ae} --scale inf --out {out}/s.png", "--scale"},
      {"evaluate --generator {ae} --dataset mnist --far-scales 1 inf --out {out}", "--far-scales"},
      {"experiment table1a --restarts 0 --out {out}", "--restarts"},
      {"experiment table1a --batch 0 --out {out}", "--batch"},
      {"demo --restarts 0 --out {out}", "--restarts"},
      // Non-finite or absurd values inside specs and grids.
      {"reconstruct --measurements {m} --method tv --lambda inf --out {out}", "bad number 'inf'"},
      {"reconstruct --measurements {m} --method tv --lambda-grid 1e-2:10:1000000000 --validate 0:2 --out "
       "{out}",
       "bad lambda grid"},
      {"simulate --dataset mnist --indices 0:2 --operator cs:10 --noise inf --out {out}/s.pt",
       "bad number 'inf'"},
      {"simulate --dataset mnist --indices 0:2 --operator cs:10 --noise 0 --out {out}/s.pt", "noise sigma"},
      {"simulate --dataset mnist --indices 0:2 --operator cs:10 --noise 1e308 --out {out}/s.pt",
       "noise sigma"},
      // Outputs that cannot be written, or whose name says another format.
      {"reconstruct --measurements {m} --method tv --lambda 1 --out /proc/genreg-out",
       "cannot write to /proc"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --out {file}/o", "cannot write to"},
      {"train --model ae --out /proc/genreg/x.pt", "cannot write checkpoint"},
      {"train --model ae --out {out}/x.ckpt", "must end in .pt"},
      {"train --model ae --indices 0:64 --log-dir {file} --out {out}/x.pt", "it is a file, not a folder"},
      {"experiment table1a --out {file}", "it is a file, not a folder"},
      {"demo --out /proc/genreg-demo", "cannot write to /proc"},
      {"simulate --dataset mnist --indices 0:2 --operator cs:10 --noise 0.1 --out {out}/m.npy",
       "must end in .pt"},
      {"sample --generator {ae} --out {out}/s.txt", "must end in .png, .pt, .npy"},
      {"sample --generator {ae} --out {out}/s.png --latents /proc/genreg/z.npy", "cannot write latent"},
      {"data show --dataset mnist --out {out}/x.txt", "must end in .png"},
      {"data export --dataset mnist --indices 0:2 --out /proc/genreg-export", "cannot write to"},
      {"evaluate --generator {ae} --dataset mnist --out {file}", "cannot write to"},
      // Options the command does not use.
      {"train --model dncnn --latent-dim 4 --out {out}/d.pt", "--latent-dim is for generators, not dncnn"},
      {"train --model vae --depth 4 --out {out}/v.pt", "--depth is for denoisers, not vae"},
      {"train --model dncnn --noise-range 0.3:0.1 --out {out}/d.pt", "dncnn noise range"},
      {"sample --generator {dncnn} --out {out}/s.png", "holds a denoiser (dncnn), not a generator"},
      {"data stats --dataset mnist --indices 0:4 --size 32",
       "--size is for folder, DICOM and NIfTI datasets and the phantoms"},
      // CT: data, geometry, noise, FBP.
      {"data stats --dataset dicom:/nonexistent/ct", "no such file or folder: /nonexistent/ct"},
      {"data stats --dataset nifti:/proc/cpuinfo", "/proc/cpuinfo: not a NIfTI file"},
      {"simulate --dataset ct-phantom --indices 0:2 --operator ct:cone --out {out}/c.pt",
       "ct beam must be parallel or fan"},
      {"simulate --dataset ct-phantom --indices 0:2 --operator tomo --noise ct:4096 --out {out}/c.pt",
       "needs a physical CT operator"},
      {"simulate --dataset ct-phantom --indices 0:2 --operator ct:parallel --noise ct:0 --out {out}/c.pt",
       "CT photon count N0 must be in [1, 1e12]"},
      {"reconstruct --measurements {m} --method fbp --out {out}", "fbp reconstructs CT data"},
      {"--operator-memory -1 data stats --dataset shapes --indices 0:2", "--operator-memory"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --validate 0:2 --out {out}",
       "--validate chooses"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --mu 0.1 --out {out}",
       "--mu is not used by tv"},
      // Plug-and-play: the denoiser, its role and its parameters.
      {"reconstruct --measurements {m} --method pnp-admm --lambda 1 --out {out}", "needs --denoiser"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --denoiser {dncnn} --out {out}",
       "--denoiser is for the methods that need a denoiser"},
      {"reconstruct --measurements {m} --method pnp-hqs --lambda 1 --denoiser {ae} --out {out}",
       "holds a generator (ae), not a denoiser"},
      {"reconstruct --measurements {m} --method pnp-admm --lambda 1 --denoiser {dncnn} --denoiser-sigma -0.1 "
       "--out {out}",
       "--denoiser-sigma"},
      {"reconstruct --measurements {m} --method pnp-admm --lambda 0 --denoiser {dncnn} --out {out}",
       "lambda must be positive"},
      {"reconstruct --measurements {m} --method pnp-hqs --lambda 1 --denoiser {dncnn} --tolerance 0.1 --out "
       "{out}",
       "--tolerance is not used by pnp-hqs"},
      {"train --model dncnn --bias-free --out {out}/d.pt", "--bias-free is for drunet"},
      // Diffusion: the model, its role, the sampler's settings.
      {"reconstruct --measurements {m} --method dps --lambda 1 --out {out}", "needs --diffusion-model"},
      {"reconstruct --measurements {m} --method dps --lambda 1 --diffusion-model {dncnn} --out {out}",
       "holds a denoiser (dncnn), not a noise predictor"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --diffusion-model {ddpm} --out {out}",
       "--diffusion-model is for the methods that need a noise predictor"},
      {"reconstruct --measurements {m} --method dps --lambda 1 --diffusion-model {ddpm} --steps 500 --out "
       "{out}",
       "sampling steps must be in 1..50"},
      {"reconstruct --measurements {m} --method diffpir --lambda 1 --diffusion-model {ddpm} --zeta 2 --out "
       "{out}",
       "--zeta"},
      {"reconstruct --measurements {m} --method dps --lambda 1 --diffusion-model {ddpm} --zeta 0.5 --out "
       "{out}",
       "--zeta is not used by dps"},
      {"reconstruct --measurements {m} --method dps --lambda 0 --diffusion-model {ddpm} --out {out}",
       "dps needs positive, finite lambda"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --samples 4 --out {out}",
       "--samples is not used by tv"},
      {"reconstruct --measurements {m} --method diffpir --lambda 1 --diffusion-model {ddpm} --clip yes --out "
       "{out}",
       "--clip"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --clip on --out {out}",
       "--clip is not used by tv"},
      {"reconstruct --measurements {m} --method ddrm --diffusion-model {ddpm} --out {out}",
       "ddrm needs an operator with an SVD in closed form"},
      {"reconstruct --measurements {m} --method ddrm --diffusion-model {ddpm} --eta 1.5 --out {out}",
       "--eta"},
      {"reconstruct --measurements {m} --method ddrm --diffusion-model {ddpm} --lambda 1 --out {out}",
       "--lambda is not used by ddrm"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --interval-scale 2 --out {out}",
       "--interval-scale applies to posterior samplers"},
      {"reconstruct --measurements {m} --method dps --lambda 1 --diffusion-model {ddpm} --interval-scale -1 "
       "--out {out}",
       "--interval-scale"},
      {"train --model ddpm --schedule cubic --out {out}/d.pt", "unknown noise schedule 'cubic'"},
      {"train --model vae --schedule cosine --out {out}/v.pt", "--schedule is for diffusion models"},
      {"train --model ddpm --latent-dim 4 --out {out}/d.pt", "--latent-dim is not an option of ddpm"},
      {"sample --generator {ddpm} --sampler euler --out {out}/s.png", "unknown --sampler 'euler'"},
      {"sample --generator {ae} --steps 10 --out {out}/s.png",
       "--sampler and --steps are for diffusion models"},
      // Inputs that are not what they claim.
      {"reconstruct --measurements {out_dir} --method tv --lambda 1 --out {out}", "is a folder, not a file"},
      {"sample --generator {file} --out {out}/s.png", "is not a genreg model checkpoint"},
      {"simulate --dataset shapes --indices 0:2 --operator tomo:angles=0 --noise 0.1 --out {out}/s.pt",
       "tomo angles must be in 1..100000"},
      {"reconstruct --measurements {m} --method tv --lambda 1 --out {out}/" + std::string(300, 'n'),
       "cannot write"},
      // Checkpoints that cannot be trusted.
      {"reconstruct --measurements {m} --method hard --generator {nan} --lambda 1 --out {out}", "not finite"},
      {"sample --generator {nan} --out {out}/s.png", "not finite"},
      {"reconstruct --measurements {m} --method hard --generator {damaged} --lambda 1 --out {out}",
       "{damaged}"},
  };
  for (const auto& c : cases) {
    const auto args = substitute(c.args, values);
    const auto r = run_genreg(args, 60);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("genreg: error: ", 0), 0u) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(substitute(c.phrase, values)), std::string::npos) << args << "\n" << r.err;
    // Nothing written: the checks run before any work.
    EXPECT_FALSE(std::filesystem::exists(out + "/s.png")) << args;
    EXPECT_FALSE(std::filesystem::exists(out + "/results.json")) << args;
  }
}

}  // namespace bad_input_test
