#include "ebm/learning/ar_transformer.h"

#include "ebm/checkpoint.h"

#include <torch/nn/modules/dropout.h>
#include <torch/utils.h>

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

namespace ebm {

namespace {

constexpr double kInitStd = 0.02;
const char* const kOwner = "ar-transformer";

// Puts a module in eval mode for a scope and restores its previous mode.
class EvalScope {
 public:
  explicit EvalScope(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalScope() { module_.train(was_training_); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace

// ---- Config ---------------------------------------------------------------------------------------

bool ArTransformerConfig::is_valid(std::string* error) const {
  auto fail = [&](const std::string& field, const std::string& problem) {
    if (error) *error = std::string(kOwner) + ": field '" + field + "' " + problem;
    return false;
  };
  if (vocab < 1) return fail("vocab", "must be >= 1 (got " + std::to_string(vocab) + ")");
  if (max_length < 1) return fail("max_length", "must be >= 1 (got " + std::to_string(max_length) + ")");
  if (heads < 1) return fail("heads", "must be >= 1 (got " + std::to_string(heads) + ")");
  if (d_model < 1 || d_model % heads != 0)
    return fail("d_model", "must be a positive multiple of heads = " + std::to_string(heads) + " (got " +
                               std::to_string(d_model) + ")");
  if (layers < 0) return fail("layers", "must be >= 0 (got " + std::to_string(layers) + ")");
  if (d_ff < 0) return fail("d_ff", "must be >= 0, 0 = 4 * d_model (got " + std::to_string(d_ff) + ")");
  if (!(dropout >= 0.0 && dropout < 1.0))
    return fail("dropout", "must lie in [0, 1) (got " + std::to_string(dropout) + ")");
  // Absurd sizes are refused here, before anything is allocated for them.
  const std::pair<const char*, int64_t> sizes[] = {
      {"vocab", vocab}, {"max_length", max_length}, {"d_model", d_model}, {"layers", layers}, {"d_ff", d_ff}};
  for (const auto& [field, value] : sizes)
    if (value > kMaxArchitectureInteger)
      return fail(field, "is " + std::to_string(value) + ", above the limit of " + std::to_string(kMaxArchitectureInteger));
  const int64_t parameters = parameter_count();
  if (parameters > kMaxModelParameters) {
    if (error)
      *error = std::string(kOwner) + ": the config needs " + std::to_string(parameters) +
               " parameters, above the limit of " + std::to_string(kMaxModelParameters);
    return false;
  }
  return true;
}

nlohmann::json ArTransformerConfig::to_json() const {
  return nlohmann::json{{"vocab", vocab}, {"max_length", max_length}, {"d_model", d_model}, {"heads", heads},
                        {"layers", layers}, {"d_ff", d_ff},           {"dropout", dropout}};
}

ArTransformerConfig ArTransformerConfig::from_json(const nlohmann::json& j) {
  const std::string prefix = std::string(kOwner) + " config: ";
  if (!j.is_object()) throw std::invalid_argument(prefix + "expected a JSON object, got " + j.dump());
  ArTransformerConfig config;
  auto read_integer = [&](const std::string& key, const nlohmann::json& value, int64_t* field) {
    if (value.is_number_integer()) {
      *field = value.get<int64_t>();
    } else if (value.is_number_float() && std::isfinite(value.get<double>()) &&
               value.get<double>() == std::floor(value.get<double>()) && std::fabs(value.get<double>()) < 9e15) {
      *field = static_cast<int64_t>(value.get<double>());
    } else {
      throw std::invalid_argument(prefix + "field '" + key + "' expects an integer, got " + value.dump());
    }
  };
  const std::map<std::string, int64_t*> integers = {
      {"vocab", &config.vocab},   {"max_length", &config.max_length}, {"d_model", &config.d_model},
      {"heads", &config.heads},   {"layers", &config.layers},         {"d_ff", &config.d_ff}};
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    if (integers.count(key) != 0) {
      read_integer(key, value, integers.at(key));
    } else if (key == "dropout") {
      if (!value.is_number())
        throw std::invalid_argument(prefix + "field 'dropout' expects a real number, got " + value.dump());
      config.dropout = value.get<double>();
    } else {
      throw std::invalid_argument(prefix + "unknown field '" + key +
                                  "' (known: vocab, max_length, d_model, heads, layers, d_ff, dropout)");
    }
  }
  std::string error;
  if (!config.is_valid(&error)) throw std::invalid_argument(error);
  return config;
}

int64_t ArTransformerConfig::parameter_count() const {
  // In double (exact below 2^53), so that an absurd config saturates instead of overflowing.
  const double d = static_cast<double>(d_model), f = d_ff > 0 ? static_cast<double>(d_ff) : 4.0 * d;
  const double v = static_cast<double>(vocab), n = static_cast<double>(max_length);
  const double per_block = 4 * d * d + 4 * d  // q, k, v, o
                           + 2 * d * f + f + d  // fc1, fc2
                           + 4 * d;             // ln1, ln2
  const double count = v * d + n * d + static_cast<double>(layers) * per_block + 2 * d + d * v + v;
  return count >= 9.2e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(count);
}

ArTransformerConfig ArTransformerConfig::matched_to(int64_t target_parameters, int64_t vocab, int64_t max_length,
                                                    int64_t layers, int64_t heads) {
  if (target_parameters < 1 || vocab < 1 || max_length < 1 || layers < 0 || heads < 1) {
    throw std::invalid_argument(std::string(kOwner) +
                                ": matched_to needs target_parameters, vocab, max_length, heads >= 1 and "
                                "layers >= 0");
  }
  ArTransformerConfig config;
  config.vocab = vocab;
  config.max_length = max_length;
  config.layers = layers;
  config.heads = heads;
  config.d_ff = 0;
  config.d_model = heads;
  ArTransformerConfig best = config;
  int64_t best_gap = std::llabs(config.parameter_count() - target_parameters);
  // parameter_count() grows strictly with d_model: walk up until the count passes the target.
  while (config.parameter_count() < target_parameters) {
    config.d_model += heads;
    const int64_t gap = std::llabs(config.parameter_count() - target_parameters);
    if (gap < best_gap) {
      best_gap = gap;
      best = config;
    }
  }
  return best;
}

double forward_flops(const ArTransformerConfig& config, int64_t sequence_length) {
  if (sequence_length < 0) throw std::invalid_argument("forward_flops: sequence_length must be >= 0");
  const double t = static_cast<double>(sequence_length), d = static_cast<double>(config.d_model),
               f = static_cast<double>(config.ff_width()), layers = static_cast<double>(config.layers),
               v = static_cast<double>(config.vocab);
  const double per_block = 4.0 * t * d * d + 2.0 * t * t * d + 2.0 * t * d * f;
  return 2.0 * (layers * per_block + t * d * v);
}

// ---- KvCache --------------------------------------------------------------------------------------

void KvCache::select(const torch::Tensor& index) {
  if (!index.defined() || index.dim() != 1 || index.scalar_type() != torch::kLong)
    throw std::invalid_argument("KvCache::select: index must be an int64 vector");
  for (auto* list : {&keys, &values}) {
    for (auto& t : *list) t = t.index_select(0, index.to(t.device()));
  }
}

// ---- Block ----------------------------------------------------------------------------------------

namespace detail {

class ArBlockImpl : public torch::nn::Module {
 public:
  ArBlockImpl(int64_t d_model, int64_t heads, int64_t d_ff, double dropout)
      : heads_(heads), head_width_(d_model / heads), dropout_(dropout) {
    ln1_ = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    q_ = register_module("q", torch::nn::Linear(d_model, d_model));
    k_ = register_module("k", torch::nn::Linear(d_model, d_model));
    v_ = register_module("v", torch::nn::Linear(d_model, d_model));
    o_ = register_module("o", torch::nn::Linear(d_model, d_model));
    ln2_ = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
    fc1_ = register_module("fc1", torch::nn::Linear(d_model, d_ff));
    fc2_ = register_module("fc2", torch::nn::Linear(d_ff, d_model));
  }

  // x: [B, T, d] at positions past .. past+T-1. past_k/past_v: [B, H, past, dh] or undefined (past = 0).
  // Returns the block output; *all_k/*all_v receive keys/values of positions 0 .. past+T-1.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& past_k, const torch::Tensor& past_v,
                        int64_t past, torch::Tensor* all_k, torch::Tensor* all_v) {
    const int64_t batch = x.size(0), length = x.size(1), d = x.size(2);
    const torch::Tensor h = ln1_(x);
    auto split = [&](const torch::Tensor& t) {
      return t.view({batch, length, heads_, head_width_}).transpose(1, 2);  // [B, H, T, dh]
    };
    const torch::Tensor q = split(q_(h));
    torch::Tensor k = split(k_(h)), v = split(v_(h));
    if (past > 0) {
      k = torch::cat({past_k, k}, 2);
      v = torch::cat({past_v, v}, 2);
    }
    const int64_t total = past + length;
    torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(head_width_));
    // Query i sits at position past + i and may see keys j <= past + i.
    const torch::Tensor future =
        torch::ones({length, total}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(past + 1);
    scores = scores.masked_fill(future, -std::numeric_limits<double>::infinity());
    torch::Tensor weights = torch::softmax(scores, -1);
    weights = torch::dropout(weights, dropout_, is_training());
    const torch::Tensor attended = torch::matmul(weights, v).transpose(1, 2).reshape({batch, length, d});
    torch::Tensor out = x + torch::dropout(o_(attended), dropout_, is_training());
    out = out + torch::dropout(fc2_(torch::gelu(fc1_(ln2_(out)))), dropout_, is_training());
    *all_k = k;
    *all_v = v;
    return out;
  }

 private:
  int64_t heads_, head_width_;
  double dropout_;
  torch::nn::LayerNorm ln1_{nullptr}, ln2_{nullptr};
  torch::nn::Linear q_{nullptr}, k_{nullptr}, v_{nullptr}, o_{nullptr}, fc1_{nullptr}, fc2_{nullptr};
};

}  // namespace detail

// ---- Model ----------------------------------------------------------------------------------------

ArTransformerImpl::ArTransformerImpl(const ArTransformerConfig& config) : config_(config) {
  std::string error;
  if (!config_.is_valid(&error)) throw std::invalid_argument(error);
  const int64_t d = config_.d_model;
  tok_emb_ = register_module("tok_emb", torch::nn::Embedding(config_.vocab, d));
  pos_emb_ = register_module("pos_emb", torch::nn::Embedding(config_.max_length, d));
  for (int64_t i = 0; i < config_.layers; ++i) {
    blocks_.push_back(register_module(
        "block" + std::to_string(i),
        std::make_shared<detail::ArBlockImpl>(d, config_.heads, config_.ff_width(), config_.dropout)));
  }
  ln_f_ = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  out_ = register_module("out", torch::nn::Linear(d, config_.vocab));

  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& p = item.value();
    const bool is_norm = name.find("ln") != std::string::npos;
    const bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    if (is_norm) continue;  // LayerNorm keeps weight 1, bias 0
    if (is_bias) {
      p.zero_();
    } else {
      p.normal_(0.0, kInitStd);
    }
  }
}

void ArTransformerImpl::check_tokens(const torch::Tensor& tokens, int64_t past) const {
  if (!tokens.defined() || tokens.dim() != 2 || tokens.scalar_type() != torch::kLong) {
    throw std::invalid_argument(std::string(kOwner) + ": tokens must be an int64 tensor [B, T], got " +
                                (tokens.defined() ? std::string(c10::toString(tokens.scalar_type())) + " " +
                                                        c10::str(tokens.sizes())
                                                  : std::string("an undefined tensor")));
  }
  if (tokens.size(0) < 1 || tokens.size(1) < 1)
    throw std::invalid_argument(std::string(kOwner) + ": tokens must be non-empty, got " + c10::str(tokens.sizes()));
  if (past + tokens.size(1) > config_.max_length) {
    throw std::invalid_argument(std::string(kOwner) + ": sequence of length " +
                                std::to_string(past + tokens.size(1)) + " exceeds max_length " +
                                std::to_string(config_.max_length));
  }
  const int64_t low = tokens.min().item<int64_t>(), high = tokens.max().item<int64_t>();
  if (low < 0 || high >= config_.vocab) {
    throw std::invalid_argument(std::string(kOwner) + ": token " + std::to_string(low < 0 ? low : high) +
                                " outside [0, " + std::to_string(config_.vocab) + ")");
  }
}

torch::Tensor ArTransformerImpl::run(const torch::Tensor& tokens, KvCache* cache) {
  const int64_t past = cache ? cache->length : 0;
  check_tokens(tokens, past);
  if (cache && past > 0) {
    if (static_cast<int64_t>(cache->keys.size()) != config_.layers ||
        static_cast<int64_t>(cache->values.size()) != config_.layers) {
      throw std::invalid_argument(std::string(kOwner) + ": KvCache holds " + std::to_string(cache->keys.size()) +
                                  " layers, the model has " + std::to_string(config_.layers));
    }
    if (config_.layers > 0 && cache->batch_size() != tokens.size(0)) {
      throw std::invalid_argument(std::string(kOwner) + ": KvCache holds batch " +
                                  std::to_string(cache->batch_size()) + ", tokens have batch " +
                                  std::to_string(tokens.size(0)));
    }
  }
  const int64_t length = tokens.size(1);
  const torch::Tensor positions =
      torch::arange(past, past + length, torch::TensorOptions().dtype(torch::kLong).device(tokens.device()));
  torch::Tensor h = tok_emb_(tokens) + pos_emb_(positions).unsqueeze(0);
  h = torch::dropout(h, config_.dropout, is_training());
  std::vector<torch::Tensor> keys(blocks_.size()), values(blocks_.size());
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const bool cached = cache && past > 0;
    h = blocks_[i]->forward(h, cached ? cache->keys[i] : torch::Tensor(), cached ? cache->values[i] : torch::Tensor(),
                            cached ? past : 0, &keys[i], &values[i]);
  }
  torch::Tensor logits = out_(ln_f_(h));
  if (cache) {
    cache->keys = std::move(keys);
    cache->values = std::move(values);
    cache->length = past + length;
  }
  return logits;
}

torch::Tensor ArTransformerImpl::forward(const torch::Tensor& tokens) { return run(tokens, nullptr); }

torch::Tensor ArTransformerImpl::forward_step(const torch::Tensor& tokens, KvCache& cache) {
  return run(tokens, &cache);
}

// ---- Decoding -------------------------------------------------------------------------------------

namespace {

// Validates prompt and steps; returns `allowed` as bool [steps, vocab] on `device`, or undefined.
torch::Tensor prepare_decoding(const char* who, const ArTransformerConfig& config, const torch::Tensor& prompt,
                               int64_t steps, const torch::Tensor& allowed) {
  const std::string prefix = std::string(who) + ": ";
  if (!prompt.defined() || prompt.dim() != 2 || prompt.scalar_type() != torch::kLong || prompt.size(0) < 1 ||
      prompt.size(1) < 1) {
    throw std::invalid_argument(prefix + "prompt must be a non-empty int64 tensor [B, P] with P >= 1, got " +
                                (prompt.defined() ? std::string(c10::toString(prompt.scalar_type())) + " " +
                                                        c10::str(prompt.sizes())
                                                  : std::string("an undefined tensor")));
  }
  if (steps < 1) throw std::invalid_argument(prefix + "steps must be >= 1 (got " + std::to_string(steps) + ")");
  if (prompt.size(1) + steps - 1 > config.max_length) {
    throw std::invalid_argument(prefix + "prompt length " + std::to_string(prompt.size(1)) + " + steps " +
                                std::to_string(steps) + " - 1 exceeds max_length " +
                                std::to_string(config.max_length));
  }
  if (!allowed.defined()) return {};
  if (allowed.scalar_type() != torch::kBool) {
    throw std::invalid_argument(prefix + "allowed must be a bool mask, got " +
                                std::string(c10::toString(allowed.scalar_type())));
  }
  torch::Tensor mask;
  if (allowed.dim() == 1 && allowed.size(0) == config.vocab) {
    mask = allowed.unsqueeze(0).expand({steps, config.vocab});
  } else if (allowed.dim() == 2 && allowed.size(0) == steps && allowed.size(1) == config.vocab) {
    mask = allowed;
  } else {
    throw std::invalid_argument(prefix + "allowed must have shape [vocab] = [" + std::to_string(config.vocab) +
                                "] or [steps, vocab] = [" + std::to_string(steps) + ", " +
                                std::to_string(config.vocab) + "], got " + c10::str(allowed.sizes()));
  }
  const torch::Tensor empty_rows = mask.any(1).logical_not().nonzero();
  if (empty_rows.size(0) > 0) {
    throw std::invalid_argument(prefix + "allowed permits no token at generated position " +
                                std::to_string(empty_rows[0][0].item<int64_t>()));
  }
  return mask.to(prompt.device());
}

// The tokens allowed at generated position s: `allowed` row s AND step_mask(s, generated) -> bool
// [R, vocab] or [vocab], or undefined when neither restricts anything.
torch::Tensor allowed_at(const torch::Tensor& allowed, const StepMask& step_mask, int64_t s,
                         const torch::Tensor& generated, int64_t vocab) {
  torch::Tensor mask = allowed.defined() ? allowed[s] : torch::Tensor();
  if (!step_mask) return mask;
  torch::Tensor rows = step_mask(s, generated);
  const int64_t count = generated.size(0);
  if (!rows.defined() || rows.scalar_type() != torch::kBool ||
      !((rows.dim() == 1 && rows.size(0) == vocab) ||
        (rows.dim() == 2 && rows.size(0) == count && rows.size(1) == vocab))) {
    throw std::invalid_argument("decoding: step_mask must return a bool tensor [" + std::to_string(count) + ", " +
                                std::to_string(vocab) + "] or [" + std::to_string(vocab) + "], got " +
                                (rows.defined() ? std::string(c10::toString(rows.scalar_type())) + " " +
                                                      c10::str(rows.sizes())
                                                : std::string("an undefined tensor")));
  }
  rows = rows.to(generated.device());
  return mask.defined() ? rows.logical_and(mask) : rows;
}

// scores [R, vocab] (or [B, W, vocab] with a [vocab] mask) with the disallowed tokens set to -inf.
torch::Tensor restrict(const torch::Tensor& scores, const torch::Tensor& mask) {
  if (!mask.defined()) return scores;
  return scores.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
}

void require_some_token(const char* who, const torch::Tensor& mask, int64_t s) {
  if (!mask.defined() || mask.dim() < 2) return;  // a [vocab] row was checked by prepare_decoding
  const torch::Tensor empty = mask.any(-1).logical_not().nonzero();
  if (empty.size(0) > 0) {
    throw std::invalid_argument(std::string(who) + ": the mask permits no token for batch row " +
                                std::to_string(empty[0][0].item<int64_t>()) + " at generated position " +
                                std::to_string(s));
  }
}

// Feeds the prompt, then repeatedly picks one token per row with choose(last_logits [B, V], mask) -> [B]
// (mask: bool [B, V] or [V] or undefined), accumulating log_softmax(logits) of each chosen token.
template <typename Choose>
Decoded decode(const char* who, ArTransformer& model, const torch::Tensor& prompt, int64_t steps,
               const torch::Tensor& allowed, const StepMask& step_mask, const DecodeStop& stop, Choose choose) {
  const int64_t vocab = model->config().vocab;
  KvCache cache;
  torch::Tensor logits = model->forward_step(prompt, cache).select(1, -1);
  Decoded out;
  out.tokens = torch::zeros({prompt.size(0), steps}, prompt.options());
  out.log_probs = torch::zeros({prompt.size(0)}, logits.options());
  for (int64_t s = 0; s < steps; ++s) {
    if (s > 0 && stop && stop()) return out;
    const torch::Tensor mask = allowed_at(allowed, step_mask, s, out.tokens.narrow(1, 0, s), vocab);
    require_some_token(who, mask, s);
    const torch::Tensor token = choose(logits, mask);
    out.tokens.select(1, s).copy_(token);
    out.log_probs += torch::log_softmax(logits, -1).gather(1, token.unsqueeze(1)).squeeze(1);
    out.steps_done = s + 1;
    if (s + 1 < steps) logits = model->forward_step(token.unsqueeze(1), cache).select(1, -1);
  }
  return out;
}

}  // namespace

Decoded greedy_decode(ArTransformer& model, const torch::Tensor& prompt, int64_t steps, const torch::Tensor& allowed,
                      const StepMask& step_mask, const DecodeStop& stop) {
  torch::NoGradGuard no_grad;
  EvalScope eval(*model);
  const torch::Tensor mask = prepare_decoding("greedy_decode", model->config(), prompt, steps, allowed);
  return decode("greedy_decode", model, prompt, steps, mask, step_mask, stop,
                [&](const torch::Tensor& logits, const torch::Tensor& m) { return restrict(logits, m).argmax(-1); });
}

Decoded sample_decode(ArTransformer& model, const torch::Tensor& prompt, int64_t steps, const torch::Tensor& allowed,
                      double temperature, torch::Generator& gen, const StepMask& step_mask,
                      const DecodeStop& stop) {
  torch::NoGradGuard no_grad;
  EvalScope eval(*model);
  const torch::Tensor mask = prepare_decoding("sample_decode", model->config(), prompt, steps, allowed);
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    throw std::invalid_argument("sample_decode: temperature must be > 0 (got " + std::to_string(temperature) + ")");
  return decode("sample_decode", model, prompt, steps, mask, step_mask, stop,
                [&](const torch::Tensor& logits, const torch::Tensor& m) {
                  const torch::Tensor probs = torch::softmax(restrict(logits.to(torch::kFloat) / temperature, m), -1);
                  return torch::multinomial(probs, 1, /*replacement=*/false, gen).squeeze(1);
                });
}

BeamResult beam_search(ArTransformer& model, const torch::Tensor& prompt, int64_t steps,
                       const torch::Tensor& allowed, int64_t width, const StepMask& step_mask,
                       const DecodeStop& stop) {
  torch::NoGradGuard no_grad;
  EvalScope eval(*model);
  const torch::Tensor mask = prepare_decoding("beam_search", model->config(), prompt, steps, allowed);
  if (width < 1) throw std::invalid_argument("beam_search: width must be >= 1 (got " + std::to_string(width) + ")");
  const int64_t batch = prompt.size(0), vocab = model->config().vocab;
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(prompt.device());

  KvCache cache;
  const torch::Tensor first = torch::log_softmax(model->forward_step(prompt, cache).select(1, -1), -1);
  // Every batch row starts as `width` copies of its prompt; only copy 0 is live (score 0), the others
  // score -inf so the first step draws all candidates from copy 0.
  cache.select(torch::arange(batch, long_options).repeat_interleave(width));
  torch::Tensor log_probs = first.unsqueeze(1).expand({batch, width, vocab});
  torch::Tensor scores = torch::full({batch, width}, -std::numeric_limits<double>::infinity(),
                                     torch::TensorOptions().dtype(first.scalar_type()).device(first.device()));
  scores.select(1, 0).zero_();
  const torch::Tensor row_base = (torch::arange(batch, long_options) * width).unsqueeze(1);  // [B, 1]

  torch::Tensor tokens = torch::zeros({batch, width, 0}, long_options);  // [B, width, s]
  for (int64_t s = 0; s < steps; ++s) {
    if (s > 0 && stop && stop()) return BeamResult{tokens, scores, s};
    torch::Tensor step_allowed = allowed_at(mask, step_mask, s, tokens.reshape({batch * width, s}), vocab);
    if (step_allowed.defined() && step_allowed.dim() == 2) step_allowed = step_allowed.view({batch, width, vocab});
    const torch::Tensor candidates = (scores.unsqueeze(2) + restrict(log_probs, step_allowed)).reshape({batch, -1});
    auto top = candidates.topk(width, /*dim=*/1, /*largest=*/true, /*sorted=*/true);
    scores = std::get<0>(top);
    const torch::Tensor index = std::get<1>(top);
    const torch::Tensor beam = index.div(vocab, "floor"), token = index.remainder(vocab);
    tokens = s == 0 ? token.unsqueeze(2)
                    : torch::cat({tokens.gather(1, beam.unsqueeze(2).expand({batch, width, s})), token.unsqueeze(2)}, 2);
    if (s + 1 < steps) {
      cache.select((row_base + beam).reshape({-1}));
      const torch::Tensor logits = model->forward_step(token.reshape({batch * width, 1}), cache).select(1, -1);
      log_probs = torch::log_softmax(logits, -1).view({batch, width, vocab});
    }
  }
  return BeamResult{tokens, scores, steps};
}

torch::Tensor sequence_log_prob(ArTransformer& model, const torch::Tensor& prompt,
                                const torch::Tensor& continuation) {
  torch::NoGradGuard no_grad;
  EvalScope eval(*model);
  auto bad = [](const torch::Tensor& t) {
    return !t.defined() || t.dim() != 2 || t.scalar_type() != torch::kLong || t.size(0) < 1 || t.size(1) < 1;
  };
  if (bad(prompt) || bad(continuation) || prompt.size(0) != continuation.size(0)) {
    throw std::invalid_argument(
        "sequence_log_prob: prompt [B, P] and continuation [B, C] must be non-empty int64 tensors with the same B, "
        "got " +
        (prompt.defined() ? c10::str(prompt.sizes()) : std::string("undefined")) + " and " +
        (continuation.defined() ? c10::str(continuation.sizes()) : std::string("undefined")));
  }
  const int64_t p = prompt.size(1), c = continuation.size(1);
  const torch::Tensor input = torch::cat({prompt, continuation.to(prompt.device())}, 1).slice(1, 0, p + c - 1);
  const torch::Tensor log_probs = torch::log_softmax(model->forward(input).slice(1, p - 1, p + c - 1), -1);
  return log_probs.gather(2, continuation.to(prompt.device()).unsqueeze(2)).squeeze(2).sum(1);
}

}  // namespace ebm
