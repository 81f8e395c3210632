// The AR baseline's decoding: parse_ar_decode and solve_ar (ar_baseline.h).
#include "ebm/learning/ar_baseline.h"

#include "ebm/device.h"
#include "ebm/options.h"
#include "ebm/runtime/stopwatch.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

namespace ebm {

namespace {


// Beam widths and sample counts: each costs a decoder pass per position, so they are bounded.
constexpr int64_t kMaxBeamWidth = 256;
constexpr int64_t kMaxSamples = 4096;

// An integer in [1, most] written in decimal digits.
bool parse_count(const std::string& text, int64_t most, int64_t* value) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  *value = std::stoll(text);
  return *value >= 1 && *value <= most;
}


// One decoded answer of a problem.
struct Candidate {
  AnswerPtr answer;
  bool verified = false;
  double log_prob = -std::numeric_limits<double>::infinity();
};

// Whether `a` beats `best`: verified first when the verifier ranks, then log-prob.
bool better(const Candidate& a, const Candidate& best, bool verifier_ranks) {
  if (verifier_ranks && a.verified != best.verified) return a.verified;
  return a.log_prob > best.log_prob;
}

// Decoding of one group of problems that share a prompt length and an answer length.
class GroupDecoder {
 public:
  // `stop` ends decoding when the budget is spent: the problems then get no candidate at all.
  GroupDecoder(const Task& task, ArModel& model, int64_t steps, const torch::Device& device, DecodeStop stop)
      : task_(task), model_(model), steps_(steps), device_(device), stop_(std::move(stop)) {}

  // Each problem `copies` times in a row, sampled at `temperature` -> candidates[problem][copy].
  std::vector<std::vector<Candidate>> sample(const std::vector<const Problem*>& problems, int64_t copies,
                                             double temperature, torch::Generator& gen) const {
    const auto rows = repeated(problems, copies);
    const Decoded d = sample_decode(model_.net, prompt_of(rows), steps_, {}, temperature, gen,
                                    model_.tokens->decoding_mask(rows, device_), stop_);
    return candidates(problems, copies, d.tokens, d.log_probs, d.steps_done);
  }
  std::vector<std::vector<Candidate>> greedy(const std::vector<const Problem*>& problems) const {
    const Decoded d = greedy_decode(model_.net, prompt_of(problems), steps_, {},
                                    model_.tokens->decoding_mask(problems, device_), stop_);
    return candidates(problems, 1, d.tokens, d.log_probs, d.steps_done);
  }
  // The best beam of each problem.
  std::vector<std::vector<Candidate>> beam(const std::vector<const Problem*>& problems, int64_t width) const {
    const BeamResult r = beam_search(model_.net, prompt_of(problems), steps_, {}, width,
                                     model_.tokens->decoding_mask(repeated(problems, width), device_), stop_);
    if (r.steps_done < steps_) return std::vector<std::vector<Candidate>>(problems.size());
    return candidates(problems, 1, r.tokens.select(1, 0), r.log_probs.select(1, 0), r.steps_done);
  }

 private:
  static std::vector<const Problem*> repeated(const std::vector<const Problem*>& problems, int64_t copies) {
    std::vector<const Problem*> rows;
    for (const Problem* p : problems)
      for (int64_t k = 0; k < copies; ++k) rows.push_back(p);
    return rows;
  }
  torch::Tensor prompt_of(const std::vector<const Problem*>& rows) const {
    std::vector<int64_t> flat;
    for (const Problem* p : rows) {
      const auto tokens = model_.tokens->prompt(*p);
      flat.insert(flat.end(), tokens.begin(), tokens.end());
    }
    return torch::tensor(flat, torch::kLong).reshape({static_cast<int64_t>(rows.size()), -1}).to(device_);
  }
  // tokens [problems * copies, steps], log_probs [problems * copies] -> candidates, verified exactly;
  // none when decoding stopped before the last position (an incomplete answer is no answer).
  std::vector<std::vector<Candidate>> candidates(const std::vector<const Problem*>& problems, int64_t copies,
                                                 const torch::Tensor& tokens, const torch::Tensor& log_probs,
                                                 int64_t steps_done) const {
    if (steps_done < steps_) return std::vector<std::vector<Candidate>>(problems.size());
    const torch::Tensor t = tokens.to(torch::kCPU).contiguous();
    const torch::Tensor lp = log_probs.to(torch::kCPU, torch::kDouble).contiguous();
    std::vector<std::vector<Candidate>> out(problems.size());
    for (size_t i = 0; i < problems.size(); ++i)
      for (int64_t k = 0; k < copies; ++k) {
        const int64_t row = static_cast<int64_t>(i) * copies + k;
        const int64_t* first = t.data_ptr<int64_t>() + row * steps_;
        Candidate c;
        c.answer = model_.tokens->answer_from_tokens(*problems[i], std::vector<int64_t>(first, first + steps_));
        c.verified = task_.verify(*problems[i], *c.answer);
        c.log_prob = lp.data_ptr<double>()[row];
        out[i].push_back(std::move(c));
      }
    return out;
  }

