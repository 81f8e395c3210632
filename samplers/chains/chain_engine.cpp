#include "samplers/chains/chain_engine.h"

#include "ebm/device.h"
#include "ebm/runtime/host_sync.h"
#include "ebm/memory_limit.h"
#include "ebm/samplers/sampler_base.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ebm {

namespace {

// A running row's code while settling: 0 = runs on, a ChainStatus = stops, kRestart = restarts.
constexpr int8_t kRestart = -1;

// Each chain holds its state, gradient, best state, a proposal and noise of the answer's size, and the
// energy's autograd intermediates: about this many copies of the state, all chains together (an
// estimate on the high side, so that a batch the machine cannot hold is refused, not swapped).
constexpr double kStateCopies = 16.0;

torch::Tensor on_device(const std::vector<int64_t>& values, const torch::Device& device) {
  return torch::tensor(values, torch::kLong).to(device);
}

// Clamps stacked along rows; an inactive one becomes all-free rows when the other is active.
Clamp stack_clamps(const Clamp& a, int64_t a_rows, const Clamp& b, int64_t b_rows, const torch::Tensor& like) {
  if (!a.active() && !b.active()) return {};
  auto free_rows = [&](int64_t rows) {
    auto shape = like.sizes().vec();
    shape[0] = rows;
    return Clamp{torch::zeros(shape, like.options().dtype(torch::kBool)), torch::zeros(shape, like.options())};
  };
  const Clamp top = a.active() ? a : free_rows(a_rows);
  const Clamp bottom = b.active() ? b : free_rows(b_rows);
  return Clamp{torch::cat({top.mask, bottom.mask}), torch::cat({top.values, bottom.values})};
}

torch::Tensor stack_optional(const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.defined() || a.size(0) == 0) return b;
  if (!b.defined()) return a;
  return torch::cat({a, b});
}

}  // namespace

ProblemResult resolve_problem(const std::vector<ChainRecord>& chains) {
  ProblemResult result;
  bool all_failed = !chains.empty();
  for (size_t c = 0; c < chains.size(); ++c) {
    const ChainRecord& chain = chains[c];
    all_failed = all_failed && chain.status == ChainStatus::NonFinite;
    result.steps = std::max(result.steps, chain.stop_step);
    result.elapsed_ms = std::max(result.elapsed_ms, chain.stop_ms);
    result.evaluations += static_cast<int64_t>(std::llround(chain.evaluations));
    if (chain.status == ChainStatus::Verified && !result.verified) {
      result.verified = true;
      result.best_chain = static_cast<int64_t>(c);
      result.energy = chain.energy;
    } else if (!result.verified && (result.best_chain < 0 || chain.energy < result.energy)) {
      result.best_chain = static_cast<int64_t>(c);
      result.energy = chain.energy;
    }
  }
  result.failed = all_failed;
  if (all_failed)
    result.failure = "every chain's energy became NaN or Inf (try a smaller step size or a lower temperature)";
  return result;
}

void last_word(const Verifier& verifier, const AnswerSpace& space, const std::vector<ProblemResult*>& results,
               const std::vector<int64_t>& problems, const torch::Device& device) {
  std::vector<torch::Tensor> answers;
  std::vector<int64_t> asked;
  std::vector<ProblemResult*> open;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i]->verified || results[i]->failed) continue;
    answers.push_back(results[i]->answer);
    asked.push_back(problems[i]);
    open.push_back(results[i]);
  }
  if (!verifier || open.empty()) return;
  const auto index = torch::tensor(asked, torch::TensorOptions().dtype(torch::kLong)).to(device);
  const auto accepted = host_copy(verifier(space.decode(torch::stack(answers)), index).to(torch::kBool));
  for (size_t i = 0; i < open.size(); ++i) open[i]->verified = accepted.data_ptr<bool>()[i];
}

