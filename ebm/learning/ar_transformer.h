// ArTransformer: the autoregressive (AR) baseline — a decoder-only causal transformer over a small
// token vocabulary, sized by ArTransformerConfig so that it can be matched to an EBM's parameter count.
//
// Architecture (GPT-2 style, pre-norm, untied output projection):
//   h_0 = tok_emb[x_t] + pos_emb[t]                              t = 0 .. T-1
//   for each of `layers` blocks:
//     h = h + Dropout(Wo · CausalAttention(LN1(h)) + bo)
//     h = h + Dropout(W2 · GELU(W1 · LN2(h) + b1) + b2)          W1: d_ff x d_model
//   logits = Wout · LN_f(h) + bout                               [B, T, vocab]
// CausalAttention splits d_model into `heads` heads of width dh = d_model / heads:
//   A = softmax(Q K^T / sqrt(dh) + M),  M[i, j] = -inf for j > i (built with torch::triu), out = A V.
// Dropout (rate `dropout`) is applied to the embedding sum, the attention weights and both residual
// branches, only in training mode.
// Initialisation: Linear weights and both embeddings ~ N(0, 0.02^2), biases 0, LayerNorm (1, 0).
//
// Parameter names (stable, they are the checkpoint's): tok_emb.weight, pos_emb.weight,
// block<i>.{ln1,ln2}.{weight,bias}, block<i>.{q,k,v,o,fc1,fc2}.{weight,bias}, ln_f.{weight,bias},
// out.{weight,bias}.
//
// Decoding (greedy_decode, sample_decode, beam_search) runs under torch::NoGradGuard with the model
// temporarily in eval mode (its mode is restored on return), and feeds the prompt once and then one
// token per step through a KvCache.
#pragma once

