#include "auth/authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/base64.h"
#include "tests/testing/test_util.h"

namespace kalam::auth {
namespace {

using ::testing::HasSubstr;

const ClientOrigin kLocal{.address = "127.0.0.1", .loopback = true};
const ClientOrigin kRemote{.address = "203.0.113.9"};

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(kv_, storage::OpenRocksKvStore(dir_.str(), {}));
    ASSERT_OK_AND_ASSIGN(catalog_, catalog::Catalog::Open(*kv_, clock_, {}));
    Reload();
  }
  void Reload() {
    auth_ = std::make_unique<Authenticator>(
        *catalog_, jwt_, AuthOptions{.hash_cost = {.ops_limit = 1, .mem_limit_bytes = 8u << 10}},
        clock_);
    ASSERT_OK(auth_->Load());
  }

  static std::string Basic(std::string_view user, std::string_view password) {
    return "Basic " + Base64Encode(std::string(user) + ":" + std::string(password));
  }
  AuthErrorCode ErrorOf(const AuthResult<Principal>& result) {
    const auto* error = std::get_if<AuthError>(&result);
    EXPECT_NE(error, nullptr) << "expected an auth error";
    return error == nullptr ? AuthErrorCode::kMissingAuthorization : error->code;
  }
  Principal PrincipalOf(const AuthResult<Principal>& result) {
    const auto* error = std::get_if<AuthError>(&result);
    EXPECT_EQ(error, nullptr) << (error != nullptr ? error->message : "");
    return error == nullptr ? std::get<Principal>(result) : Principal{};
  }

  testing::TempDir dir_;
  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))};
  JwtCodec jwt_{std::string(32, 'k'), "kalamdb", {}, 30};
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthenticatorTest, RootWithoutPasswordOnlyFromLoopback) {
  EXPECT_EQ(PrincipalOf(auth_->Authenticate(Basic("root", ""), kLocal)).role,
            catalog::Role::kSystem);
  EXPECT_EQ(ErrorOf(auth_->Authenticate(Basic("root", ""), kRemote)),
            AuthErrorCode::kRemoteAccessDenied);
  EXPECT_EQ(ErrorOf(auth_->Authenticate(Basic("root", "guess"), kLocal)),
            AuthErrorCode::kInvalidCredentials);
  EXPECT_TRUE(auth_->NeedsSetup());
}

TEST_F(AuthenticatorTest, HeaderErrors) {
  EXPECT_EQ(ErrorOf(auth_->Authenticate("", kLocal)), AuthErrorCode::kMissingAuthorization);
  EXPECT_EQ(ErrorOf(auth_->Authenticate("Digest abc", kLocal)),
            AuthErrorCode::kMalformedAuthorization);
  EXPECT_EQ(ErrorOf(auth_->Authenticate("Basic !!!", kLocal)),
            AuthErrorCode::kMalformedAuthorization);
  EXPECT_EQ(ErrorOf(auth_->Authenticate("Basic " + Base64Encode("nocolon"), kLocal)),
            AuthErrorCode::kMalformedAuthorization);
}

TEST_F(AuthenticatorTest, UnknownUserAndWrongPasswordLookTheSame) {
  ASSERT_OK(auth_->CreateUser({.username = "alice", .password = "alice-pass-1"}));
  const auto unknown = auth_->Authenticate(Basic("nobody", "alice-pass-1"), kRemote);
  const auto wrong = auth_->Authenticate(Basic("alice", "wrong-pass-1"), kRemote);
  ASSERT_TRUE(std::holds_alternative<AuthError>(unknown));
  ASSERT_TRUE(std::holds_alternative<AuthError>(wrong));
  EXPECT_EQ(std::get<AuthError>(unknown).code, std::get<AuthError>(wrong).code);
  EXPECT_EQ(std::get<AuthError>(unknown).message, std::get<AuthError>(wrong).message);
  EXPECT_EQ(PrincipalOf(auth_->Authenticate(Basic("alice", "alice-pass-1"), kRemote)).username,
            "alice");
}

TEST_F(AuthenticatorTest, RepeatedFailuresLockOutTheUserAndAddressForAWhile) {
  ASSERT_OK(auth_->CreateUser({.username = "alice", .password = "alice-pass-1"}));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ErrorOf(auth_->CheckPassword("alice", "bad", kRemote)),
              AuthErrorCode::kInvalidCredentials);
  }
  // Locked: even the right password is refused, from that address only.
  EXPECT_EQ(ErrorOf(auth_->CheckPassword("alice", "alice-pass-1", kRemote)),
            AuthErrorCode::kTooManyFailedLogins);
  EXPECT_EQ(PrincipalOf(auth_->CheckPassword("alice", "alice-pass-1", {.address = "198.51.100.1"}))
                .username,
            "alice");
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(PrincipalOf(auth_->CheckPassword("alice", "alice-pass-1", kRemote)).username, "alice");
}