  const Task& task_;
  ArModel& model_;
  int64_t steps_;
  torch::Device device_;
  DecodeStop stop_;
};

// One batch of problems that share (prompt length, answer length) through one decode spec: the best
// candidate kept per problem, the decoder positions and sequences each cost, the budget of the batch.
class BatchDecoding {
 public:
  BatchDecoding(const Task& task, ArModel& model, const ArDecodeSpec& spec, const ArSolveSettings& settings,
                int64_t prompt_length, int64_t steps, Clock::time_point call_start)
      : task_(task), model_(model), spec_(spec), settings_(settings), prompt_length_(prompt_length), steps_(steps),
        call_start_(call_start), start_(Clock::now()),
        decoder_(task, model, steps, settings.device, [this] { return milliseconds_since(start_) >= settings_.budget_ms; }) {}

  void run(const std::vector<const Problem*>& batch, const std::vector<ArSolved*>& out, torch::Generator& gen) {
    out_ = out;
    best_.assign(batch.size(), Candidate{});
    decoded_.assign(batch.size(), false);
    final_ms_.assign(batch.size(), -1.0);
    if (steps_ == 0) {  // nothing to generate: the answer is what the prompt already says
      for (size_t b = 0; b < batch.size(); ++b) take_one(b, {model_.tokens->answer_from_tokens(*batch[b], {}), false, 0.0}, *batch[b]);
    } else {
      decode(batch, gen);
    }
    synchronize(settings_.device);
    const double ms = milliseconds_since(start_), latency = milliseconds_since(call_start_);
    for (size_t b = 0; b < batch.size(); ++b) {
      ArSolved& r = *out_[b];
      r.out_of_budget = !decoded_[b];
      r.answer = decoded_[b] ? best_[b].answer : nullptr;  // out of budget: unanswered
      r.verified = r.answer && task_.verify(*batch[b], *r.answer);  // the exact verifier's word, always
      r.log_prob = decoded_[b] ? best_[b].log_prob : 0.0;
      r.ms = ms / static_cast<double>(batch.size());
      r.latency_ms = final_ms_[b] >= 0 ? final_ms_[b] : latency;
    }
  }

 private:
  void decode(const std::vector<const Problem*>& batch, torch::Generator& gen) {
    const int64_t per_sequence = prompt_length_ + steps_ - 1;
    std::vector<size_t> all(batch.size());
    for (size_t b = 0; b < batch.size(); ++b) all[b] = b;
    switch (spec_.kind) {
      case ArDecodeSpec::Kind::Greedy:
        return take(all, decoder_.greedy(batch), per_sequence, 1);
      case ArDecodeSpec::Kind::Sample:
        return take(all, decoder_.sample(batch, 1, spec_.temperature, gen), per_sequence, 1);
      case ArDecodeSpec::Kind::Beam:
        return take(all, decoder_.beam(batch, spec_.width), prompt_length_ + spec_.width * (steps_ - 1), spec_.width);
      case ArDecodeSpec::Kind::BestOf:
        return take(all, decoder_.sample(batch, spec_.samples, 1.0, gen), spec_.samples * per_sequence, spec_.samples);
      case ArDecodeSpec::Kind::UntilVerified: {
        // Rounds until every problem verified or the budget is spent; the first round always runs.
        std::vector<size_t> active = all;
        for (int64_t round = 0; !active.empty() && (round == 0 || milliseconds_since(start_) < settings_.budget_ms); ++round) {
          std::vector<const Problem*> rows;
          for (size_t b : active) rows.push_back(batch[b]);
          take(active, decoder_.sample(rows, spec_.samples, 1.0, gen), spec_.samples * per_sequence, spec_.samples);
          std::vector<size_t> still;
          for (size_t b : active) {
            if (best_[b].verified) final_ms_[b] = milliseconds_since(call_start_);
            else still.push_back(b);
          }
          active.swap(still);
        }
        return;
      }
    }
  }
  // One round of candidates for the problems `which` (indices into the batch).
  void take(const std::vector<size_t>& which, std::vector<std::vector<Candidate>> round, int64_t passes,
            int64_t sequences) {
    for (size_t j = 0; j < which.size(); ++j) {
      const size_t b = which[j];
      for (auto& c : round[j])
        if (!decoded_[b] || better(c, best_[b], spec_.verifier)) {
          best_[b] = std::move(c);
          decoded_[b] = true;
        }
      out_[b]->forward_passes += passes;
      out_[b]->sequences += sequences;
    }
  }
  void take_one(size_t b, Candidate c, const Problem& problem) {
    c.verified = task_.verify(problem, *c.answer);
    best_[b] = std::move(c);
    decoded_[b] = true;
  }

