// Costs of authentication: argon2id at the default cost (login, a first Basic check),
// HS256 verification (every Bearer request) and a remembered Basic check.
#include <benchmark/benchmark.h>

#include "auth/jwt.h"
#include "auth/password.h"

namespace kalam::auth {
namespace {

void BM_HashPasswordDefaultCost(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(HashPassword("correct horse battery"));
}
BENCHMARK(BM_HashPasswordDefaultCost)->Unit(benchmark::kMillisecond);

void BM_VerifyPasswordDefaultCost(benchmark::State& state) {
  const std::string hash = *HashPassword("correct horse battery");
  for (auto _ : state)
    benchmark::DoNotOptimize(VerifyPassword(hash, "correct horse battery"));
}
BENCHMARK(BM_VerifyPasswordDefaultCost)->Unit(benchmark::kMillisecond);

void BM_JwtVerify(benchmark::State& state) {
  const JwtCodec codec(std::string(32, 'k'), "kalamdb", {}, 30);
  const std::string token = codec.Sign({.subject = "u_0123456789abcdef",
                                        .issuer = "kalamdb",
                                        .username = "alice",
                                        .role = "user",
                                        .issued_at = 1'800'000'000,
                                        .expires_at = 1'800'003'600});
  for (auto _ : state)
    benchmark::DoNotOptimize(codec.Verify(token, 1'800'000'100));
}
BENCHMARK(BM_JwtVerify)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace kalam::auth

BENCHMARK_MAIN();