ChainEngine::ChainEngine(std::string who, Sampler& sampler, EnergyPtr energy, AnswerSpace space,
                         const DriverOptions& rules, torch::Device device, torch::Dtype dtype)
    : who_(std::move(who)), sampler_(sampler), energy_(std::move(energy)), space_(std::move(space)), rules_(rules),
      chains_(rules.chains), device_(device), dtype_(dtype) {
  auto fail = [&](const std::string& what) { throw std::invalid_argument(who_ + ": " + what); };
  if (!energy_) fail("no energy");
  if (chains_ < 1) fail("chains must be >= 1, got " + std::to_string(chains_));
  if (rules_.verify_every < 1) fail("verify_every must be >= 1");
  if (std::isnan(rules_.energy_tolerance)) fail("tol must not be NaN");
  if (rules_.plateau_steps < 0 || rules_.restarts < 0) fail("plateau and restarts must be >= 0");
  space_.validate();
  sampler_.check_space(space_);
}

void ChainEngine::check_group(const ProblemBatch& group, const AnswerSpace& space, const std::string& who) {
  auto fail = [&](const std::string& what) { throw std::invalid_argument(who + ": " + what); };
  const int64_t problems = group.problems;
  if (problems < 1) fail("problems must be >= 1");
  if (group.condition.defined() && group.condition.size(0) != problems)
    fail("condition has " + std::to_string(group.condition.size(0)) + " rows for " + std::to_string(problems) +
         " problems");
  if (!group.clamp.active()) return;
  const std::vector<int64_t> shape = space.batch_shape(problems);
  if (group.clamp.mask.size(0) != problems)
    fail("clamp has " + std::to_string(group.clamp.mask.size(0)) + " rows for " + std::to_string(problems) +
         " problems");
  if (group.clamp.mask.sizes().vec() != shape || group.clamp.values.sizes().vec() != shape)
    fail("clamp rows do not have the answer space's shape");
}

torch::Tensor ChainEngine::initial_states(Group& group, const torch::Tensor& local_problems) {
  const auto float_options = torch::TensorOptions().dtype(dtype_).device(device_);
  torch::Tensor y = group.initializer ? group.initializer(local_problems, *group.generator)
                                      : space_.random_init(local_problems.size(0), *group.generator, float_options);
  space_.check_batch(y, (who_ + ": initial states").c_str());
  return y.to(float_options);
}

int64_t ChainEngine::admit(const ProblemBatch& group, uint64_t seed, const StepContext& context) {
  check_group(group, space_, who_);
  auto fail = [&](const std::string& what) { throw std::invalid_argument(who_ + ": " + what); };
  const int64_t problems = group.problems;
  const int64_t before = rows(), added = problems * chains_;
  if (before > 0 && !sampler_.takes_rows_mid_run())
    fail("sampler '" + sampler_.name() + "' cannot take chains into a running batch");
  const int64_t running_problems = (before + added) / chains_;
  require_memory(kStateCopies * double(running_problems) * double(chains_) * double(space_.numel()) *
                     double(c10::elementSize(dtype_)),
                 "sampling " + std::to_string(running_problems) + " problem(s) x " + std::to_string(chains_) +
                     " chains of " + std::to_string(space_.numel()) + " values");
  const auto float_options = torch::TensorOptions().dtype(dtype_).device(device_);
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(device_);

  torch::Tensor condition;
  if (group.condition.defined()) condition = repeat_each_row(group.condition.to(device_), chains_);
  Clamp clamp;
  if (group.clamp.active())
    clamp = Clamp{group.clamp.mask.to(device_), group.clamp.values.to(float_options)}.repeat_rows(chains_);
  Target fresh(energy_, condition, space_, clamp, added);
  Group joining{group.initializer, group.verifier,
                std::make_shared<torch::Generator>(make_generator(seed, device_)), next_problem_, problems};
  ChainBatch entering;
  entering.y = fresh.finalize(
      initial_states(joining, torch::arange(added, long_options).div(chains_, "floor")));
  evaluate_chains(fresh, entering, sampler_.needs_gradient());

  auto fresh_ids = torch::arange(next_problem_ * chains_, next_problem_ * chains_ + added, long_options);
  auto unset_best = torch::full({added}, std::numeric_limits<double>::infinity(), float_options);
  if (before == 0) {
    evaluations_carried_ += target_.evaluations();
    target_ = fresh;
    batch_ = entering;
    best_state_ = entering.y.clone();
    best_energy_ = unset_best;
    last_progress_ = torch::full({added}, context.step, long_options);
    restarts_used_ = torch::zeros({added}, long_options);
    evaluations_ = torch::full({added}, 1.0, long_options.dtype(torch::kDouble));
    ids_ = fresh_ids;
    sampler_.begin(target_, batch_, context);
  } else {
    Target grown(energy_, stack_optional(target_.condition(), condition), space_,
                 stack_clamps(target_.clamp(), before, clamp, added, batch_.y), before + added);
    ChainBatch grown_batch;
    grown_batch.y = torch::cat({batch_.y, entering.y});
    grown_batch.energy = torch::cat({batch_.energy, entering.energy});
    if (batch_.gradient.defined() && entering.gradient.defined())
      grown_batch.gradient = torch::cat({batch_.gradient, entering.gradient});
    sampler_.append_rows(added, grown, grown_batch);  // may refuse: nothing has changed yet
    evaluations_carried_ += target_.evaluations() + fresh.evaluations();
    target_ = grown;
    batch_ = grown_batch;
    best_state_ = torch::cat({best_state_, entering.y});
    best_energy_ = torch::cat({best_energy_, unset_best});
    last_progress_ = torch::cat({last_progress_, torch::full({added}, context.step, long_options)});
    restarts_used_ = torch::cat({restarts_used_, torch::zeros({added}, long_options)});
    evaluations_ = torch::cat({evaluations_, torch::full({added}, 1.0, long_options.dtype(torch::kDouble))});
    ids_ = torch::cat({ids_, fresh_ids});
  }
  for (int64_t r = 0; r < added; ++r) host_ids_.push_back(next_problem_ * chains_ + r);
  groups_.push_back(std::move(joining));
  const int64_t first = next_problem_;
  next_problem_ += problems;
  return first;
}

