// NoiseSource and its kernels: Philox known answers, the documented stream layout, reproducibility
// (seed, thread count, kernel), distribution tests and the accuracy of the float/double maths.
#include "ebm/noise.h"
#include "ebm/runtime/noise_kernels.h"

#include <ATen/Parallel.h>
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

// Last: a LibTorch built with glog (Debian's) defines its own CHECK, which doctest's must replace.
#include <doctest/doctest.h>

using namespace ebm;
namespace nk = ebm::noise_kernels;

namespace {

std::vector<float> fill_f32(nk::FillF32 kernel, int64_t n, uint64_t seed, uint64_t first) {
  std::vector<float> v(static_cast<size_t>(n));
  kernel(v.data(), n, seed, first);
  return v;
}
std::vector<double> fill_f64(nk::FillF64 kernel, int64_t n, uint64_t seed, uint64_t first) {
  std::vector<double> v(static_cast<size_t>(n));
  kernel(v.data(), n, seed, first);
  return v;
}

// Every kernel this CPU runs: generic, then avx2 and avx512 where available.
std::vector<const nk::FillKernels*> available_kernels() {
  std::vector<const nk::FillKernels*> all = {&nk::generic_kernels()};
  if (nk::avx2_kernels()) all.push_back(nk::avx2_kernels());
  if (nk::avx512_kernels()) all.push_back(nk::avx512_kernels());
  return all;
}

// The four words of block b under seed s, from the reference Philox.
void block_words(uint64_t seed, uint64_t b, uint32_t x[4]) {
  const uint32_t ctr[4] = {static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32), 0, 0};
  const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  nk::philox4x32_10(ctr, key, x);
}

// Worst |z - z_exact| / r over 128000 float and 32000 double normals of `kernels`, z_exact the
// Box-Muller transform in long double of the same u1 and angle, r the pair's radius.
struct BoxMullerErrors {
  double f32 = 0.0, f64 = 0.0;
};
BoxMullerErrors box_muller_errors(const nk::FillKernels& kernels, uint64_t seed) {
  const int64_t n_f = 32 * 4000, n_d = 8 * 4000;
  const auto zf = fill_f32(kernels.normal_f32, n_f, seed, 0);
  const auto zd = fill_f64(kernels.normal_f64, n_d, seed, 0);
  const long double two_pi = 6.283185307179586476925286766559L;
  BoxMullerErrors worst;
  for (int64_t i = 0; i < n_f; ++i) {
    uint32_t x[4];
    const int64_t g = i / 32, part = (i % 32) / 8, b = i % 8;
    block_words(seed, static_cast<uint64_t>(g * 8 + b), x);
    const uint32_t xa = x[part < 2 ? 0 : 2], xb = x[part < 2 ? 1 : 3];
    const float u1 = static_cast<float>(static_cast<int32_t>((xa >> 1) | 1u)) * 0x1p-31f;
    const long double r = std::sqrt(-2.0L * std::log(static_cast<long double>(u1)));
    const long double t = two_pi * static_cast<long double>(xb) * 0x1p-32L;
    const long double z = r * (part % 2 == 0 ? std::cos(t) : std::sin(t));
    worst.f32 = std::max(worst.f32, static_cast<double>(std::fabs(zf[static_cast<size_t>(i)] - z) / std::max(r, 1e-3L)));
  }
  for (int64_t i = 0; i < n_d; ++i) {
    uint32_t x[4];
    const int64_t g = i / 8, part = (i % 8) / 4, b = i % 4;
    block_words(seed, static_cast<uint64_t>(g * 4 + b), x);
    const double u1 = 1.0 - (static_cast<double>(x[0]) * 0x1p-32 + static_cast<double>(x[1] >> 11) * 0x1p-53);
    const uint64_t k = ((static_cast<uint64_t>(x[2]) << 32) | x[3]) >> 11;
    const long double r = std::sqrt(-2.0L * std::log(static_cast<long double>(u1)));
    const long double t = two_pi * static_cast<long double>(k) * 0x1p-53L;
    const long double z = r * (part == 0 ? std::cos(t) : std::sin(t));
    worst.f64 = std::max(worst.f64, static_cast<double>(std::fabs(zd[static_cast<size_t>(i)] - z) / std::max(r, 1e-3L)));
  }
  return worst;
}