#include "ebm/token_sequence.h"

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ebm {

struct ArTransformerConfig {
  int64_t vocab = 16;         // number of token ids; tokens lie in [0, vocab). >= 1
  int64_t max_length = 256;   // longest sequence (prompt + continuation) the position table holds. >= 1
  int64_t d_model = 128;      // residual width; a positive multiple of `heads`
  int64_t heads = 4;          // attention heads, each of width d_model / heads. >= 1
  int64_t layers = 4;         // transformer blocks. >= 0
  int64_t d_ff = 0;           // MLP hidden width; 0 = 4 * d_model (the neutral, GPT-2 choice)
  double dropout = 0.0;       // dropout rate in [0, 1), training mode only; 0 = disabled

  // d_ff with the 0 default resolved.
  int64_t ff_width() const { return d_ff > 0 ? d_ff : 4 * d_model; }

  // False (and *error = "ar-transformer: field 'heads' ...") when a field is out of range.
  bool is_valid(std::string* error) const;

  // {"vocab":16,"max_length":256,"d_model":128,"heads":4,"layers":4,"d_ff":0,"dropout":0.0};
  // d_ff is written as given (0 stays 0), so to_json(from_json(j)) == j for a complete j.
  nlohmann::json to_json() const;
  // Reads the fields above; a missing field keeps its default. Throws std::invalid_argument naming the
  // field when it has the wrong JSON type, is out of range (see is_valid), or is not a field of the
  // config ("ar-transformer config: unknown field 'width'"); also when j is not an object.
  static ArTransformerConfig from_json(const nlohmann::json& j);

  // Closed-form count of trainable scalars, equal to parameter_count(module) (<ebm/energy.h>):
  //   V*d + N*d                                       token and position embeddings
  //   + L * (4*d*d + 4*d                               q, k, v, o projections (with bias)
  //          + 2*d*f + f + d                           fc1, fc2 (with bias)
  //          + 4*d)                                    ln1, ln2 (weight and bias)
  //   + 2*d + d*V + V                                  ln_f, output projection (with bias)
  // with V = vocab, N = max_length, d = d_model, L = layers, f = ff_width(). Saturates at INT64_MAX.
  int64_t parameter_count() const;

  // The config with d_ff = 0 (i.e. 4*d_model) and d_model a multiple of `heads` (>= heads) whose
  // parameter_count() is closest to target_parameters (ties: the smaller d_model); the achieved count
  // is its parameter_count(). Throws std::invalid_argument for non-positive arguments.
  static ArTransformerConfig matched_to(int64_t target_parameters, int64_t vocab, int64_t max_length,
                                        int64_t layers, int64_t heads);
};

// Keys and values of every block for the positions fed so far, for incremental decoding.
// keys[l], values[l]: [B, heads, length, d_model / heads]; empty until the first forward_step.
struct KvCache {
  std::vector<torch::Tensor> keys, values;
  int64_t length = 0;  // positions cached (the next token fed gets position `length`)

  // Reorders/duplicates batch rows in place: row r of the new cache is row index[r] of the old one
  // (index: int64 [B'], on the cache's device or CPU). Beam search uses it to follow surviving beams.
  void select(const torch::Tensor& index);
  int64_t batch_size() const { return keys.empty() ? 0 : keys.front().size(0); }
};

namespace detail {
class ArBlockImpl;  // one pre-norm transformer block; defined in ar_transformer.cpp
}

class ArTransformerImpl : public torch::nn::Module {
 public:
  // Throws std::invalid_argument when the config is not valid (see ArTransformerConfig::is_valid).
  explicit ArTransformerImpl(const ArTransformerConfig& config);

  // tokens: int64 [B, T], values in [0, vocab), 1 <= T <= max_length -> logits [B, T, vocab] (float);
  // position t sees tokens 0..t only. Throws std::invalid_argument on a wrong dtype/rank, an
  // out-of-range token or T > max_length.
  torch::Tensor forward(const torch::Tensor& tokens);

  // tokens: int64 [B, t_new], placed at positions cache.length .. cache.length + t_new - 1 after the
  // cached ones -> logits [B, t_new, vocab], equal (up to rounding) to the matching rows of forward()
  // on the whole sequence. Appends the new keys/values and advances cache.length. An empty cache
  // accepts any B; a filled one requires the same B. Throws std::invalid_argument when
  // cache.length + t_new > max_length or as forward() does; the cache is unchanged then.
  torch::Tensor forward_step(const torch::Tensor& tokens, KvCache& cache);

  const ArTransformerConfig& config() const { return config_; }

 private:
  torch::Tensor run(const torch::Tensor& tokens, KvCache* cache);
  void check_tokens(const torch::Tensor& tokens, int64_t past) const;

  ArTransformerConfig config_;
  torch::nn::Embedding tok_emb_{nullptr}, pos_emb_{nullptr};
  std::vector<std::shared_ptr<detail::ArBlockImpl>> blocks_;
  torch::nn::LayerNorm ln_f_{nullptr};
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(ArTransformer);

// ---- Decoding -------------------------------------------------------------------------------------
// prompt: int64 [B, P], P >= 1 (the model predicts token P from tokens 0..P-1), P + steps - 1 <=
// max_length (the last generated token is never fed back). steps >= 1.
// allowed: bool [vocab] (the same mask at every generated position) or [steps, vocab] (row s for the
// s-th generated token), true = may be emitted; every row must allow at least one token. An undefined
// tensor allows everything.
// step_mask (optional): a mask that may differ per batch row and depend on what was generated so far.
// step_mask(s, generated) with generated = int64 [R, s] (the tokens chosen so far, on the prompt's
// device; R = B, or B * width in beam search, row b * width + w) returns bool [R, vocab] (or [vocab]),
// which is AND-ed with allowed[s]. Greedy and sampled decoding throw std::invalid_argument when it
// leaves a row no token; beam search drops such beams (score -inf).
// Tokens are returned on the prompt's device.
// (StepMask is <ebm/token_sequence.h>'s: a task's TokenSequence supplies it.)

// stop (optional): asked before every generated position after the first; when it returns true
// (a time budget spent, a cancellation) decoding ends there: `steps_done` < steps, the tokens from
// steps_done on are 0 and the log-probs cover only what was generated. The answer is then
// incomplete and must not be used as one.
using DecodeStop = std::function<bool()>;

struct Decoded {
  torch::Tensor tokens;     // int64 [B, steps]
  torch::Tensor log_probs;  // float [B]: sum_s log p(tokens[:, s] | prompt, tokens[:, :s]) under the model's
                            // full-vocabulary softmax at temperature 1 (masks and temperature change which
                            // token is chosen, not how it is scored), accumulated while decoding, so equal
                            // up to rounding to sequence_log_prob(model, prompt, tokens) without its pass
  int64_t steps_done = 0;   // positions generated: `steps` unless `stop` ended decoding early
  bool complete(int64_t steps) const { return steps_done == steps; }
};

// At each step the allowed token of highest logit.
Decoded greedy_decode(ArTransformer& model, const torch::Tensor& prompt, int64_t steps,
                      const torch::Tensor& allowed = {}, const StepMask& step_mask = {}, const DecodeStop& stop = {});

// At each step a token drawn from softmax(logits / temperature) restricted to (and renormalised over)
// the allowed tokens. temperature > 0. `gen` must live on the model's device
// (e.g. at::make_generator<at::CPUGeneratorImpl>(seed) for CPU); the same seed gives the same tokens.
Decoded sample_decode(ArTransformer& model, const torch::Tensor& prompt, int64_t steps, const torch::Tensor& allowed,
                      double temperature, torch::Generator& gen, const StepMask& step_mask = {},
                      const DecodeStop& stop = {});

struct BeamResult {
  torch::Tensor tokens;     // int64 [B, width, steps]
  torch::Tensor log_probs;  // float [B, width], sorted best first; -inf for filler beams when fewer
                            // than `width` allowed sequences exist
  int64_t steps_done = 0;   // as Decoded::steps_done (tokens is then [B, width, steps_done])
};

// Beam search of `width` >= 1 beams per batch row, scoring a sequence by the sum of the model's
// log-probabilities of its tokens (log_softmax over the full vocabulary: the masks only remove
// candidates, they do not renormalise), so log_probs[b, w] == sequence_log_prob(model,
// prompt[b], tokens[b, w]). width 1 is greedy decoding.
BeamResult beam_search(ArTransformer& model, const torch::Tensor& prompt, int64_t steps,
                       const torch::Tensor& allowed, int64_t width, const StepMask& step_mask = {},
                       const DecodeStop& stop = {});

// sum_{s} log p(continuation[:, s] | prompt, continuation[:, :s]) -> float [B], computed by one full
// forward() pass of cat(prompt, continuation)[:, :-1] (teacher forcing, no cache), under NoGradGuard
// (train with forward() directly). prompt [B, P], P >= 1; continuation [B, C], C >= 1. Decoding
// returns the same sum without this pass (Decoded::log_probs); it is here to score given sequences.
torch::Tensor sequence_log_prob(ArTransformer& model, const torch::Tensor& prompt,
                                const torch::Tensor& continuation);

// ---- Cost -----------------------------------------------------------------------------------------
// FLOPs of one full forward() over a sequence of length T (batch 1), counting 2 FLOPs per multiply-add
// of every matrix product and nothing else (embedding lookups, LayerNorm, softmax, GELU, biases and
// residual adds are left out). The attention products are counted over the whole T x T square, as
// computed (the causal mask does not skip work):
//   per block: q,k,v,o projections 4*T*d*d, Q K^T T*T*d, A V T*T*d, MLP 2*T*d*f  (multiply-adds)
//   forward_flops = 2 * ( L * (4*T*d*d + 2*T*T*d + 2*T*d*f) + T*d*V )
// with d = d_model, f = ff_width(), L = layers, V = vocab. Incremental decoding of one token with a
// cache of length n costs 2 * (L * (4*d*d + 2*(n+1)*d + 2*d*f) + d*V).
double forward_flops(const ArTransformerConfig& config, int64_t sequence_length);

}  // namespace ebm
