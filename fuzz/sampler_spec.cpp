// parse_sampler_spec: the text of --sampler, of `ebm serve`'s "sampler" field and of sweep files, to
// a built sampler (every option value validated by the sampler's own options struct) and the driver
// options. Property of accepted input: the canonical text it reports parses back to itself.
#include "fuzz/fuzz_support.h"

#include "ebm/samplers/registry.h"

#include <torch/utils.h>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ebm::SamplerSpec spec;
  if (!ebm::fuzz::accepts([&] { spec = ebm::parse_sampler_spec(ebm::fuzz::bytes_text(data, size)); })) return 0;
  if (!spec.sampler) ebm::fuzz::property_failed("an accepted spec built no sampler");
  std::string again;
  try {
    again = ebm::parse_sampler_spec(spec.text).text;
  } catch (const std::exception& e) {
    ebm::fuzz::property_failed("canonical text '" + spec.text + "' does not parse: " + e.what());
  }
  if (again != spec.text)
    ebm::fuzz::property_failed("canonical text '" + spec.text + "' parses back as '" + again + "'");
  return 0;
}