struct Moments {
  double mean = 0, variance = 0, skewness = 0, excess_kurtosis = 0;
};
Moments moments(const torch::Tensor& t) {
  auto x = t.to(torch::kDouble).flatten();
  Moments m;
  m.mean = x.mean().item<double>();
  auto d = x - m.mean;
  m.variance = d.pow(2).mean().item<double>();
  m.skewness = d.pow(3).mean().item<double>() / std::pow(m.variance, 1.5);
  m.excess_kurtosis = d.pow(4).mean().item<double>() / (m.variance * m.variance) - 3.0;
  return m;
}

// Kolmogorov-Smirnov distance between the sample and N(0, 1).
double ks_normal(const torch::Tensor& t) {
  auto sorted = std::get<0>(t.to(torch::kDouble).flatten().sort());
  const double* x = sorted.data_ptr<double>();
  const int64_t n = sorted.numel();
  double d = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double f = 0.5 * std::erfc(-x[i] / std::sqrt(2.0));
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

double lag1_autocorrelation(const torch::Tensor& t) {
  auto x = t.to(torch::kDouble).flatten();
  auto d = x - x.mean();
  const int64_t n = d.numel();
  return (d.slice(0, 0, n - 1) * d.slice(0, 1, n)).mean().item<double>() / d.pow(2).mean().item<double>();
}

}  // namespace

