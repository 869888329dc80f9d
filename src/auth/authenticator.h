#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/auth_error.h"
#include "auth/jwt.h"
#include "auth/password.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/mutex.h"

namespace kalam::auth {

struct AuthOptions {
  PasswordPolicy password_policy;
  HashCost hash_cost;
  int64_t access_token_ttl_seconds = 3600;
  int64_t refresh_token_ttl_seconds = 7 * 24 * 3600;
  uint32_t max_failed_logins = 5;  // per user and client IP, then a lockout
  int64_t lockout_seconds = 60;
  uint32_t max_failed_logins_per_address = 50;  // per client IP over all names, then a lockout
};

// Where a request comes from.
struct ClientOrigin {
  std::string address;    // the client's address (failed-login throttling)
  bool loopback = false;  // a real loopback peer, not forwarded: loopback-only privileges
};

// Who a request runs as.
struct Principal {
  std::string user_id;
  std::string username;
  catalog::Role role = catalog::Role::kUser;
  // True when the request carried the user's password (Basic): proof enough to change it.
  bool proved_password = false;
  // The login session of the token that authenticated the request ("" for Basic).
  std::string session_id;
};

struct IssuedTokens {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_at = 0;  // seconds since the epoch
  int64_t refresh_expires_at = 0;
};

// What CREATE USER asks for.
struct NewUser {
  std::string username;
  std::optional<std::string> password;  // nullopt: WITH INTERNAL (cannot log in)
  catalog::Role role = catalog::Role::kUser;
  std::string email;
};

// Changes of ALTER USER (each optional).
struct UserChanges {
  std::optional<std::string> password;
  std::optional<catalog::Role> role;
  std::optional<std::string> email;
};

// Authentication and the user directory.
//
// Users live in the catalog and, for every request's lookup, in a write-through in-memory
// directory; every user change goes through this class so the two never disagree.
// Passwords are argon2id hashes; a successful Basic check is remembered (keyed by a
// keyed hash of the password, never the password) until the user changes, so a client
// sending Basic credentials on every request pays the slow hash once.
//
// Thread-safety: every method may be called concurrently. Methods that may hash or verify
// a password are slow by design and belong on worker threads.
class Authenticator {
 public:
  Authenticator(catalog::Catalog& catalog, const JwtCodec& jwt, AuthOptions options,
                const Clock& clock);

  // Loads users and revoked tokens. Call once before use.
  Status Load();

  // Checks an Authorization header value ("Basic …" / "Bearer …") from `origin`.
  AuthResult<Principal> Authenticate(std::string_view authorization, const ClientOrigin& origin);
  // Checks a username and password (login endpoint, WebSocket basic auth). A name longer
  // than catalog::kMaxNameLength is kMalformedAuthorization, before any lookup or count.
  AuthResult<Principal> CheckPassword(std::string_view username, std::string_view password,
                                      const ClientOrigin& origin);

  // An access and a refresh token of one login session: principal.session_id (a refresh),
  // or a new one. Both carry the user's token generation.
  IssuedTokens IssueTokens(const Principal& principal);
  // The principal of a valid, unrevoked refresh token of a user that still exists and has
  // not changed password or role since it was issued.
  AuthResult<Principal> CheckRefreshToken(std::string_view refresh_token);
  // Logout: revokes, durably, the session of `token` (access or refresh), so both tokens
  // of that login stop working. Invalid tokens are an error.
  AuthResult<std::monostate> Revoke(std::string_view token);

  // ---- the user directory (SQL user statements, setup) ----
  Result<catalog::UserRecord> CreateUser(const NewUser& user);
  Result<catalog::UserRecord> AlterUser(std::string_view username, const UserChanges& changes);
  // Soft delete: the user can no longer log in and their tokens stop working at once.
  Status DropUser(std::string_view username);
  // Forgets a dropped user for good once their data is deleted (user_cleanup).
  // kInvalidArgument if the user was not dropped.
  Status PurgeDroppedUser(const std::string& user_id);
  std::optional<catalog::UserRecord> FindUser(std::string_view username) const;
  std::optional<catalog::UserRecord> FindUserById(std::string_view user_id) const;

  // True while root has no password (first-run setup not done).
  bool NeedsSetup() const;
  // First-run setup: sets root's password and creates a dba user, atomically with respect
  // to other setups (a second call fails).
  Result<catalog::UserRecord> Setup(const NewUser& dba, std::string_view root_password);

  const AuthOptions& options() const { return options_; }

 private:
  struct Failures {
    uint32_t count = 0;
    int64_t last_failure = 0;
  };

  AuthResult<Principal> AuthenticateBasic(std::string_view encoded, const ClientOrigin& origin);
  AuthResult<Principal> AuthenticateBearer(std::string_view token);
  // The session of one of our tokens (its user as stored now), unless the token is revoked
  // or outdated or its user is gone.
  AuthResult<Principal> SessionOf(const TokenClaims& claims) const KALAM_EXCLUDES(mu_);
  AuthResult<Principal> Verified(const catalog::UserRecord& user, std::string_view password,
                                 const ClientOrigin& origin, const std::string& throttle_key);
  std::optional<AuthError> CheckThrottle(const std::string& key, uint32_t limit)
      KALAM_EXCLUDES(mu_);
  std::optional<AuthError> CheckThrottles(const std::string& key, const ClientOrigin& origin);
  void RecordFailure(const std::string& key, const ClientOrigin& origin) KALAM_EXCLUDES(mu_);
  std::string PasswordDigest(std::string_view username, std::string_view password) const;
  Status Store(const catalog::UserRecord& user) KALAM_EXCLUDES(mu_);
  Result<std::string> HashForNewUser(const NewUser& request) const;
  Result<catalog::UserRecord> CreateUserLocked(const NewUser& request, std::string hash)
      KALAM_REQUIRES(users_write_mu_);
  int64_t NowSeconds() const { return clock_.NowMillis() / 1000; }

  catalog::Catalog& catalog_;
  const JwtCodec& jwt_;
  const AuthOptions options_;
  const Clock& clock_;
  std::string digest_key_;  // random per process: remembered checks never leave memory
  std::string dummy_hash_;  // verified against for unknown users, so timing tells nothing

  mutable Mutex mu_;
  std::unordered_map<std::string, catalog::UserRecord> users_by_name_ KALAM_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::string> name_by_id_ KALAM_GUARDED_BY(mu_);
  // username → (password hash it was checked against, digest of the password)
  std::unordered_map<std::string, std::pair<std::string, std::string>> verified_
      KALAM_GUARDED_BY(mu_);
  std::unordered_map<std::string, Failures> failures_ KALAM_GUARDED_BY(mu_);
  std::set<std::string> revoked_ KALAM_GUARDED_BY(mu_);
  Mutex users_write_mu_;  // serializes user changes (name uniqueness, setup)
};

}  // namespace kalam::auth