  const Task& task_;
  ArModel& model_;
  const ArDecodeSpec& spec_;
  const ArSolveSettings& settings_;
  int64_t prompt_length_, steps_;
  Clock::time_point call_start_, start_;
  GroupDecoder decoder_;
  std::vector<ArSolved*> out_;
  std::vector<Candidate> best_;
  std::vector<bool> decoded_;      // best_[b] holds a decoded answer
  std::vector<double> final_ms_;   // until-verified: when a problem's sample verified
};

}  // namespace

ArDecodeSpec parse_ar_decode(const std::string& spec) {
  auto fail = [&](const std::string& why) -> std::invalid_argument {
    return std::invalid_argument("ar decode " + excerpt(spec) + ": " + why);
  };
  ArDecodeSpec d;
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "greedy") {
    if (colon != std::string::npos) throw fail("greedy takes no argument");
  } else if (kind == "sample") {
    d.kind = ArDecodeSpec::Kind::Sample;
    size_t used = 0;
    double t = 0;
    try {
      t = std::stod(arg, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (arg.empty() || used != arg.size() || !(t > 0) || !(t <= 1000))
      throw fail("temperature must be a number in (0, 1000] (sample:T)");
    d.temperature = t;
  } else if (kind == "beam") {
    d.kind = ArDecodeSpec::Kind::Beam;
    if (!parse_count(arg, kMaxBeamWidth, &d.width))
      throw fail("beam width must be an integer in [1, " + std::to_string(kMaxBeamWidth) + "] (beam:W)");
  } else if (kind == "best-of") {
    d.kind = ArDecodeSpec::Kind::BestOf;
    std::string n = arg;
    const auto comma = arg.find(',');
    if (comma != std::string::npos) {
      n = arg.substr(0, comma);
      if (arg.substr(comma + 1) != "verifier")
        throw fail("unknown best-of option '" + arg.substr(comma + 1) + "' (only 'verifier')");
      d.verifier = true;
    }
    if (!parse_count(n, kMaxSamples, &d.samples))
      throw fail("sample count must be an integer in [1, " + std::to_string(kMaxSamples) +
                 "] (best-of:N or best-of:N,verifier)");
  } else if (kind == "until-verified") {
    d.kind = ArDecodeSpec::Kind::UntilVerified;
    d.verifier = true;
    if (!parse_count(arg, kMaxSamples, &d.samples))
      throw fail("samples per round must be an integer in [1, " + std::to_string(kMaxSamples) + "] (until-verified:N)");
  } else {
    throw fail("unknown decoder " + excerpt(kind) +
               " (greedy, sample:T, beam:W, best-of:N, best-of:N,verifier, until-verified:N)");
  }
  return d;
}

std::vector<ArSolved> solve_ar(const Task& task, ArModel& model, const std::vector<ProblemPtr>& problems,
                               const ArSolveSettings& settings) {
  const ArDecodeSpec spec = parse_ar_decode(settings.decode);
  if (settings.batch < 1) throw std::invalid_argument("solve_ar: batch must be >= 1");
  if (!(settings.budget_ms > 0)) throw std::invalid_argument("solve_ar: budget_ms must be > 0");
  const TokenSequence& tokens = *model.tokens;
  const int64_t positions = model.net->config().max_length;
  // Group by (prompt length, answer length), input order within a group.
  std::map<std::pair<int64_t, int64_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < problems.size(); ++i) {
    const int64_t prompt = int64_t(tokens.prompt(*problems[i]).size()), answer = tokens.answer_length(*problems[i]);
    if (prompt + answer - 1 > positions)
      throw std::invalid_argument("AR: problem " + problems[i]->source + " needs " + std::to_string(prompt + answer) +
                                  " positions; the model holds " + std::to_string(positions));
    groups[{prompt, answer}].push_back(i);
  }
  std::vector<ArSolved> results(problems.size());
  torch::NoGradGuard no_grad;
  const auto call_start = Clock::now();
  uint64_t batch_counter = 0;
  for (const auto& [lengths, members] : groups) {
    for (size_t start = 0; start < members.size(); start += static_cast<size_t>(settings.batch)) {
      const size_t end = std::min(members.size(), start + static_cast<size_t>(settings.batch));
      std::vector<const Problem*> batch;
      std::vector<ArSolved*> out;
      for (size_t k = start; k < end; ++k) {
        batch.push_back(problems[members[k]].get());
        out.push_back(&results[members[k]]);
      }
      torch::Generator gen = make_generator(settings.seed + 1000003ULL * batch_counter++, settings.device);
      BatchDecoding(task, model, spec, settings, lengths.first, lengths.second, call_start).run(batch, out, gen);
    }
  }
  return results;
}

}  // namespace ebm