TEST_SUITE("core") {
  TEST_CASE("noise: Philox4x32-10 known-answer vectors (Random123 kat_vectors)") {
    struct Kat {
      uint32_t ctr[4], key[2], out[4];
    };
    const Kat kats[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (const Kat& kat : kats) {
      uint32_t out[4];
      nk::philox4x32_10(kat.ctr, kat.key, out);
      for (int w = 0; w < 4; ++w) CHECK(out[w] == kat.out[w]);
    }
  }

  TEST_CASE("noise: kernels follow the documented stream layout") {
    const uint64_t seed = 0x0123456789abcdefull, first = (uint64_t{1} << 32) - 5;  // counter crosses 2^32
    for (const nk::FillKernels* k : available_kernels()) {
      CAPTURE(std::string(k->name));
      const int64_t n = 300;  // whole groups and a cut-short one; several SIMD iterations
      auto uf = fill_f32(k->uniform_f32, n, seed, first);
      auto ud = fill_f64(k->uniform_f64, n, seed, first);
      for (int64_t i = 0; i < n; ++i) {
        uint32_t x[4];
        const int64_t g = i / 32, w = (i % 32) / 8, b = i % 8;
        block_words(seed, first + static_cast<uint64_t>(g * 8 + b), x);
        CHECK(uf[static_cast<size_t>(i)] == static_cast<float>(x[w] >> 9) * 0x1p-23f + 0x1p-24f);
        const int64_t gd = i / 8, hd = (i % 8) / 4, bd = i % 4;
        block_words(seed, first + static_cast<uint64_t>(gd * 4 + bd), x);
        const double expected =
            static_cast<double>(x[2 * hd]) * 0x1p-32 + static_cast<double>(x[2 * hd + 1] >> 12) * 0x1p-52 + 0x1p-53;
        CHECK(ud[static_cast<size_t>(i)] == expected);
      }
      // A fill cut at a group boundary continues where the whole fill would.
      auto whole = fill_f32(k->normal_f32, 1000, seed, first);
      auto tail = fill_f32(k->normal_f32, 1000 - 96, seed, first + 24);
      CHECK(std::equal(tail.begin(), tail.end(), whole.begin() + 96));
      auto whole_d = fill_f64(k->normal_f64, 1000, seed, first);
      auto tail_d = fill_f64(k->normal_f64, 1000 - 40, seed, first + 20);
      CHECK(std::equal(tail_d.begin(), tail_d.end(), whole_d.begin() + 40));
      // Every prefix is a prefix of the longer fill, whatever the length.
      for (int64_t len : {1, 3, 7, 31, 33, 63, 65, 191, 193, 500}) {
        auto part = fill_f32(k->normal_f32, len, seed, first);
        CHECK(std::equal(part.begin(), part.end(), whole.begin()));
        auto part_d = fill_f64(k->normal_f64, len, seed, first);
        CHECK(std::equal(part_d.begin(), part_d.end(), whole_d.begin()));
      }
    }
  }

  TEST_CASE("noise: normals match a long-double Box-Muller of the same bits") {
    for (const nk::FillKernels* kernels : available_kernels()) {
      CAPTURE(std::string(kernels->name));
      const BoxMullerErrors e = box_muller_errors(*kernels, 99);
      MESSAGE(std::string(kernels->name) << ": worst |z - exact| / r: float " << e.f32 << ", double " << e.f64);
      CHECK(e.f32 < 3e-7);
      CHECK(e.f64 < 4e-16);
    }
  }

  TEST_CASE("noise: the kernels agree (generic within rounding, AVX2 and AVX-512 bit for bit)") {
    const nk::FillKernels& generic = nk::generic_kernels();
    std::vector<const nk::FillKernels*> simd;
    if (nk::avx2_kernels()) simd.push_back(nk::avx2_kernels());
    if (nk::avx512_kernels()) simd.push_back(nk::avx512_kernels());
    if (simd.empty()) MESSAGE("no AVX2 on this CPU/build: only the generic kernel ran");
    const int64_t n = 100003;
    for (uint64_t seed : {uint64_t{0}, uint64_t{7}, ~uint64_t{0}}) {
      const auto a = fill_f32(generic.normal_f32, n, seed, 12345);
      const auto c = fill_f64(generic.normal_f64, n, seed, 12345);
      const auto e = fill_f32(generic.uniform_f32, n, seed, 12345);
      const auto g = fill_f64(generic.uniform_f64, n, seed, 12345);
      for (const nk::FillKernels* k : simd) {
        CAPTURE(std::string(k->name));
        const auto b = fill_f32(k->normal_f32, n, seed, 12345);
        const auto d = fill_f64(k->normal_f64, n, seed, 12345);
        double worst_f = 0.0, worst_d = 0.0;
        for (size_t i = 0; i < a.size(); ++i) {
          worst_f = std::max(worst_f, static_cast<double>(std::fabs(a[i] - b[i])));
          worst_d = std::max(worst_d, std::fabs(c[i] - d[i]));
        }
        CHECK(worst_f <= 1e-5);   // fused multiply-adds in the SIMD kernels only
        CHECK(worst_d <= 1e-12);
        CHECK(fill_f32(k->uniform_f32, n, seed, 12345) == e);  // uniforms are exact everywhere
        CHECK(fill_f64(k->uniform_f64, n, seed, 12345) == g);
        if (k != simd.front()) {
          CHECK(b == fill_f32(simd.front()->normal_f32, n, seed, 12345));
          CHECK(d == fill_f64(simd.front()->normal_f64, n, seed, 12345));
        }
      }
    }
  }

  TEST_CASE("noise: reproducible by seed; successive calls and seeds differ") {
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
      NoiseSource a(42, torch::kCPU), b(42, torch::kCPU), c(43, torch::kCPU);
      auto a1 = a.normal({64, 729}, dtype), a2 = a.normal({64, 729}, dtype);
      auto b1 = b.normal({64, 729}, dtype), b2 = b.normal({64, 729}, dtype);
      auto c1 = c.normal({64, 729}, dtype);
      CHECK(torch::equal(a1, b1));
      CHECK(torch::equal(a2, b2));
      CHECK(!torch::equal(a1, a2));
      CHECK(!torch::equal(a1, c1));
      CHECK((a1 == a2).sum().item<int64_t>() < 10);
      CHECK((a1 == c1).sum().item<int64_t>() < 10);
      const double corr = torch::corrcoef(torch::stack({a1.flatten(), c1.flatten()}).to(torch::kDouble))[0][1].item<double>();
      CHECK(std::fabs(corr) < 0.02);
      // Seeds that differ only in their high 32 bits (the second key word) differ too.
      NoiseSource high(42 + (uint64_t{1} << 32), torch::kCPU);
      CHECK((high.normal({64, 729}, dtype) == a1).sum().item<int64_t>() < 10);
      CHECK(a.seed() == 42);
      CHECK(a.draws() == 2 * nk::blocks_for(64 * 729, dtype == torch::kDouble));
      CHECK(a1.dtype() == dtype);
      CHECK(a1.sizes() == torch::IntArrayRef({64, 729}));
      CHECK(a1.is_contiguous());
      auto u1 = a.uniform({1000}, dtype), u2 = b.uniform({1000}, dtype);
      CHECK(torch::equal(u1, u2));
      CHECK(a.draws() == b.draws());
    }
  }

  TEST_CASE("noise: the same values for 1 and 2 threads, and for one unchunked fill") {
    const int before = at::get_num_threads();  // NoiseSource's OpenMP loop uses at::get_num_threads()
    const int64_t n = 3 * 65536 + 1001;         // above the 64k chunk, with a ragged last chunk
    at::set_num_threads(1);
    NoiseSource one(5, torch::kCPU);
    auto f1 = one.normal({n}, torch::kFloat), d1 = one.normal({n}, torch::kDouble);
    auto uf1 = one.uniform({n}, torch::kFloat), ud1 = one.uniform({n}, torch::kDouble);
    at::set_num_threads(2);
    NoiseSource two(5, torch::kCPU);
    auto f2 = two.normal({n}, torch::kFloat), d2 = two.normal({n}, torch::kDouble);
    auto uf2 = two.uniform({n}, torch::kFloat), ud2 = two.uniform({n}, torch::kDouble);
    at::set_num_threads(before);
    CHECK(torch::equal(f1, f2));
    CHECK(torch::equal(d1, d2));
    CHECK(torch::equal(uf1, uf2));
    CHECK(torch::equal(ud1, ud2));
    auto whole = fill_f32(nk::best_kernels().normal_f32, n, 5, 0);
    CHECK(std::memcmp(whole.data(), f1.data_ptr<float>(), whole.size() * sizeof(float)) == 0);
    auto whole_d = fill_f64(nk::best_kernels().normal_f64, n, 5, nk::blocks_for(n, false));
    CHECK(std::memcmp(whole_d.data(), d1.data_ptr<double>(), whole_d.size() * sizeof(double)) == 0);
  }

  TEST_CASE("noise: moments, pair independence and Kolmogorov-Smirnov of the normals") {
    NoiseSource noise(2024, torch::kCPU);
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
      CAPTURE(dtype);
      auto z = noise.normal({1000000}, dtype);
      const Moments m = moments(z);
      CHECK(std::fabs(m.mean) < 0.005);
      CHECK(std::fabs(m.variance - 1.0) < 0.01);
      CHECK(std::fabs(m.skewness) < 0.03);
      CHECK(std::fabs(m.excess_kurtosis) < 0.03);
      // The two normals of a Box-Muller pair are independent: their squares are uncorrelated.
      const int64_t half = dtype == torch::kFloat ? 8 : 4;
      auto grouped = z.to(torch::kDouble).view({-1, 2, half});
      auto a = grouped.select(1, 0).pow(2).flatten(), b = grouped.select(1, 1).pow(2).flatten();
      const double corr = ((a - a.mean()) * (b - b.mean())).mean().item<double>() / (a.std(false) * b.std(false)).item<double>();
      CHECK(std::fabs(corr) < 0.01);
      const double d = ks_normal(noise.normal({100000}, dtype));
      CHECK(d < 1.6276 / std::sqrt(100000.0));  // 1% critical value
    }
  }

  TEST_CASE("noise: uniforms lie in (0, 1) with mean 1/2 and no lag-1 correlation") {
    NoiseSource noise(11, torch::kCPU);
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
      CAPTURE(dtype);
      auto u = noise.uniform({1000000}, dtype);
      CHECK(u.min().item<double>() > 0.0);
      CHECK(u.max().item<double>() < 1.0);
      CHECK(std::fabs(u.mean().item<double>() - 0.5) < 0.002);
      CHECK(std::fabs(u.to(torch::kDouble).var(false).item<double>() - 1.0 / 12) < 0.001);
      CHECK(std::fabs(lag1_autocorrelation(u)) < 0.005);
      // Chi-square over 1000 equal bins, 999 degrees of freedom: 1% critical value 1106.
      auto counts = torch::histc(u.to(torch::kDouble), 1000, 0.0, 1.0);
      const double chi2 = ((counts - 1000.0).pow(2) / 1000.0).sum().item<double>();
      CHECK(chi2 < 1106.0);
      // Lag 8 and 32 cross groups and words of a block.
      auto x = u.to(torch::kDouble);
      for (int64_t lag : {8, 32}) {
        auto d = x - x.mean();
        const double r = (d.slice(0, 0, -lag) * d.slice(0, lag)).mean().item<double>() / d.pow(2).mean().item<double>();
        CHECK(std::fabs(r) < 0.005);
      }
    }
  }

  TEST_CASE("noise: no NaN or Inf in 1e7 normals; bounded tails") {
    NoiseSource noise(123456789, torch::kCPU);
    auto z = noise.normal({10000000}, torch::kFloat);
    CHECK(torch::isfinite(z).all().item<bool>());
    CHECK(z.abs().max().item<double>() <= 6.56);
    auto zd = noise.normal({1000000}, torch::kDouble);
    CHECK(torch::isfinite(zd).all().item<bool>());
    CHECK(zd.abs().max().item<double>() <= 8.58);
  }

  TEST_CASE("noise: odd sizes, memory formats, other dtypes, requires_grad, bad requests") {
    NoiseSource noise(3, torch::kCPU);
    for (int64_t n : {1, 3, 7}) {
      for (auto dtype : {torch::kFloat, torch::kDouble}) {
        auto z = noise.normal({n}, dtype);
        CHECK(z.numel() == n);
        CHECK(torch::isfinite(z).all().item<bool>());
        auto u = noise.uniform({n, 1}, dtype);
        CHECK(u.sizes() == torch::IntArrayRef({n, 1}));
        CHECK(u.min().item<double>() > 0.0);
      }
    }
    const uint64_t before = noise.draws();
    CHECK(noise.normal({0, 5}, torch::kFloat).numel() == 0);
    CHECK(noise.draws() == before);
    CHECK(noise.normal({}, torch::kFloat).dim() == 0);

    // A channels-last request is dense but not contiguous; every element is filled.
    auto cl = noise.normal({4, 3, 5, 7}, torch::TensorOptions().dtype(torch::kFloat).memory_format(at::MemoryFormat::ChannelsLast));
    CHECK(cl.is_contiguous(at::MemoryFormat::ChannelsLast));
    CHECK(!cl.is_contiguous());
    CHECK(torch::isfinite(cl).all().item<bool>());
    CHECK((cl == 0).sum().item<int64_t>() == 0);
    // Slices of a drawn tensor are ordinary views.
    auto strided = noise.normal({16, 16}, torch::kDouble).t().slice(0, 0, 16, 3);
    CHECK(!strided.is_contiguous());
    CHECK(torch::isfinite(strided).all().item<bool>());

    auto h = noise.normal({1000}, torch::kHalf);
    CHECK(h.dtype() == torch::kHalf);
    CHECK(std::fabs(h.to(torch::kFloat).mean().item<double>()) < 0.15);
    auto bf = noise.uniform({1000}, torch::kBFloat16);
    CHECK(bf.dtype() == torch::kBFloat16);
    auto g = noise.normal({5}, torch::TensorOptions().dtype(torch::kFloat).requires_grad(true));
    CHECK(g.requires_grad());

    CHECK_THROWS_AS(noise.normal({3}, torch::kInt), std::invalid_argument);
    CHECK_THROWS_AS(noise.uniform({3}, torch::kLong), std::invalid_argument);
    CHECK_THROWS_AS(noise.normal({3}, torch::TensorOptions().dtype(torch::kFloat).device(torch::kCUDA)),
                    std::invalid_argument);
  }
}
