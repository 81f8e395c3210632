// AR baseline transformer: parameter counts, causality, KV-cache decoding, beam search, masks, config.
#include "ebm/energy.h"
#include "ebm/learning/ar_transformer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using ebm::ArTransformer;
using ebm::ArTransformerConfig;

namespace {

ArTransformerConfig small_config() {
  ArTransformerConfig c;
  c.vocab = 11;
  c.max_length = 16;
  c.d_model = 16;
  c.heads = 2;
  c.layers = 2;
  return c;
}

// A model with weights large enough (std 0.3) that its next-token distributions are far from uniform,
// so greedy choices are not decided by rounding.
ArTransformer sharp_model(const ArTransformerConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  ArTransformer model(config);
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    if (item.key().find("ln") == std::string::npos) item.value().normal_(0.0, 0.3);
  }
  model->eval();
  return model;
}

torch::Tensor random_tokens(int64_t batch, int64_t length, int64_t vocab) {
  return torch::randint(vocab, {batch, length}, torch::TensorOptions().dtype(torch::kLong));
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no std::invalid_argument thrown>";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("ar") {
  TEST_CASE("parameter_count: closed form equals the module's count") {
    ArTransformerConfig a = small_config();
    ArTransformerConfig b = small_config();
    b.d_ff = 24;
    b.layers = 3;
    b.heads = 4;
    b.vocab = 5;
    ArTransformerConfig c = small_config();
    c.layers = 0;
    c.d_model = 6;
    c.heads = 3;
    for (const auto& config : {a, b, c}) {
      ArTransformer model(config);
      int64_t actual = 0;
      for (const auto& p : model->parameters()) actual += p.numel();
      CHECK(ebm::parameter_count(*model) == actual);
      CHECK(config.parameter_count() == actual);
    }
    // By hand for a: V=11, N=16, d=16, f=64, L=2.
    CHECK(a.parameter_count() == 11 * 16 + 16 * 16 + 2 * (4 * 256 + 4 * 16 + 2 * 16 * 64 + 64 + 16 + 4 * 16) +
                                     2 * 16 + 16 * 11 + 11);
  }

  TEST_CASE("matched_to: closest d_model, within a few percent of the target") {
    // d_model moves in steps of `heads`, so the count moves by ~2 * heads / d_model relative: a few percent
    // once d_model is a few dozen.
    for (int64_t target : {100000, 777777, 5000000}) {
      const ArTransformerConfig c = ArTransformerConfig::matched_to(target, 10, 81, 3, 2);
      CAPTURE(target);
      CAPTURE(c.d_model);
      CHECK(c.d_model % 2 == 0);
      CHECK(c.d_model >= 2);
      CHECK(c.layers == 3);
      CHECK(c.vocab == 10);
      CHECK(c.max_length == 81);
      const int64_t achieved = c.parameter_count();
      CHECK(std::fabs(static_cast<double>(achieved - target)) / static_cast<double>(target) < 0.05);
      // Neighbours are no closer.
      ArTransformerConfig up = c, down = c;
      up.d_model += 2;
      down.d_model -= 2;
      CHECK(std::llabs(up.parameter_count() - target) >= std::llabs(achieved - target));
      if (down.d_model >= 2) CHECK(std::llabs(down.parameter_count() - target) >= std::llabs(achieved - target));
    }
    // The achieved count is the module's.
    const ArTransformerConfig c = ArTransformerConfig::matched_to(30000, 10, 20, 2, 2);
    CHECK(ebm::parameter_count(*ArTransformer(c)) == c.parameter_count());
    // A tiny target gives the smallest model.
    CHECK(ArTransformerConfig::matched_to(1, 10, 20, 2, 2).d_model == 2);
  }

  TEST_CASE("forward: shapes and causality") {
    torch::manual_seed(1);
    ArTransformer model(small_config());
    model->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor tokens = random_tokens(3, 9, 11);
    const torch::Tensor logits = model->forward(tokens);
    CHECK(logits.sizes() == torch::IntArrayRef({3, 9, 11}));
    const int64_t changed = 5;
    torch::Tensor other = tokens.clone();
    other.select(1, changed).copy_((tokens.select(1, changed) + 1).remainder(11));
    const torch::Tensor other_logits = model->forward(other);
    CHECK(torch::equal(logits.slice(1, 0, changed), other_logits.slice(1, 0, changed)));
    for (int64_t t = changed; t < 9; ++t) {
      CAPTURE(t);
      CHECK_FALSE(torch::equal(logits.select(1, t), other_logits.select(1, t)));
    }
  }

  TEST_CASE("forward_step with a KV cache equals full recomputation") {
    torch::manual_seed(2);
    ArTransformer model(small_config());
    model->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor tokens = random_tokens(2, 12, 11);
    const torch::Tensor full = model->forward(tokens);
    for (const std::vector<int64_t>& chunks :
         {std::vector<int64_t>(12, 1), std::vector<int64_t>{2, 3, 2, 3, 2}, std::vector<int64_t>{3, 3, 3, 3}}) {
      ebm::KvCache cache;
      std::vector<torch::Tensor> pieces;
      int64_t at = 0;
      for (int64_t n : chunks) {
        pieces.push_back(model->forward_step(tokens.slice(1, at, at + n), cache));
        at += n;
        CHECK(cache.length == at);
      }
      CHECK(cache.keys.size() == 2);
      CHECK(cache.keys[0].sizes() == torch::IntArrayRef({2, 2, 12, 8}));
      const torch::Tensor stepped = torch::cat(pieces, 1);
      CHECK(stepped.sizes() == full.sizes());
      CHECK(torch::allclose(stepped, full, /*rtol=*/1e-5, /*atol=*/1e-5));
    }
    // Past max_length: throws and leaves the cache alone.
    ebm::KvCache cache;
    model->forward_step(tokens, cache);
    CHECK_THROWS_AS(model->forward_step(random_tokens(2, 5, 11), cache), std::invalid_argument);
    CHECK(cache.length == 12);
    CHECK(cache.keys[1].size(2) == 12);
    // select reorders rows.
    cache.select(torch::tensor({1, 1, 0}, torch::kLong));
    CHECK(cache.batch_size() == 3);
    CHECK(torch::equal(cache.values[0][0], cache.values[0][1]));
  }

  TEST_CASE("beam search: width 1 is greedy; scores are sequence log-probabilities") {
    ArTransformer model = sharp_model(small_config(), 3);
    torch::manual_seed(30);
    const torch::Tensor prompt = random_tokens(4, 3, 11);
    const int64_t steps = 6;
    const torch::Tensor greedy = ebm::greedy_decode(model, prompt, steps).tokens;
    CHECK(greedy.sizes() == torch::IntArrayRef({4, steps}));
    const ebm::BeamResult one = ebm::beam_search(model, prompt, steps, {}, 1);
    CHECK(one.tokens.sizes() == torch::IntArrayRef({4, 1, steps}));
    CHECK(torch::equal(one.tokens.select(1, 0), greedy));
    CHECK(torch::allclose(one.log_probs.select(1, 0), ebm::sequence_log_prob(model, prompt, greedy), 1e-4, 1e-4));

    const ebm::BeamResult three = ebm::beam_search(model, prompt, steps, {}, 3);
    CHECK(three.tokens.sizes() == torch::IntArrayRef({4, 3, steps}));
    for (int64_t w = 0; w < 3; ++w) {
      CAPTURE(w);
      CHECK(torch::allclose(three.log_probs.select(1, w),
                            ebm::sequence_log_prob(model, prompt, three.tokens.select(1, w)), 1e-4, 1e-4));
    }
    // Sorted best first, and the best beam is at least as good as greedy.
    CHECK(torch::all(three.log_probs.select(1, 0) >= three.log_probs.select(1, 1)).item<bool>());
    CHECK(torch::all(three.log_probs.select(1, 1) >= three.log_probs.select(1, 2)).item<bool>());
    CHECK(torch::all(three.log_probs.select(1, 0) >= one.log_probs.select(1, 0) - 1e-5).item<bool>());
    // Exhaustive check on a 2-step search over a 3-token alphabet: width 9 finds every sequence.
    torch::Tensor allowed = torch::zeros({11}, torch::kBool);
    allowed.slice(0, 0, 3).fill_(true);
    const ebm::BeamResult all = ebm::beam_search(model, prompt.slice(0, 0, 1), 2, allowed, 9);
    torch::Tensor best_lp = torch::full({1}, -1e30);
    for (int64_t a = 0; a < 3; ++a) {
      for (int64_t b = 0; b < 3; ++b) {
        const torch::Tensor seq = torch::tensor({a, b}, torch::kLong).unsqueeze(0);
        best_lp = torch::max(best_lp, ebm::sequence_log_prob(model, prompt.slice(0, 0, 1), seq));
      }
    }
    CHECK(all.log_probs[0][0].item<double>() == doctest::Approx(best_lp[0].item<double>()).epsilon(1e-5));
    CHECK(std::isfinite(all.log_probs[0][8].item<double>()));
  }

  TEST_CASE("allowed masks are respected by greedy, sampling and beam search") {
    ArTransformer model = sharp_model(small_config(), 4);
    torch::manual_seed(40);
    const torch::Tensor prompt = random_tokens(16, 2, 11);
    const int64_t steps = 5;
    // [vocab]: only even tokens.
    torch::Tensor even = torch::zeros({11}, torch::kBool);
    even.slice(0, 0, 11, 2).fill_(true);
    // [steps, vocab]: step s allows {s, s + 5} only.
    torch::Tensor per_step = torch::zeros({steps, 11}, torch::kBool);
    for (int64_t s = 0; s < steps; ++s) {
      per_step[s][s] = true;
      per_step[s][s + 5] = true;
    }
    auto respects = [&](const torch::Tensor& out, const torch::Tensor& mask) {
      const torch::Tensor rows = mask.dim() == 1 ? mask.unsqueeze(0).expand({steps, 11}) : mask;
      bool ok = true;
      for (int64_t s = 0; s < steps; ++s) {
        ok = ok && torch::all(rows[s].index_select(0, out.select(1, s))).item<bool>();
      }
      return ok;
    };
    auto gen = at::make_generator<at::CPUGeneratorImpl>(123);
    for (const torch::Tensor& mask : {even, per_step}) {
      CHECK(respects(ebm::greedy_decode(model, prompt, steps, mask).tokens, mask));
      const torch::Tensor sampled = ebm::sample_decode(model, prompt, steps, mask, 3.0, gen).tokens;
      CHECK(sampled.sizes() == torch::IntArrayRef({16, steps}));
      CHECK(respects(sampled, mask));
      const ebm::BeamResult beams = ebm::beam_search(model, prompt, steps, mask, 2);
      CHECK(respects(beams.tokens.select(1, 0), mask));
      CHECK(respects(beams.tokens.select(1, 1), mask));
    }
    // Unmasked greedy does emit odd tokens here, so the mask did something.
    const torch::Tensor free = ebm::greedy_decode(model, prompt, steps).tokens;
    CHECK_FALSE(respects(free, even));
    // A mask with a single token per step forces it.
    torch::Tensor forced = torch::zeros({steps, 11}, torch::kBool);
    for (int64_t s = 0; s < steps; ++s) forced[s][(3 * s + 1) % 11] = true;
    const torch::Tensor expect = torch::tensor({1, 4, 7, 10, 2}, torch::kLong).unsqueeze(0).expand({16, steps});
    CHECK(torch::equal(ebm::greedy_decode(model, prompt, steps, forced).tokens, expect));
    CHECK(torch::equal(ebm::sample_decode(model, prompt, steps, forced, 1.0, gen).tokens, expect));
    // Same seed, same samples.
    auto g1 = at::make_generator<at::CPUGeneratorImpl>(7), g2 = at::make_generator<at::CPUGeneratorImpl>(7);
    CHECK(torch::equal(ebm::sample_decode(model, prompt, steps, {}, 1.0, g1).tokens,
                       ebm::sample_decode(model, prompt, steps, {}, 1.0, g2).tokens));
    // A row allowing nothing, a wrong shape or dtype is refused.
    torch::Tensor none = per_step.clone();
    none[2].fill_(false);
    CHECK(has(message_of([&] { ebm::greedy_decode(model, prompt, steps, none); }), "position 2"));
    CHECK_THROWS_AS(ebm::greedy_decode(model, prompt, steps, torch::ones({10}, torch::kBool)), std::invalid_argument);
    CHECK_THROWS_AS(ebm::greedy_decode(model, prompt, steps, torch::ones({11})), std::invalid_argument);
    CHECK_THROWS_AS(ebm::sample_decode(model, prompt, steps, {}, 0.0, gen), std::invalid_argument);
    // Prompt + steps - 1 beyond max_length.
    CHECK_THROWS_AS(ebm::greedy_decode(model, prompt, 16, {}), std::invalid_argument);
    CHECK(ebm::greedy_decode(model, prompt, 15, {}).tokens.size(1) == 15);
    // Decoding leaves the module's mode as it was.
    model->train();
    ebm::greedy_decode(model, prompt, 2);
    CHECK(model->is_training());
  }

  TEST_CASE("greedy and sampled decoding return the log-prob of what they chose, without a scoring pass") {
    ArTransformer model = sharp_model(small_config(), 5);
    torch::manual_seed(50);
    const torch::Tensor prompt = random_tokens(6, 3, 11);
    const int64_t steps = 7;
    torch::Tensor allowed = torch::zeros({11}, torch::kBool);
    allowed.slice(0, 2, 9).fill_(true);
    const ebm::Decoded greedy = ebm::greedy_decode(model, prompt, steps, allowed);
    REQUIRE(greedy.log_probs.sizes() == torch::IntArrayRef({6}));
    CHECK(torch::allclose(greedy.log_probs, ebm::sequence_log_prob(model, prompt, greedy.tokens), 1e-4, 1e-4));
    auto gen = at::make_generator<at::CPUGeneratorImpl>(9);
    // At temperature 2 the tokens come from a flatter distribution; the score is still the model's.
    const ebm::Decoded sampled = ebm::sample_decode(model, prompt, steps, allowed, 2.0, gen);
    CHECK(torch::allclose(sampled.log_probs, ebm::sequence_log_prob(model, prompt, sampled.tokens), 1e-4, 1e-4));
    CHECK(torch::all(sampled.log_probs <= 0).item<bool>());
  }

  TEST_CASE("a per-row step mask that depends on the tokens generated so far") {
    ArTransformer model = sharp_model(small_config(), 6);
    torch::manual_seed(60);
    const int64_t rows = 5, steps = 6;
    const torch::Tensor prompt = random_tokens(rows, 2, 11);
    // Row r may use tokens 0..5 except r, and never a token it already emitted: a permutation-like
    // constraint of the kind "never write a cell twice".
    int64_t calls = 0;
    const ebm::StepMask no_repeat = [&](int64_t s, const torch::Tensor& generated) {
      ++calls;
      CHECK(generated.size(1) == s);
      torch::Tensor mask = torch::zeros({generated.size(0), 11}, torch::kBool);
      mask.slice(1, 0, 6).fill_(true);
      if (generated.size(0) == rows)
        for (int64_t r = 0; r < rows; ++r) mask[r][r] = false;
      if (s > 0) mask.scatter_(1, generated, false);
      return mask;
    };
    auto distinct_and_allowed = [&](const torch::Tensor& tokens, bool row_rule) {
      const torch::Tensor t = tokens.to(torch::kCPU);
      for (int64_t r = 0; r < t.size(0); ++r) {
        std::set<int64_t> seen;
        for (int64_t s = 0; s < t.size(1); ++s) {
          const int64_t token = t[r][s].item<int64_t>();
          if (token > 5 || (row_rule && token == r) || !seen.insert(token).second) return false;
        }
      }
      return true;
    };
    // 5 distinct tokens out of 0..5 minus one: exactly 5 steps are possible.
    const ebm::Decoded greedy = ebm::greedy_decode(model, prompt, steps - 1, {}, no_repeat);
    CHECK(calls == steps - 1);
    CHECK(distinct_and_allowed(greedy.tokens, true));
    CHECK(torch::allclose(greedy.log_probs, ebm::sequence_log_prob(model, prompt, greedy.tokens), 1e-4, 1e-4));
    auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
    for (int trial = 0; trial < 5; ++trial)
      CHECK(distinct_and_allowed(ebm::sample_decode(model, prompt, steps - 1, {}, 5.0, gen, no_repeat).tokens, true));
    const ebm::BeamResult beams = ebm::beam_search(model, prompt, steps, {}, 3, no_repeat);
    for (int64_t w = 0; w < 3; ++w) CHECK(distinct_and_allowed(beams.tokens.select(1, w), false));
    // A sixth step leaves some rows no token: refused with the row and the position.
    CHECK(has(message_of([&] { ebm::greedy_decode(model, prompt, steps, {}, no_repeat); }), "position 5"));
    // A step mask of the wrong shape is refused.
    const ebm::StepMask wrong = [](int64_t, const torch::Tensor&) { return torch::ones({2, 11}, torch::kBool); };
    CHECK_THROWS_WITH_AS(ebm::greedy_decode(model, prompt, 2, {}, wrong), doctest::Contains("step_mask"),
                         std::invalid_argument);
  }

  TEST_CASE("config JSON round trip and validation") {
    ArTransformerConfig c = small_config();
    c.d_ff = 40;
    c.dropout = 0.125;
    const nlohmann::json j = c.to_json();
    CHECK(j.at("d_model") == 16);
    CHECK(j.at("d_ff") == 40);
    const ArTransformerConfig back = ArTransformerConfig::from_json(j);
    CHECK(back.to_json() == j);
    CHECK(back.vocab == 11);
    CHECK(back.max_length == 16);
    CHECK(back.heads == 2);
    CHECK(back.layers == 2);
    CHECK(back.dropout == 0.125);
    CHECK(ArTransformerConfig::from_json(nlohmann::json::parse(j.dump())).to_json() == j);

    auto bad = [&](const std::string& key, const nlohmann::json& value) {
      nlohmann::json k = j;
      k[key] = value;
      return message_of([&] { ArTransformerConfig::from_json(k); });
    };
    CHECK(has(bad("heads", "four"), "'heads'"));
    CHECK(has(bad("d_model", 15), "'d_model'"));  // not a multiple of heads
    CHECK(has(bad("vocab", 0), "'vocab'"));
    CHECK(has(bad("dropout", 1.5), "'dropout'"));
    CHECK(has(bad("layers", 2.5), "'layers'"));
    CHECK(has(bad("width", 3), "'width'"));
    CHECK(has(message_of([] { ArTransformerConfig::from_json(nlohmann::json::array()); }), "object"));
    ArTransformerConfig uneven = small_config();
    uneven.heads = 3;  // 16 is not a multiple of 3
    CHECK(has(message_of([&] { ArTransformer m(uneven); }), "'d_model'"));
  }

  TEST_CASE("forward validates tokens") {
    ArTransformer model(small_config());
    CHECK(has(message_of([&] { model->forward(torch::tensor({1, 11}, torch::kLong).unsqueeze(0)); }),
              "token 11 outside [0, 11)"));
    CHECK_THROWS_AS(model->forward(torch::tensor({-1, 2}, torch::kLong).unsqueeze(0)), std::invalid_argument);
    CHECK(has(message_of([&] { model->forward(torch::zeros({1, 17}, torch::kLong)); }), "max_length 16"));
    CHECK_THROWS_AS(model->forward(torch::zeros({1, 3}, torch::kInt)), std::invalid_argument);
    CHECK_THROWS_AS(model->forward(torch::zeros({3}, torch::kLong)), std::invalid_argument);
    CHECK(model->forward(torch::zeros({1, 16}, torch::kLong)).size(1) == 16);
  }

  TEST_CASE("forward_flops") {
    ArTransformerConfig c;
    c.vocab = 10;
    c.d_model = 8;
    c.layers = 2;
    c.d_ff = 0;  // 32
    // 2 * (2 * (4*T*64 + 2*T*T*8 + 2*T*8*32) + T*8*10) at T = 5
    const double t = 5;
    CHECK(ebm::forward_flops(c, 5) == 2.0 * (2.0 * (4 * t * 64 + 2 * t * t * 8 + 2 * t * 8 * 32) + t * 80));
    CHECK(ebm::forward_flops(c, 0) == 0.0);
  }
}

