#include "tasks/sudoku/ar_solver.h"

#include "ebm/checkpoint.h"
#include "ebm/device.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>

namespace ebm::sudoku {

namespace {

bool parse_positive_int(const std::string& text, int64_t* value) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  *value = std::stoll(text);
  return *value >= 1;
}

// Per-row log-prob of `continuation` after `prompt`, one full forward pass (teacher forcing).
torch::Tensor score(ArTransformer& model, const torch::Tensor& prompt, const torch::Tensor& continuation) {
  return sequence_log_prob(model, prompt, continuation).to(torch::kCPU, torch::kDouble);
}

std::vector<int64_t> row_tokens(const torch::Tensor& tokens_cpu, int64_t row) {
  auto r = tokens_cpu.select(0, row).contiguous();
  return std::vector<int64_t>(r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel());
}

}  // namespace

ArDecodeSpec parse_ar_decode(const std::string& spec) {
  auto fail = [&](const std::string& why) -> std::invalid_argument {
    return std::invalid_argument("ar decode '" + spec + "': " + why);
  };
  ArDecodeSpec d;
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "greedy") {
    if (colon != std::string::npos) throw fail("greedy takes no argument");
    d.kind = ArDecodeSpec::Kind::greedy;
  } else if (kind == "sample") {
    d.kind = ArDecodeSpec::Kind::sample;
    size_t used = 0;
    double t = 0;
    try {
      t = std::stod(arg, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (arg.empty() || used != arg.size() || !(t > 0) || !std::isfinite(t))
      throw fail("temperature must be a number > 0 (sample:T)");
    d.temperature = t;
  } else if (kind == "beam") {
    d.kind = ArDecodeSpec::Kind::beam;
    if (!parse_positive_int(arg, &d.width)) throw fail("beam width must be an integer >= 1 (beam:W)");
  } else if (kind == "best-of") {
    d.kind = ArDecodeSpec::Kind::best_of;
    std::string n = arg;
    const auto comma = arg.find(',');
    if (comma != std::string::npos) {
      n = arg.substr(0, comma);
      if (arg.substr(comma + 1) != "verifier")
        throw fail("unknown best-of option '" + arg.substr(comma + 1) + "' (only 'verifier')");
      d.verifier = true;
    }
    if (!parse_positive_int(n, &d.samples))
      throw fail("sample count must be an integer >= 1 (best-of:N or best-of:N,verifier)");
  } else {
    throw fail("unknown decoder '" + kind + "' (greedy, sample:T, beam:W, best-of:N, best-of:N,verifier)");
  }
  return d;
}

std::shared_ptr<ArModel> load_ar_model(const std::string& path, const torch::Device& device) {
  nlohmann::json metadata = read_checkpoint_metadata(path);
  if (metadata.value("kind", std::string()) != kArCheckpointKind)
    throw CheckpointError(path, "kind mismatch: file holds '" + metadata.value("kind", std::string()) +
                                    "', expected '" + kArCheckpointKind + "'");
  const nlohmann::json architecture = metadata.at("architecture");
  if (!architecture.contains("order") || !architecture.at("order").is_string())
    throw std::invalid_argument("ar model '" + path + "': architecture has no string field 'order'");
  auto model = std::make_shared<ArModel>();
  model->order = parse_ar_order(architecture.at("order").get<std::string>());
  nlohmann::json config = architecture;
  config.erase("order");
  model->net = ArTransformer(ArTransformerConfig::from_json(config));
  model->metadata = load_checkpoint(path, *model->net, {kArCheckpointKind, architecture}, device);
  return model;
}

std::vector<ArSolved> solve_ar(ArModel& model, const std::vector<Board>& puzzles, const ArSolveSettings& settings) {
  return solve_ar(model.net, model.order, puzzles, settings);
}

std::vector<ArSolved> solve_ar(ArTransformer& model, ArOrder order, const std::vector<Board>& puzzles,
                               const ArSolveSettings& settings) {
  const ArDecodeSpec spec = parse_ar_decode(settings.decode);
  if (settings.batch < 1) throw std::invalid_argument("solve_ar: batch must be >= 1");
  const auto& config = model->config();
  if (config.vocab < kArVocab)
    throw std::invalid_argument("solve_ar: model vocab " + std::to_string(config.vocab) + " < " +
                                std::to_string(kArVocab));
  // Group by answer length (input order within a group).
  std::map<int64_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < puzzles.size(); ++i) {
    if (!puzzles[i].well_formed() || puzzles[i].box != 3)
      throw std::invalid_argument("solve_ar: puzzle " + std::to_string(i) + " is not a well-formed 9x9 board");
    const int blanks = puzzles[i].cell_count() - count_givens(puzzles[i]);
    groups[ar_answer_length(order, blanks)].push_back(i);
  }
  for (const auto& g : groups)
    if (kArPromptLength + g.first - 1 > config.max_length)
      throw std::invalid_argument("solve_ar: model max_length " + std::to_string(config.max_length) +
                                  " cannot hold " + std::to_string(kArPromptLength + g.first) + " tokens");

  std::vector<ArSolved> results(puzzles.size());
  torch::NoGradGuard no_grad;
  const auto call_start = std::chrono::steady_clock::now();
  uint64_t batch_counter = 0;
  for (const auto& [steps, members] : groups) {
    if (steps == 0) {  // nothing to generate: the puzzle is complete already
      for (size_t i : members) {
        results[i].answer = puzzles[i];
        results[i].verified = is_valid_solution(puzzles[i], puzzles[i]);
      }
      continue;
    }
    const torch::Tensor allowed = ar_allowed_mask(order, steps).to(settings.device);
    for (size_t start = 0; start < members.size(); start += static_cast<size_t>(settings.batch)) {
      const auto t0 = std::chrono::steady_clock::now();
      const size_t end = std::min(members.size(), start + static_cast<size_t>(settings.batch));
      const auto B = static_cast<int64_t>(end - start);
      std::vector<int64_t> flat;
      for (size_t k = start; k < end; ++k) {
        auto p = encode_ar_prompt(puzzles[members[k]]);
        flat.insert(flat.end(), p.begin(), p.end());
      }
      const torch::Tensor prompt =
          torch::tensor(flat, torch::kLong).reshape({B, kArPromptLength}).to(settings.device);
      const int64_t P = kArPromptLength;
      const uint64_t seed = settings.seed + 1000003ULL * batch_counter++;
      // Candidate sequences: [B, R, steps] with log-probs [B, R].
      torch::Tensor tokens, log_probs;
      int64_t passes = 0;
      switch (spec.kind) {
        case ArDecodeSpec::Kind::greedy: {
          tokens = greedy_decode(model, prompt, steps, allowed);
          log_probs = score(model, prompt, tokens).unsqueeze(1);
          tokens = tokens.unsqueeze(1);
          passes = 2 * (P + steps - 1);
          break;
        }
        case ArDecodeSpec::Kind::sample: {
          torch::Generator gen = make_generator(seed, settings.device);
          tokens = sample_decode(model, prompt, steps, allowed, spec.temperature, gen);
          log_probs = score(model, prompt, tokens).unsqueeze(1);
          tokens = tokens.unsqueeze(1);
          passes = 2 * (P + steps - 1);
          break;
        }
        case ArDecodeSpec::Kind::beam: {
          BeamResult beams = beam_search(model, prompt, steps, allowed, spec.width);
          tokens = beams.tokens.narrow(1, 0, 1);
          log_probs = beams.log_probs.narrow(1, 0, 1).to(torch::kCPU, torch::kDouble);
          passes = P + spec.width * (steps - 1);
          break;
        }
        case ArDecodeSpec::Kind::best_of: {
          torch::Generator gen = make_generator(seed, settings.device);
          const torch::Tensor repeated = prompt.repeat_interleave(spec.samples, 0);
          torch::Tensor sampled = sample_decode(model, repeated, steps, allowed, 1.0, gen);
          log_probs = score(model, repeated, sampled).reshape({B, spec.samples});
          tokens = sampled.reshape({B, spec.samples, steps});
          passes = 2 * spec.samples * (P + steps - 1);
          break;
        }
      }
      const torch::Tensor tokens_cpu = tokens.to(torch::kCPU).contiguous();
      const torch::Tensor lp_cpu = log_probs.to(torch::kCPU, torch::kDouble).contiguous();
      const int64_t R = tokens_cpu.size(1);
      auto lp = lp_cpu.accessor<double, 2>();
      for (int64_t b = 0; b < B; ++b) {
        const size_t index = members[start + static_cast<size_t>(b)];
        const Board& puzzle = puzzles[index];
        int64_t best = -1;
        bool best_verified = false;
        Board best_answer;
        for (int64_t r = 0; r < R; ++r) {
          Board answer = decode_ar_answer(puzzle, row_tokens(tokens_cpu.select(0, b), r), order);
          const bool verified = is_valid_solution(puzzle, answer);
          bool better = best < 0;
          if (!better) {
            if (spec.verifier && verified != best_verified)
              better = verified;
            else
              better = lp[b][r] > lp[b][best];
          }
          if (better) {
            best = r;
            best_verified = verified;
            best_answer = answer;
          }
        }
        results[index].answer = best_answer;
        // The verdict is always the exact verifier's on the returned board.
        results[index].verified = is_valid_solution(puzzle, best_answer);
        results[index].log_prob = lp[b][best];
        results[index].forward_passes = passes;
      }
      synchronize(settings.device);
      const auto now = std::chrono::steady_clock::now();
      const double ms = std::chrono::duration<double, std::milli>(now - t0).count();
      const double latency = std::chrono::duration<double, std::milli>(now - call_start).count();
      for (size_t k = start; k < end; ++k) {
        results[members[k]].ms = ms / static_cast<double>(B);
        results[members[k]].latency_ms = latency;
      }
    }
  }
  return results;
}

}  // namespace ebm::sudoku
