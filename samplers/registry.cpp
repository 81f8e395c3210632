#include "ebm/samplers/registry.h"

#include "samplers/annealing.h"
#include "samplers/discrete_langevin.h"
#include "samplers/gibbs_with_gradients.h"
#include "samplers/gradient_descent.h"
#include "samplers/hmc.h"
#include "samplers/langevin.h"
#include "samplers/mala.h"
#include "samplers/mixed.h"
#include "samplers/parallel_tempering.h"
#include "samplers/tabu_descent.h"

#include <functional>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace ebm {

namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct Registration {
  SamplerEntry entry;
  // Builds the sampler from its own keys; `inner` is the wrapped sampler (wrappers only).
  std::function<SamplerPtr(const KeyValues&, SamplerPtr inner)> build;
};

template <typename Options>
Options parse_options(const std::string& name, const KeyValues& values) {
  Options options;
  OptionSet set(name);
  options.bind(set);
  for (const auto& [key, value] : values) set.set(key, value);
  return options;
}

template <typename Options>
std::vector<OptionInfo> option_infos(const std::string& name) {
  Options options;
  OptionSet set(name);
  options.bind(set);
  return set.infos();
}

template <typename Options, typename Make>
Registration base_sampler(std::string name, std::string summary, std::string spaces, Make make) {
  auto infos = option_infos<Options>(name);
  return {{name, std::move(summary), false, std::move(spaces), infos},
          [name, make](const KeyValues& values, SamplerPtr inner) -> SamplerPtr {
            if (inner) throw std::invalid_argument(name + " is a base sampler and wraps nothing: put it last");
            return make(parse_options<Options>(name, values));
          }};
}

// A base sampler built as Sampler(options).
template <typename Sampler, typename Options>
Registration base_sampler(std::string name, std::string summary, std::string spaces) {
  return base_sampler<Options>(std::move(name), std::move(summary), std::move(spaces),
                               [](Options o) { return std::make_shared<Sampler>(o); });
}

template <typename Sampler, typename Options>
Registration wrapper_sampler(std::string name, std::string summary) {
  auto infos = option_infos<Options>(name);
  return {{name, std::move(summary), true, "any (as its base)", infos},
          [name](const KeyValues& values, SamplerPtr inner) -> SamplerPtr {
            if (!inner) throw std::invalid_argument(name + " wraps a base sampler: write " + name + ":...,/langevin:...");
            return std::make_shared<Sampler>(parse_options<Options>(name, values), inner);
          }};
}

const std::vector<Registration>& registrations() {
  static const std::vector<Registration> table = {
    base_sampler<GradientDescentSampler, GradientDescentOptions>(
        "gd", "gradient descent: plain, momentum, Nesterov; mirror descent on simplices", "real, categorical"),
    base_sampler<LangevinSampler, LangevinOptions>(
        "langevin", "unadjusted Langevin algorithm (ULA)", "real, categorical"),
    base_sampler<MalaSampler, MalaOptions>(
        "mala", "Metropolis-adjusted Langevin (exact at any step size)", "real, categorical"),
    base_sampler<HmcSampler, HmcOptions>("hmc", "Hamiltonian Monte Carlo, leapfrog integrator", "real, categorical"),
    base_sampler<GibbsWithGradientsSampler, GibbsWithGradientsOptions>(
        "gwg", "Gibbs-with-gradients: one gradient-chosen variable per step, MH-corrected", "one-hot"),
    base_sampler<DiscreteLangevinOptions>(
        "dula", "discrete unadjusted Langevin: all variables move at once", "one-hot",
        [](DiscreteLangevinOptions o) { return std::make_shared<DiscreteLangevinSampler>(o, false); }),
    base_sampler<DiscreteLangevinOptions>(
        "dmala", "discrete Metropolis-adjusted Langevin", "one-hot",
        [](DiscreteLangevinOptions o) { return std::make_shared<DiscreteLangevinSampler>(o, true); }),
    base_sampler<TabuDescentSampler, TabuDescentOptions>(
        "tabu", "tabu descent: the gradient's best single-variable change each step, recent reversals barred", "one-hot"),
    base_sampler<MixedSampler, MixedOptions>(
        "mixed", "mixed answers: MH-tested gradient-informed choice moves + projected gradient steps on the values",
        "mixed"),
    wrapper_sampler<AnnealingSampler, AnnealingOptions>(
        "anneal", "annealing of temperature, step size and an energy weight around a base sampler"),
    wrapper_sampler<ParallelTemperingSampler, ParallelTemperingOptions>(
        "tempering", "parallel tempering (replica exchange) around a base sampler"),
  };
  return table;
}

const Registration& find(const std::string& name) {
  for (const auto& r : registrations())
    if (r.entry.name == name) return r;
  std::ostringstream known;
  for (const auto& r : registrations()) known << (known.tellp() > 0 ? ", " : "") << r.entry.name;
  throw std::invalid_argument("unknown sampler " + excerpt(name) + " (known: " + known.str() + ")");
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

SamplerSpec parse_checked_spec(const std::string& text, const DriverOptions& driver_defaults) {
  SamplerSpec spec;
  spec.driver = driver_defaults;
  OptionSet driver_keys("driver");
  spec.driver.bind(driver_keys);
  auto segments = split(text, '/');
  if (trim(text).empty()) throw std::invalid_argument("empty sampler spec (try 'langevin' or 'gd:step=0.1')");

  std::vector<std::pair<const Registration*, KeyValues>> parsed;
  for (const auto& raw : segments) {
    const std::string segment = trim(raw);
    if (segment.empty()) throw std::invalid_argument("empty segment between '/'");
    const auto colon = segment.find(':');
    const std::string name = trim(segment.substr(0, colon));
    const Registration& registration = find(name);
    KeyValues own;
    if (colon != std::string::npos) {
      for (const auto& item : split(segment.substr(colon + 1), ',')) {
        if (trim(item).empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos)
          throw std::invalid_argument(name + ": expected key=value, got " + excerpt(trim(item)));
        const std::string key = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
        if (driver_keys.has(key)) driver_keys.set(key, value);
        else own.emplace_back(key, value);
      }
    }
    parsed.emplace_back(&registration, std::move(own));
  }
  SamplerPtr inner;
  for (auto it = parsed.rbegin(); it != parsed.rend(); ++it) inner = it->first->build(it->second, inner);
  std::string error;
  if (!spec.driver.is_valid(&error)) throw std::invalid_argument("driver: " + error);
  spec.sampler = inner;
  spec.text = inner->describe();
  return spec;
}

}  // namespace

SamplerSpec parse_sampler_spec(const std::string& text, const DriverOptions& driver_defaults) {
  if (text.size() > kMaxSamplerSpecLength)
    throw std::invalid_argument("sampler spec " + excerpt(text) + ": longer than " +
                                std::to_string(kMaxSamplerSpecLength) + " characters");
  try {
    return parse_checked_spec(text, driver_defaults);
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument("sampler spec " + excerpt(text, 80) + ": " + error.what());
  }
}

std::string with_driver_keys(const std::string& spec, const std::string& keys) {
  const auto slash = spec.rfind('/');
  const auto last = slash == std::string::npos ? 0 : slash;
  return spec + (spec.find(':', last) == std::string::npos ? ":" : ",") + keys;
}

std::vector<SamplerEntry> sampler_catalogue() {
  std::vector<SamplerEntry> entries;
  for (const auto& r : registrations()) entries.push_back(r.entry);
  return entries;
}

std::vector<OptionInfo> driver_option_infos() { return option_infos<DriverOptions>("driver"); }

}  // namespace ebm