StepStats ChainEngine::step(const StepContext& context) {
  const int64_t before = target_.evaluations();
  StepStats stats = sampler_.step(target_, batch_, context);
  pending_evaluations_per_row_ += double(target_.evaluations() - before) / double(rows());
  return stats;
}

void ChainEngine::record_best(const torch::Tensor& finite, int64_t step) {
  auto improved = (batch_.energy < best_energy_) & finite;  // false for NaN
  if (rules_.plateau_steps > 0)
    last_progress_.masked_fill_((batch_.energy < best_energy_ - rules_.plateau_delta) & finite, step);
  if (rules_.track_best) best_state_ = torch::where(per_row(improved, batch_.y), batch_.y, best_state_);
  best_energy_ = torch::where(improved, batch_.energy, best_energy_);
}

std::vector<std::pair<int64_t, int64_t>> ChainEngine::group_rows() const {
  std::vector<std::pair<int64_t, int64_t>> ranges(groups_.size(), {0, 0});
  size_t g = 0;
  for (int64_t r = 0; r < rows(); ++r) {
    const int64_t problem = host_ids_[r] / chains_;
    while (problem >= groups_[g].first_problem + groups_[g].problems) {
      ++g;
      ranges[g] = {r, r};
    }
    ranges[g].second = r + 1;
  }
  return ranges;
}

torch::Tensor ChainEngine::accepted_rows(const torch::Tensor& finite) {
  const auto ranges = group_rows();
  torch::Tensor accepted;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const auto [begin, end] = ranges[g];
    if (!groups_[g].verifier || begin == end) continue;
    const bool whole = begin == 0 && end == rows();
    auto y = whole ? batch_.y : batch_.y.narrow(0, begin, end - begin);
    auto ids = whole ? ids_ : ids_.narrow(0, begin, end - begin);
    auto local = ids.div(chains_, "floor") - groups_[g].first_problem;
    auto verdict = groups_[g].verifier(space_.decode(y), local).to(device_).to(torch::kBool);
    if (whole) {
      accepted = verdict;
      break;
    }
    if (!accepted.defined()) accepted = torch::zeros({rows()}, finite.options());
    accepted.narrow(0, begin, end - begin).copy_(verdict);
  }
  if (!accepted.defined()) return torch::zeros_like(finite);
  return accepted & finite;
}