TEST_SUITE("ar") {
  TEST_CASE("decoding stops where `stop` says so, and reports how far it got") {
    ArTransformer model = sharp_model(small_config(), 5);
    const torch::Tensor prompt = torch::tensor({1, 2}, torch::kLong).unsqueeze(0);
    int asked = 0;
    const ebm::DecodeStop after_three = [&asked] { return ++asked >= 3; };  // asked before positions 1, 2, 3
    const ebm::Decoded cut = ebm::greedy_decode(model, prompt, 8, {}, {}, after_three);
    CHECK(cut.steps_done == 3);
    CHECK_FALSE(cut.complete(8));
    const ebm::Decoded whole = ebm::greedy_decode(model, prompt, 8);
    CHECK(whole.complete(8));
    CHECK(torch::equal(cut.tokens.narrow(1, 0, 3), whole.tokens.narrow(1, 0, 3)));
    CHECK(cut.tokens.narrow(1, 3, 5).eq(0).all().item<bool>());
    asked = 0;
    CHECK(ebm::beam_search(model, prompt, 8, {}, 2, {}, after_three).steps_done == 3);
    CHECK(ebm::beam_search(model, prompt, 8, {}, 2).steps_done == 8);
  }

  TEST_CASE("absurd sizes are refused before anything is allocated, naming the field") {
    ArTransformerConfig deep = small_config();
    deep.layers = 2147483648LL;
    CHECK(has(message_of([&] { ArTransformer m(deep); }), "field 'layers' is 2147483648, above the limit of 1048576"));
    ArTransformerConfig wide = small_config();
    wide.d_model = 65536;  // within the per-field limit, but 4 * 65536^2 * 2 layers is far beyond 1e9 parameters
    CHECK(has(message_of([&] { ArTransformer m(wide); }), "above the limit of 1000000000"));
  }
}
