// Data-parallel training's building blocks (ebm/distributed.h): addresses and settings, the
// one-process stand-in, and a real two-rank Gloo group (two threads of this process over 127.0.0.1)
// with known answers: averaged gradients, losses and stop votes, rank 0's start shared, rank 0's
// failure reported to rank 1, and a rank that leaves making the other fail instead of waiting.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/distributed.h"
#include "ebm/trainer.h"

#include <array>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

using namespace ebm;

namespace {

// Runs `body(rank)` for ranks 0 and 1 on two threads, each in its own two-rank group on a fresh port;
// returns what each rank threw ("" when nothing).
std::array<std::string, 2> run_two_ranks(const std::function<void(DataParallelGroup&)>& body,
                                         double timeout_seconds = 10) {
  const std::string master = "127.0.0.1:" + std::to_string(free_loopback_port());
  std::array<std::string, 2> errors;
  auto rank_main = [&](int rank) {
    try {
      DataParallelGroup group({2, rank, master, timeout_seconds, torch::kCPU});
      body(group);
    } catch (const std::exception& error) {
      errors[rank] = error.what();
    }
  };
  std::thread other(rank_main, 1);
  rank_main(0);
  other.join();
  return errors;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("distributed") {
  TEST_CASE("parse_master_address: HOST:PORT, [IPv6]:PORT, and refusals that name the problem") {
    const auto v4 = parse_master_address("127.0.0.1:29500");
    CHECK(v4.host == "127.0.0.1");
    CHECK(v4.port == 29500);
    CHECK(v4.text() == "127.0.0.1:29500");
    const auto v6 = parse_master_address("[::1]:1");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 1);
    CHECK(v6.text() == "[::1]:1");
    CHECK(parse_master_address("node-7.cluster:65535").port == 65535);
    auto refusal = [](const std::string& text) {
      try {
        parse_master_address(text);
      } catch (const std::invalid_argument& error) {
        return std::string(error.what());
      }
      return std::string("accepted");
    };
    CHECK(refusal("localhost") == "master 'localhost' is not HOST:PORT: no ':PORT'");
    CHECK(contains(refusal("localhost:0"), "port must be a number from 1 to 65535"));
    CHECK(contains(refusal("localhost:65536"), "port must be a number from 1 to 65535"));
    CHECK(contains(refusal("localhost:80x"), "port must be a number from 1 to 65535"));
    CHECK(contains(refusal(":29500"), "no host"));
    CHECK(contains(refusal("::1:29500"), "IPv6 host in brackets"));
    CHECK(contains(refusal("[::1]29500"), "must be followed by :PORT"));
  }

  TEST_CASE("DataParallelSettings::validate names the bad field") {
    auto problem = [](DataParallelSettings s) {
      try {
        s.validate();
      } catch (const std::invalid_argument& error) {
        return std::string(error.what());
      }
      return std::string("valid");
    };
    CHECK(problem({}) == "valid");
    CHECK(problem({2, 1, "127.0.0.1:29500", 5, torch::kCPU}) == "valid");
    CHECK(problem({0, 0, "", 60, torch::kCPU}) == "world size must be >= 1, got 0");
    CHECK(problem({2, 2, "127.0.0.1:29500", 60, torch::kCPU}) == "rank must be in [0, 2), got 2");
    CHECK(problem({2, -1, "127.0.0.1:29500", 60, torch::kCPU}) == "rank must be in [0, 2), got -1");
    CHECK(problem({2, 0, "", 60, torch::kCPU}) == "a world size above 1 needs the master's HOST:PORT");
    CHECK(contains(problem({2, 0, "127.0.0.1", 60, torch::kCPU}), "no ':PORT'"));
    CHECK(contains(problem({1, 0, "", 0, torch::kCPU}), "distributed timeout must be > 0 seconds"));
  }

  TEST_CASE("shard_rows and shard_mean_weight: the rows a rank computes and its share of a mean") {
    TrainingOptions options;
    options.world_size = 4;
    options.rank = 2;
    CHECK(shard_rows(options, 32) == std::pair<int64_t, int64_t>{16, 24});
    // Shard of 30 of the batch's 100 terms, 4 ranks: its mean counts 4 * 30 / 100 = 1.2 times.
    CHECK(shard_mean_weight(options, 30, 100) == doctest::Approx(1.2));
    options.world_size = 1;
    options.rank = 0;
    CHECK(shard_rows(options, 32) == std::pair<int64_t, int64_t>{0, 32});
    CHECK(shard_mean_weight(options, 30, 100) == 1.0);
  }

  TEST_CASE("a group of one is a stand-in: no network, every value passes through") {
    DataParallelGroup group({});
    CHECK(group.lead());
    CHECK(group.backend() == "none");
    CHECK(group.describe() == "rank 0 of 1");
    torch::nn::Linear line(2, 1);
    line->weight.mutable_grad() = torch::full({1, 2}, 3.0);
    const auto agreed = group.average_step(*line, 1.5, true);
    CHECK(agreed.loss == 1.5);
    CHECK(agreed.stop);
    CHECK(line->weight.grad().eq(3.0).all().item<bool>());
    torch::optim::Adam adam(line->parameters());
    CHECK(group.share_start(*line, adam, 7) == 7);
    int runs = 0;
    group.run_on_lead("work", [&] { ++runs; });
    CHECK(runs == 1);
  }

  TEST_CASE("two Gloo ranks: rank 0's start is shared, gradients and losses averaged, stop votes ORed") {
    std::array<torch::Tensor, 2> started, stepped, gradients;
    std::array<int64_t, 2> steps{};
    std::array<StepAgreement, 2> agreed;
    std::array<std::string, 2> described;
    const auto errors = run_two_ranks([&](DataParallelGroup& group) {
      const int r = group.rank();
      torch::manual_seed(100 + r);  // different initial weights on each rank
      torch::nn::Linear line(3, 2);
      torch::optim::Adam adam(line->parameters(), torch::optim::AdamOptions(0.1));
      if (group.lead()) {  // rank 0 has taken a step: its Adam moments and count must reach rank 1
        line->forward(torch::ones({1, 3})).sum().backward();
        adam.step();
        adam.zero_grad();
      }
      steps[r] = group.share_start(*line, adam, group.lead() ? 42 : 0);
      started[r] = line->weight.detach().clone();
      // Averaged gradients: weights (1 + 3) / 2 = 2, biases (-2 + 2) / 2 = 0.
      line->weight.mutable_grad() = torch::full({2, 3}, r == 0 ? 1.0 : 3.0);
      line->bias.mutable_grad() = torch::full({2}, r == 0 ? -2.0 : 2.0);
      agreed[r] = group.average_step(*line, r == 0 ? 0.5 : 1.5, /*stop=*/r == 1);
      gradients[r] = torch::cat({line->weight.grad().flatten(), line->bias.grad()});
      // The same Adam step on both ranks only if the optimizer state arrived (a fresh Adam's first
      // step differs from the second step of rank 0's).
      adam.step();
      stepped[r] = torch::cat({line->weight.detach().flatten(), line->bias.detach()});
      described[r] = group.describe();
    });
    REQUIRE(errors[0] == "");
    REQUIRE(errors[1] == "");
    CHECK(described[0].rfind("rank 0 of 2 via gloo at 127.0.0.1:", 0) == 0);
    CHECK(described[1].rfind("rank 1 of 2 via gloo at 127.0.0.1:", 0) == 0);
    CHECK(steps[0] == 42);
    CHECK(steps[1] == 42);
    CHECK(torch::equal(started[0], started[1]));
    CHECK(torch::equal(stepped[0], stepped[1]));
    for (int r = 0; r < 2; ++r) {
      CHECK(agreed[r].loss == 1.0);
      CHECK(agreed[r].stop);
      CHECK(torch::equal(gradients[r], torch::tensor({2.f, 2.f, 2.f, 2.f, 2.f, 2.f, 0.f, 0.f})));
    }
  }

  TEST_CASE("two Gloo ranks: rank 0's failure in its lead work reaches rank 1 by name") {
    const auto errors = run_two_ranks([](DataParallelGroup& group) {
      group.run_on_lead("the checkpoint at step 5", [] { throw std::runtime_error("disk full"); });
    });
    CHECK(errors[0] == "disk full");
    CHECK(errors[1] == "rank 0 failed during the checkpoint at step 5: disk full");
  }

  TEST_CASE("two Gloo ranks: a rank that leaves makes the other fail at once, naming the operation") {
    torch::nn::Linear line(2, 1);
    line->weight.mutable_grad() = torch::ones({1, 2});
    line->bias.mutable_grad() = torch::ones({1});
    const auto started = std::chrono::steady_clock::now();
    const auto errors = run_two_ranks(
        [&](DataParallelGroup& group) {
          if (group.lead()) group.average_step(*line, 0.0, false);  // rank 1 has left: its group is gone
        },
        /*timeout_seconds=*/30);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK(errors[1] == "");
    CHECK(contains(errors[0], "rank 0 of 2 via gloo at 127.0.0.1:"));
    CHECK(contains(errors[0], "lost contact with the other ranks during the gradient all-reduce"));
    CHECK(seconds < 20);  // the closed connection, not the 30 s timeout, ended the wait
  }
}