TEST_F(AuthenticatorTest, FailuresOverManyNamesLockOutTheAddress) {
  ASSERT_OK(auth_->CreateUser({.username = "alice", .password = "alice-pass-1"}));
  for (int i = 0; i < 50; ++i) {  // the default max_failed_logins_per_address
    EXPECT_EQ(ErrorOf(auth_->CheckPassword("guess" + std::to_string(i), "bad", kRemote)),
              AuthErrorCode::kInvalidCredentials);
  }
  EXPECT_EQ(ErrorOf(auth_->CheckPassword("alice", "alice-pass-1", kRemote)),
            AuthErrorCode::kTooManyFailedLogins);
  EXPECT_EQ(ErrorOf(auth_->CheckPassword("", "", kRemote)), AuthErrorCode::kTooManyFailedLogins);
  EXPECT_EQ(PrincipalOf(auth_->CheckPassword("alice", "alice-pass-1", {.address = "198.51.100.1"}))
                .username,
            "alice");
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(PrincipalOf(auth_->CheckPassword("alice", "alice-pass-1", kRemote)).username, "alice");
}

TEST_F(AuthenticatorTest, OverlongNamesAreRefusedUncountedAndUnaudited) {
  const std::string name(65, 'n');
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(ErrorOf(auth_->CheckPassword(name, "x", kRemote)),
              AuthErrorCode::kMalformedAuthorization);
  }
  const auto basic = auth_->Authenticate(Basic(name, "x"), kRemote);
  ASSERT_EQ(ErrorOf(basic), AuthErrorCode::kMalformedAuthorization);
  EXPECT_EQ(std::get<AuthError>(basic).attempted_user, "");  // nothing for the audit log
  // Not counted: the real user's lockout was not advanced by them.
  EXPECT_EQ(ErrorOf(auth_->CheckPassword(std::string(64, 'n'), "x", kRemote)),
            AuthErrorCode::kInvalidCredentials);
}

