// Times torch::randn / torch::rand against ebm::NoiseSource on CPU: ns per element, best of 7
// repetitions, one thread by default. Not part of the build:
//
//   g++ -std=c++17 -O3 -fopenmp -I. -isystem /usr/include/torch/csrc/api/include
//       bench/noise_bench.cpp ebm/runtime/noise.cpp ebm/runtime/noise_kernels_generic.cpp noise_kernels_avx2.o
//       -ltorch -ltorch_cpu -lc10 -o /tmp/noise_bench && /tmp/noise_bench [threads]
//
// (noise_kernels_avx2.o compiled with the flags in ebm/meson.build; or link build/libebm.so.) EBM_NOISE_KERNELS=generic,
// avx2 or avx512 forces a kernel; the default is the best the CPU runs.
#include "ebm/noise.h"
#include "ebm/runtime/noise_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace {

double ns_per_element(const std::function<torch::Tensor()>& draw, int64_t elements) {
  const int calls = static_cast<int>(std::max<int64_t>(3, 50000000 / elements));
  double best = 1e300;
  for (int rep = 0; rep < 7; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) draw();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, ns / (static_cast<double>(calls) * static_cast<double>(elements)));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  at::set_num_threads(threads);
  omp_set_num_threads(threads);
  std::printf("threads %d, kernels %s\n", at::get_num_threads(), ebm::noise_kernels::best_kernels().name);
  std::printf("%-12s %-7s %-8s %10s %10s %8s\n", "shape", "dtype", "dist", "torch", "ebm", "speedup");
  const std::vector<std::vector<int64_t>> shapes = {{64, 729}, {4096, 729}};
  for (const auto& shape : shapes) {
    const int64_t elements = shape[0] * shape[1];
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
      for (bool normal : {true, false}) {
        auto generator = at::globalContext().defaultGenerator(torch::kCPU).clone();
        generator.set_current_seed(1);
        ebm::NoiseSource noise(1, torch::kCPU);
        const double t = ns_per_element(
            [&] {
              return normal ? torch::randn(shape, generator, torch::TensorOptions().dtype(dtype))
                            : torch::rand(shape, generator, torch::TensorOptions().dtype(dtype));
            },
            elements);
        const double e = ns_per_element([&] { return normal ? noise.normal(shape, dtype) : noise.uniform(shape, dtype); },
                                        elements);
        std::printf("%-12s %-7s %-8s %8.3f ns %7.3f ns %7.1fx\n",
                    (std::to_string(shape[0]) + "x" + std::to_string(shape[1])).c_str(),
                    dtype == torch::kFloat ? "float" : "double", normal ? "normal" : "uniform", t, e, t / e);
      }
    }
  }
  return 0;
}
