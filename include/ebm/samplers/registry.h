// The sampler registry: builds samplers from text, and lists them.
//
// Spec grammar:   spec    := segment ('/' segment)*
//                 segment := name [':' key '=' value (',' key '=' value)*]
// The last segment is the base sampler; each earlier one wraps what follows it, outermost first:
//   "langevin:step=0.05,noise=0.01,steps=200"
//   "anneal:t_start=5,t_end=0.05/tempering:replicas=8/mala:step=0.02"
// Driver keys (steps, chains, evals, ms, tol, restarts, plateau, seed, ...) may stand in any
// segment; they set the DriverOptions returned beside the sampler.
#pragma once

#include "ebm/options.h"
#include "ebm/sampler.h"
#include "ebm/samplers/driver.h"

#include <string>
#include <vector>

namespace ebm {

struct SamplerSpec {
  SamplerPtr sampler;
  DriverOptions driver;
  std::string text;  // the canonical text: every option spelled out
};

// The longest spec text parse_sampler_spec accepts.
constexpr size_t kMaxSamplerSpecLength = 4096;

// Parses `text`; driver keys override `driver_defaults`. Throws std::invalid_argument, one line
// starting "sampler spec 'TEXT': ", naming the sampler, the key and the problem (unknown sampler,
// unknown key, a value outside the option's range, invalid option, text over kMaxSamplerSpecLength).
SamplerSpec parse_sampler_spec(const std::string& text, const DriverOptions& driver_defaults = {});

// Appends keys to the last segment of a spec: ("a/b:x=1", "steps=5") -> "a/b:x=1,steps=5",
// ("gwg", "steps=5") -> "gwg:steps=5". Later keys override earlier ones when parsed.
std::string with_driver_keys(const std::string& spec, const std::string& keys);

struct SamplerEntry {
  std::string name;
  std::string summary;     // one line
  bool wrapper = false;    // wraps a base sampler
  std::string spaces;      // answer spaces it works on
  std::vector<OptionInfo> options;
};

// Every registered sampler, in a stable order.
std::vector<SamplerEntry> sampler_catalogue();
// The driver's keys, defaults and meanings.
std::vector<OptionInfo> driver_option_infos();

}  // namespace ebm
