// Costs of authentication: argon2id at the default cost (login, a first Basic check),
// HS256 verification (every Bearer request) and a remembered Basic check.
#include <memory>

#include <benchmark/benchmark.h>

#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "auth/password.h"
#include "common/base64.h"
#include "tests/testing/test_util.h"

namespace kalam::auth {
namespace {

const ClientOrigin kLocal{.address = "127.0.0.1", .loopback = true};

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

// The whole per-request check of the SQL route, as the server runs it: an Authenticator
// over a real catalog, a user with a password at the default cost.
class AuthenticatorFixture : public benchmark::Fixture {
 public:
  void SetUp(benchmark::State&) override {
    dir_ = std::make_unique<testing::TempDir>();
    kv_ = *storage::OpenRocksKvStore(dir_->str(), {});
    catalog_ = *catalog::Catalog::Open(*kv_, clock_, {});
    auth_ = std::make_unique<Authenticator>(*catalog_, jwt_, AuthOptions{}, clock_);
    (void)auth_->Load();
    const catalog::UserRecord alice = *auth_->CreateUser(
        {.username = "alice", .password = "alice-secret-1", .role = catalog::Role::kUser});
    basic_ = "Basic " + Base64Encode("alice:alice-secret-1");
    (void)auth_->Authenticate(basic_, kLocal);  // verified once, then remembered
    bearer_ =
        "Bearer " + auth_->IssueTokens({alice.user_id, alice.username, alice.role}).access_token;
  }
  void TearDown(benchmark::State&) override {
    auth_.reset();
    catalog_.reset();
    kv_.reset();
    dir_.reset();
  }

 protected:
  SystemClock clock_;
  JwtCodec jwt_{std::string(32, 'k'), "kalamdb", {}, 30};
  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<Authenticator> auth_;
  std::string basic_;
  std::string bearer_;
};

BENCHMARK_DEFINE_F(AuthenticatorFixture, RememberedBasicRequest)(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(auth_->Authenticate(basic_, kLocal));
}
BENCHMARK_REGISTER_F(AuthenticatorFixture, RememberedBasicRequest)->Unit(benchmark::kMicrosecond);

BENCHMARK_DEFINE_F(AuthenticatorFixture, BearerRequest)(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(auth_->Authenticate(bearer_, kLocal));
}
BENCHMARK_REGISTER_F(AuthenticatorFixture, BearerRequest)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace kalam::auth

BENCHMARK_MAIN();