std::pair<torch::Tensor, torch::Tensor> ChainEngine::verification(int64_t step, const torch::Tensor& finite) {
  const bool any_verifier =
      std::any_of(groups_.begin(), groups_.end(), [](const Group& g) { return static_cast<bool>(g.verifier); });
  if (!any_verifier || step % rules_.verify_every != 0) return {};
  if (rules_.verify_below < std::numeric_limits<double>::infinity()) {  // one read: is any chain low enough?
    const auto lowest = host_copy(batch_.energy.min().to(torch::kDouble));
    if (!(lowest.item<double>() <= rules_.verify_below)) return {};
  }
  auto accepted = accepted_rows(finite.defined() ? finite : torch::isfinite(batch_.energy));
  if (!rules_.stop_problem_on_verified) return {accepted, torch::Tensor()};
  // Problems in the batch are numbered consecutively from its first row's.
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(device_);
  const int64_t first = host_ids_.front() / chains_, span = host_ids_.back() / chains_ - first + 1;
  auto slot = ids_.div(chains_, "floor") - first;
  auto verified_in = torch::zeros({span}, long_options).index_add_(0, slot, accepted.to(torch::kLong));
  return {accepted, verified_in.index_select(0, slot) > 0};
}

std::vector<int8_t> ChainEngine::device_verdicts(int64_t step, bool after_step) {
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(device_);
  auto finite = torch::isfinite(batch_.energy);
  record_best(finite, step);
  auto code = torch::zeros({rows()}, long_options.dtype(torch::kChar));
  auto mark = [&](const torch::Tensor& mask, int64_t value, bool overrides) {
    code.masked_fill_(overrides ? mask : mask & (code == 0), value);
  };
  mark(~finite, static_cast<int64_t>(ChainStatus::NonFinite), true);
  if (rules_.energy_tolerance > -std::numeric_limits<double>::infinity())
    mark((batch_.energy <= rules_.energy_tolerance) & finite, static_cast<int64_t>(ChainStatus::Tolerance), false);
  const auto [accepted, sibling] = verification(step, finite);
  if (accepted.defined()) mark(accepted, static_cast<int64_t>(ChainStatus::Verified), true);
  if (sibling.defined()) mark(sibling, static_cast<int64_t>(ChainStatus::SiblingVerified), false);
  if (after_step && rules_.plateau_steps > 0) {
    auto stale = (step - last_progress_ >= rules_.plateau_steps) & (code == 0);
    auto can_restart = stale & (restarts_used_ < rules_.restarts);
    mark(stale & ~can_restart, static_cast<int64_t>(ChainStatus::Plateau), false);
    mark(can_restart, kRestart, false);
  }
  const auto host_code = host_copy(code);  // the settle's one host read
  const int8_t* code_of = host_code.data_ptr<int8_t>();
  return std::vector<int8_t>(code_of, code_of + rows());
}

bool ChainEngine::verdicts_on_host() const {
  auto in_host_memory = [](const torch::Tensor& t, torch::ScalarType type) {
    return t.device().is_cpu() && t.scalar_type() == type && t.is_contiguous();
  };
  return in_host_memory(batch_.energy, torch::kFloat) && in_host_memory(best_energy_, torch::kFloat) &&
         in_host_memory(last_progress_, torch::kLong) && in_host_memory(restarts_used_, torch::kLong);
}

