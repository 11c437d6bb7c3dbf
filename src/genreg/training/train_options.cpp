#include "genreg/training/train_options.h"

#include "genreg/core/error.h"

namespace genreg {

nlohmann::json TrainOptions::to_json() const {
  return {{"epochs", epochs()},
          {"batch_size", batch_size()},
          {"lr", lr()},
          {"lr_critic", lr_critic()},
          {"beta1", beta1()},
          {"beta2", beta2()},
          {"kl_weight", kl_weight()},
          {"pretrain_epochs", pretrain_epochs()},
          {"kl_warmup_epochs", kl_warmup_epochs()},
          {"gp_weight", gp_weight()},
          {"critic_steps", critic_steps()},
          {"r1_weight", r1_weight()},
          {"ema_decay", ema_decay()},
          {"l1_weight", l1_weight()},
          {"seed", seed()}};
}

TrainOptions TrainOptions::from_json(const nlohmann::json& j) {
  TrainOptions o;
  try {
    o.epochs(j.at("epochs").get<int64_t>())
        .batch_size(j.at("batch_size").get<int64_t>())
        .lr(j.at("lr").get<double>())
        .lr_critic(j.at("lr_critic").get<double>())
        .beta1(j.at("beta1").get<double>())
        .beta2(j.at("beta2").get<double>())
        .kl_weight(j.at("kl_weight").get<double>())
        .pretrain_epochs(j.at("pretrain_epochs").get<int64_t>())
        .kl_warmup_epochs(j.at("kl_warmup_epochs").get<int64_t>())
        .gp_weight(j.at("gp_weight").get<double>())
        .critic_steps(j.at("critic_steps").get<int64_t>())
        .r1_weight(j.at("r1_weight").get<double>())
        .ema_decay(j.at("ema_decay").get<double>())
        .l1_weight(j.value("l1_weight", o.l1_weight()))  // absent from checkpoints before pix2pix
        .seed(j.at("seed").get<uint64_t>());
  } catch (const nlohmann::json::exception& e) {
    fail("training options are incomplete: ", e.what());
  }
  return o;
}

}  // namespace genreg