TEST_F(AuthenticatorTest, UsersPersistAndChangesApplyAtOnce) {
  ASSERT_OK_AND_ASSIGN(const catalog::UserRecord alice,
                       auth_->CreateUser({.username = "Alice",
                                          .password = "alice-pass-1",
                                          .role = catalog::Role::kService,
                                          .email = "a@x.io"}));
  EXPECT_EQ(alice.username, "alice");
  EXPECT_TRUE(alice.user_id.starts_with("u_"));
  EXPECT_EQ(auth_->CreateUser({.username = "alice", .password = "alice-pass-2"}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(auth_->CreateUser({.username = "bob", .password = "short"}).status().code(),
            StatusCode::kInvalidArgument);
  // A remembered check does not outlive a password change.
  EXPECT_EQ(PrincipalOf(auth_->CheckPassword("alice", "alice-pass-1", kLocal)).username, "alice");
  ASSERT_OK(auth_->AlterUser("alice", {.password = "alice-pass-2"}));
  EXPECT_EQ(ErrorOf(auth_->CheckPassword("alice", "alice-pass-1", kLocal)),
            AuthErrorCode::kInvalidCredentials);
  Reload();  // from the catalog
  const Principal reloaded = PrincipalOf(auth_->CheckPassword("alice", "alice-pass-2", kLocal));
  EXPECT_EQ(reloaded.user_id, alice.user_id);
  EXPECT_EQ(reloaded.role, catalog::Role::kService);
}

TEST_F(AuthenticatorTest, TokensWorkUntilTheUserIsDroppedAndRefreshTokensUntilLogout) {
  ASSERT_OK(auth_->CreateUser({.username = "alice", .password = "alice-pass-1"}));
  const Principal alice = PrincipalOf(auth_->CheckPassword("alice", "alice-pass-1", kLocal));
  const IssuedTokens tokens = auth_->IssueTokens(alice);
  EXPECT_EQ(PrincipalOf(auth_->Authenticate("Bearer " + tokens.access_token, kRemote)).user_id,
            alice.user_id);
  // A refresh token is not an access token, and vice versa.
  EXPECT_EQ(ErrorOf(auth_->Authenticate("Bearer " + tokens.refresh_token, kRemote)),
            AuthErrorCode::kInvalidToken);
  EXPECT_EQ(ErrorOf(auth_->CheckRefreshToken(tokens.access_token)), AuthErrorCode::kInvalidToken);
  EXPECT_EQ(PrincipalOf(auth_->CheckRefreshToken(tokens.refresh_token)).username, "alice");
  ASSERT_TRUE(std::holds_alternative<std::monostate>(auth_->Revoke(tokens.refresh_token)));
  Reload();  // revocation is durable
  EXPECT_EQ(ErrorOf(auth_->CheckRefreshToken(tokens.refresh_token)), AuthErrorCode::kInvalidToken);
  clock_.Advance(std::chrono::seconds(3600 + 31));
  EXPECT_EQ(ErrorOf(auth_->Authenticate("Bearer " + tokens.access_token, kRemote)),
            AuthErrorCode::kTokenExpired);
  const IssuedTokens fresh = auth_->IssueTokens(alice);
  ASSERT_OK(auth_->DropUser("alice"));
  EXPECT_EQ(ErrorOf(auth_->Authenticate("Bearer " + fresh.access_token, kRemote)),
            AuthErrorCode::kInvalidToken);
  EXPECT_EQ(ErrorOf(auth_->CheckPassword("alice", "alice-pass-1", kLocal)),
            AuthErrorCode::kInvalidCredentials);
  EXPECT_THAT(auth_->DropUser("root").message(), HasSubstr("cannot be dropped"));
}

TEST_F(AuthenticatorTest, LogoutAndPasswordChangesEndTokensDurably) {
  ASSERT_OK(auth_->CreateUser({.username = "alice", .password = "alice-pass-1"}));
  const Principal alice = PrincipalOf(auth_->CheckPassword("alice", "alice-pass-1", kLocal));
  EXPECT_TRUE(alice.proved_password);
  const IssuedTokens session = auth_->IssueTokens(alice);
  const IssuedTokens other = auth_->IssueTokens(alice);
  const Principal bearer =
      PrincipalOf(auth_->Authenticate("Bearer " + session.access_token, kLocal));
  EXPECT_FALSE(bearer.proved_password);
  EXPECT_FALSE(bearer.session_id.empty());
  ASSERT_TRUE(std::holds_alternative<std::monostate>(auth_->Revoke(session.access_token)));
  Reload();  // both the revocation and the generation are durable
  EXPECT_EQ(ErrorOf(auth_->Authenticate("Bearer " + session.access_token, kLocal)),
            AuthErrorCode::kInvalidToken);
  EXPECT_EQ(ErrorOf(auth_->CheckRefreshToken(session.refresh_token)), AuthErrorCode::kInvalidToken);
  EXPECT_EQ(PrincipalOf(auth_->Authenticate("Bearer " + other.access_token, kLocal)).username,
            "alice");
  ASSERT_OK(auth_->AlterUser("alice", {.email = "a@x.io"}));  // not a credential change
  EXPECT_EQ(PrincipalOf(auth_->CheckRefreshToken(other.refresh_token)).username, "alice");
  ASSERT_OK(auth_->AlterUser("alice", {.role = catalog::Role::kService}));
  Reload();
  EXPECT_EQ(ErrorOf(auth_->Authenticate("Bearer " + other.access_token, kLocal)),
            AuthErrorCode::kInvalidToken);
  EXPECT_EQ(ErrorOf(auth_->CheckRefreshToken(other.refresh_token)), AuthErrorCode::kInvalidToken);
  const IssuedTokens after =
      auth_->IssueTokens(PrincipalOf(auth_->CheckPassword("alice", "alice-pass-1", kLocal)));
  EXPECT_EQ(PrincipalOf(auth_->Authenticate("Bearer " + after.access_token, kLocal)).role,
            catalog::Role::kService);
}

TEST_F(AuthenticatorTest, SetupSetsRootPasswordOnce) {
  ASSERT_OK_AND_ASSIGN(
      const catalog::UserRecord admin,
      auth_->Setup({.username = "admin", .password = "admin-pass-1", .role = catalog::Role::kDba},
                   "root-pass-1"));
  EXPECT_EQ(admin.role, catalog::Role::kDba);
  EXPECT_FALSE(auth_->NeedsSetup());
  EXPECT_EQ(ErrorOf(auth_->CheckPassword("root", "", kLocal)), AuthErrorCode::kInvalidCredentials);
  EXPECT_EQ(PrincipalOf(auth_->CheckPassword("root", "root-pass-1", kRemote)).user_id, "root");
  EXPECT_EQ(auth_->Setup({.username = "admin2", .password = "admin-pass-2"}, "root-pass-2")
                .status()
                .code(),
            StatusCode::kConflict);
  EXPECT_FALSE(auth_->FindUser("admin2").has_value());
}

}  // namespace
}  // namespace kalam::auth