std::vector<int8_t> ChainEngine::host_verdicts(int64_t step, bool after_step) {
  const int64_t running = rows();
  const float* energy = batch_.energy.data_ptr<float>();
  float* best = best_energy_.data_ptr<float>();
  int64_t* last_progress = last_progress_.data_ptr<int64_t>();
  std::vector<int8_t> code(size_t(running), 0);
  std::vector<uint8_t> improved(size_t(running), 0);
  bool any_improved = false;
  for (int64_t r = 0; r < running; ++r) {  // record_best, then NON_FINITE and TOLERANCE
    const float e = energy[r];
    if (!std::isfinite(e)) {
      code[size_t(r)] = static_cast<int8_t>(ChainStatus::NonFinite);
      continue;
    }
    if (rules_.plateau_steps > 0 && e < best[r] - float(rules_.plateau_delta)) last_progress[r] = step;  // float, as the tensors
    if (e < best[r]) best[r] = e, improved[size_t(r)] = 1, any_improved = true;
    if (e <= float(rules_.energy_tolerance)) code[size_t(r)] = static_cast<int8_t>(ChainStatus::Tolerance);
  }
  if (rules_.track_best && any_improved) {
    auto mask = torch::from_blob(improved.data(), {running}, torch::kUInt8).to(torch::kBool);
    best_state_ = torch::where(per_row(mask, batch_.y), batch_.y, best_state_);
  }
  const auto [accepted, sibling] = verification(step, torch::Tensor());
  if (accepted.defined()) {
    const auto read = host_copy(sibling.defined() ? torch::stack({accepted, sibling}) : accepted.unsqueeze(0));
    const bool* flag = read.data_ptr<bool>();
    for (int64_t r = 0; r < running; ++r) {
      if (flag[r]) code[size_t(r)] = static_cast<int8_t>(ChainStatus::Verified);
      else if (sibling.defined() && flag[running + r] && code[size_t(r)] == 0)
        code[size_t(r)] = static_cast<int8_t>(ChainStatus::SiblingVerified);
    }
  }
  if (after_step && rules_.plateau_steps > 0) {
    const int64_t* used = restarts_used_.data_ptr<int64_t>();
    for (int64_t r = 0; r < running; ++r)
      if (code[size_t(r)] == 0 && step - last_progress[r] >= rules_.plateau_steps)
        code[size_t(r)] = used[r] < rules_.restarts ? kRestart : static_cast<int8_t>(ChainStatus::Plateau);
  }
  return code;
}

void ChainEngine::settle(int64_t step, bool after_step, const std::unordered_set<int64_t>& leaving,
                         const ChainSink& sink) {
  const int64_t running = rows();
  if (running == 0) return;
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(device_);
  const std::vector<int8_t> codes = verdicts_on_host() ? host_verdicts(step, after_step) : device_verdicts(step, after_step);
  const int8_t* code_of = codes.data();
  std::vector<int64_t> kept, stopped, restarted;
  std::vector<ChainStatus> statuses;
  for (int64_t r = 0; r < running; ++r) {
    const int8_t c = code_of[r];
    const bool leaves = !leaving.empty() && leaving.count(host_ids_[r] / chains_) > 0;
    if (c > 0 || leaves) {
      stopped.push_back(r);
      statuses.push_back(c > 0 ? static_cast<ChainStatus>(c) : ChainStatus::Running);
      continue;
    }
    kept.push_back(r);
    if (c == kRestart) restarted.push_back(r);
  }
  if (stopped.empty() && restarted.empty()) return;
  if (!restarted.empty()) {
    auto can_restart = torch::zeros({running}, long_options.dtype(torch::kBool));
    can_restart.index_fill_(0, on_device(restarted, device_), true);
    restart(restarted, can_restart, step);
  }
  if (stopped.empty()) return;
  const auto code = torch::from_blob(const_cast<int8_t*>(codes.data()), {running}, torch::kChar).to(device_, false, true);
  stop(stopped, statuses, code, step, sink);
  keep(kept);
}

void ChainEngine::restart(const std::vector<int64_t>& restarted, const torch::Tensor& mask, int64_t step) {
  auto restart_rows = on_device(restarted, device_);
  auto chain_rows = ids_.index_select(0, restart_rows);
  auto problem_rows = chain_rows.div(chains_, "floor");
  // Fresh states from each group's generator, for its rows in row order (groups follow one another).
  std::vector<torch::Tensor> states;
  const auto ranges = group_rows();
  size_t at = 0;
  for (size_t g = 0; g < groups_.size() && at < restarted.size(); ++g) {
    size_t end = at;
    while (end < restarted.size() && restarted[end] < ranges[g].second) ++end;
    if (end == at) continue;
    auto local = problem_rows.narrow(0, int64_t(at), int64_t(end - at)) - groups_[g].first_problem;
    states.push_back(initial_states(groups_[g], local));
    at = end;
  }
  Target restarted_target = target_.select_rows(restart_rows);
  ChainBatch fresh;
  fresh.y = restarted_target.finalize(states.size() == 1 ? states.front() : torch::cat(states));
  const int64_t before = target_.evaluations();
  evaluate_chains(restarted_target, fresh, sampler_.needs_gradient());
  const double spent = double(target_.evaluations() - before) / double(restarted.size());
  evaluations_.index_add_(0, restart_rows, torch::full({restart_rows.size(0)}, spent, evaluations_.options()));
  batch_.y = batch_.y.index_copy(0, restart_rows, fresh.y);
  batch_.energy = batch_.energy.index_copy(0, restart_rows, fresh.energy);
  if (batch_.gradient.defined()) batch_.gradient = batch_.gradient.index_copy(0, restart_rows, fresh.gradient);
  sampler_.reset_rows(mask, target_, batch_);
  restarts_used_.index_add_(0, restart_rows, torch::ones_like(restart_rows));
  last_progress_.index_fill_(0, restart_rows, step);
  restarts_ += restart_rows.size(0);
}

void ChainEngine::flush_evaluations() {
  if (pending_evaluations_per_row_ == 0.0) return;
  evaluations_.add_(pending_evaluations_per_row_);
  pending_evaluations_per_row_ = 0.0;
}

void ChainEngine::stop(const std::vector<int64_t>& stopped, const std::vector<ChainStatus>& statuses,
                       const torch::Tensor& codes, int64_t step, const ChainSink& sink) {
  flush_evaluations();
  auto rows = on_device(stopped, device_);
  ChainExit exit;
  for (int64_t r : stopped) exit.chain_ids.push_back(host_ids_[r]);
  exit.statuses = statuses;
  exit.ids = ids_.index_select(0, rows);
  exit.status = codes.index_select(0, rows).to(torch::kLong);
  // The verifier's state is a verified chain's result; without best tracking a chain's last finite
  // state is (its energy is finite unless it failed).
  auto use_last = exit.status == static_cast<int64_t>(ChainStatus::Verified);
  if (!rules_.track_best) use_last = use_last | torch::isfinite(batch_.energy.index_select(0, rows));
  exit.state = torch::where(per_row(use_last, batch_.y), batch_.y.index_select(0, rows),
                            best_state_.index_select(0, rows));
  exit.energy = torch::where(use_last, batch_.energy.index_select(0, rows), best_energy_.index_select(0, rows));
  exit.evaluations = evaluations_.index_select(0, rows);
  exit.step = step;
  if (sink) sink(exit);
}

void ChainEngine::keep(const std::vector<int64_t>& kept) {
  auto kept_rows = on_device(kept, device_);
  std::vector<int64_t> kept_ids;
  for (int64_t r : kept) kept_ids.push_back(host_ids_[r]);
  host_ids_ = std::move(kept_ids);
  ids_ = ids_.index_select(0, kept_rows);
  target_ = target_.select_rows(kept_rows);
  batch_ = batch_.select_rows(kept_rows);
  sampler_.keep_rows(kept_rows, target_);
  best_state_ = best_state_.index_select(0, kept_rows);
  best_energy_ = best_energy_.index_select(0, kept_rows);
  last_progress_ = last_progress_.index_select(0, kept_rows);
  restarts_used_ = restarts_used_.index_select(0, kept_rows);
  evaluations_ = evaluations_.index_select(0, kept_rows);
  // Groups without running rows are done.
  std::vector<Group> running;
  size_t r = 0;
  for (auto& group : groups_) {
    const int64_t end = (group.first_problem + group.problems) * chains_;
    bool any = false;
    while (r < host_ids_.size() && host_ids_[r] < end) {
      any = true;
      ++r;
    }
    if (any) running.push_back(std::move(group));
  }
  groups_ = std::move(running);
}

void ChainEngine::stop_all(int64_t step, const ChainSink& sink) {
  const int64_t running = rows();
  if (running == 0) return;
  std::vector<int64_t> all(running);
  for (int64_t r = 0; r < running; ++r) all[r] = r;
  const std::vector<ChainStatus> statuses(running, ChainStatus::Running);
  stop(all, statuses, torch::zeros({running}, torch::TensorOptions().dtype(torch::kChar).device(device_)), step, sink);
  keep({});
}

}  // namespace ebm
