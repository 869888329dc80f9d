#include "auth/authenticator.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fmt/format.h>

#include "common/base64.h"
#include "common/check.h"
#include "common/log.h"
#include "common/random.h"

namespace kalam::auth {
namespace {

constexpr std::string_view kInvalidCredentials = "Invalid username or password";
constexpr size_t kFailureTableLimit = 100'000;  // bounded memory under a credential-stuffing run

AuthError Fail(AuthErrorCode code, std::string message) {
  return {code, std::move(message)};
}

std::string RandomHex(size_t bytes) {
  std::string out;
  while (out.size() < bytes * 2)
    out += fmt::format("{:016x}", RandomU64());
  out.resize(bytes * 2);
  return out;
}

// Failure counters are keyed "u<name>|<address>" (one name) and "a<address>" (all names).
std::string AddressThrottleKey(const ClientOrigin& origin) {
  return "a" + origin.address;
}

bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

Authenticator::Authenticator(catalog::Catalog& catalog, const JwtCodec& jwt, AuthOptions options,
                             const Clock& clock)
    : catalog_(catalog),
      jwt_(jwt),
      options_(std::move(options)),
      clock_(clock),
      digest_key_(RandomHex(32)) {}

Status Authenticator::Load() {
  KALAM_ASSIGN_OR_RETURN(dummy_hash_, HashPassword(RandomHex(16), options_.hash_cost));
  KALAM_ASSIGN_OR_RETURN(const std::vector<catalog::UserRecord> users, catalog_.ListUsers());
  KALAM_ASSIGN_OR_RETURN(const std::vector<catalog::RevokedTokenRecord> revoked,
                         catalog_.ListRevokedTokens());
  MutexLock lock(mu_);
  for (const catalog::UserRecord& user : users) {
    // A dropped user keeps their record; a live user of the same name wins.
    const auto existing = users_by_name_.find(user.username);
    if (existing != users_by_name_.end() && !existing->second.deleted_at.has_value()) continue;
    users_by_name_[user.username] = user;
  }
  for (const catalog::UserRecord& user : users)
    name_by_id_[user.user_id] = user.username;
  const int64_t now = NowSeconds();
  for (const catalog::RevokedTokenRecord& token : revoked) {
    if (token.expires_at >= now) revoked_.insert(token.token_id);
  }
  return Status();
}

// ---- authentication ----

AuthResult<Principal> Authenticator::Authenticate(std::string_view authorization,
                                                  const ClientOrigin& origin) {
  if (authorization.empty()) {
    return Fail(AuthErrorCode::kMissingAuthorization,
                "Authorization header is required (Basic or Bearer)");
  }
  if (StartsWithIgnoringCase(authorization, "basic ")) {
    return AuthenticateBasic(authorization.substr(6), origin);
  }
  if (StartsWithIgnoringCase(authorization, "bearer ")) {
    return AuthenticateBearer(authorization.substr(7));
  }
  return Fail(AuthErrorCode::kMalformedAuthorization,
              "Authorization header must start with 'Basic ' or 'Bearer '");
}

AuthResult<Principal> Authenticator::AuthenticateBasic(std::string_view encoded,
                                                       const ClientOrigin& origin) {
  const std::optional<std::string> decoded = Base64Decode(encoded);
  const size_t colon = decoded.has_value() ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    return Fail(AuthErrorCode::kMalformedAuthorization,
                "Basic credentials must be base64 of 'username:password'");
  }
  const std::string_view username = std::string_view(*decoded).substr(0, colon);
  AuthResult<Principal> checked =
      CheckPassword(username, std::string_view(*decoded).substr(colon + 1), origin);
  // Names of failed checks are audited; a refused (overlong) name is not.
  if (auto* error = std::get_if<AuthError>(&checked);
      error != nullptr && error->code != AuthErrorCode::kMalformedAuthorization) {
    error->attempted_user = username;
  }
  return checked;
}

AuthResult<Principal> Authenticator::CheckPassword(std::string_view username,
                                                   std::string_view password,
                                                   const ClientOrigin& origin) {
  // A name no user can have is refused before it is looked up, counted or audited: the
  // failure table and the audit log never hold more than a name's worth per attempt.
  if (username.size() > catalog::kMaxNameLength) {
    return Fail(
        AuthErrorCode::kMalformedAuthorization,
        "user name is longer than " + std::to_string(catalog::kMaxNameLength) + " characters");
  }
  const std::string throttle_key = "u" + std::string(username) + "|" + origin.address;
  if (std::optional<AuthError> locked = CheckThrottles(throttle_key, origin)) {
    return *std::move(locked);
  }
  if (username.empty() || password.size() > options_.password_policy.max_length) {
    RecordFailure(throttle_key, origin);
    return Fail(AuthErrorCode::kInvalidCredentials, std::string(kInvalidCredentials));
  }
  const std::optional<catalog::UserRecord> user = FindUser(username);
  if (!user.has_value() || user->deleted_at.has_value()) {
    (void)VerifyPassword(dummy_hash_, password);  // same work as for a real user
    RecordFailure(throttle_key, origin);
    return Fail(AuthErrorCode::kInvalidCredentials, std::string(kInvalidCredentials));
  }
  return Verified(*user, password, origin, throttle_key);
}

AuthResult<Principal> Authenticator::Verified(const catalog::UserRecord& user,
                                              std::string_view password, const ClientOrigin& origin,
                                              const std::string& throttle_key) {
  const Principal principal{.user_id = user.user_id,
                            .username = user.username,
                            .role = user.role,
                            .proved_password = true};
  if (user.password_hash.empty()) {
    // Only a system user without a password (root before setup) gets in, and only from
    // this machine, unforwarded. Internal users never log in.
    if (user.role != catalog::Role::kSystem || user.auth_type == "internal") {
      (void)VerifyPassword(dummy_hash_, password);  // as slow as a wrong password
      RecordFailure(throttle_key, origin);
      return Fail(AuthErrorCode::kInvalidCredentials, std::string(kInvalidCredentials));
    }
    if (!origin.loopback) {
      return Fail(AuthErrorCode::kRemoteAccessDenied,
                  "System users with empty passwords cannot authenticate remotely. Set a "
                  "password with: ALTER USER " +
                      user.username + " SET PASSWORD '...'");
    }
    if (!password.empty()) {
      RecordFailure(throttle_key, origin);
      return Fail(AuthErrorCode::kInvalidCredentials, std::string(kInvalidCredentials));
    }
    return principal;
  }
  const std::string digest = PasswordDigest(user.username, password);
  {
    MutexLock lock(mu_);
    const auto remembered = verified_.find(user.username);
    if (remembered != verified_.end() && remembered->second.first == user.password_hash &&
        CRYPTO_memcmp(remembered->second.second.data(), digest.data(), digest.size()) == 0) {
      return principal;
    }
  }
  if (!VerifyPassword(user.password_hash, password)) {
    RecordFailure(throttle_key, origin);
    return Fail(AuthErrorCode::kInvalidCredentials, std::string(kInvalidCredentials));
  }
  MutexLock lock(mu_);
  failures_.erase(throttle_key);
  verified_[user.username] = {user.password_hash, digest};
  return principal;
}

AuthResult<Principal> Authenticator::AuthenticateBearer(std::string_view token) {
  AuthResult<TokenClaims> verified = jwt_.Verify(token, NowSeconds());
  if (auto* error = std::get_if<AuthError>(&verified)) return *std::move(error);
  const TokenClaims& claims = std::get<TokenClaims>(verified);
  if (claims.type != TokenType::kAccess) {
    return Fail(AuthErrorCode::kInvalidToken, "a refresh token cannot authorize requests");
  }
  if (claims.issuer != jwt_.issuer()) {  // a trusted external issuer names users by username
    const std::optional<catalog::UserRecord> user = FindUser(claims.username);
    if (!user.has_value() || user->deleted_at.has_value()) {
      return Fail(AuthErrorCode::kInvalidToken, "the token's user does not exist or was dropped");
    }
    return Principal{user->user_id, user->username, user->role};
  }
  return SessionOf(claims);
}

AuthResult<Principal> Authenticator::SessionOf(const TokenClaims& claims) const {
  {
    MutexLock lock(mu_);
    if (!claims.token_id.empty() && revoked_.contains(claims.token_id)) {
      return Fail(AuthErrorCode::kInvalidToken, "the token was revoked (logged out)");
    }
  }
  const std::optional<catalog::UserRecord> user = FindUserById(claims.subject);
  if (!user.has_value() || user->deleted_at.has_value()) {
    return Fail(AuthErrorCode::kInvalidToken, "the token's user does not exist or was dropped");
  }
  if (claims.generation != user->token_generation) {
    return Fail(AuthErrorCode::kInvalidToken,
                "the token was issued before the user's password or role changed; log in again");
  }
  // The stored role applies: lowering a user's role takes effect on live tokens too.
  return Principal{.user_id = user->user_id,
                   .username = user->username,
                   .role = user->role,
                   .session_id = claims.token_id};
}

// The per-name lockout (this name from this address) and the per-address one (any name
// from this address, so guessing many names does not dodge the first).
std::optional<AuthError> Authenticator::CheckThrottles(const std::string& key,
                                                       const ClientOrigin& origin) {
  if (std::optional<AuthError> locked = CheckThrottle(key, options_.max_failed_logins)) {
    return locked;
  }
  return CheckThrottle(AddressThrottleKey(origin), options_.max_failed_logins_per_address);
}

std::optional<AuthError> Authenticator::CheckThrottle(const std::string& key, uint32_t limit) {
  MutexLock lock(mu_);
  const auto found = failures_.find(key);
  if (found == failures_.end() || found->second.count < limit) {
    return std::nullopt;
  }
  const int64_t wait = found->second.last_failure + options_.lockout_seconds - NowSeconds();
  if (wait <= 0) {
    failures_.erase(found);
    return std::nullopt;
  }
  return Fail(AuthErrorCode::kTooManyFailedLogins,
              "too many failed logins; retry in " + std::to_string(wait) + " s");
}

void Authenticator::RecordFailure(const std::string& key, const ClientOrigin& origin) {
  MutexLock lock(mu_);
  const int64_t now = NowSeconds();
  if (failures_.size() >= kFailureTableLimit) {
    std::erase_if(failures_, [&](const auto& entry) {
      return entry.second.last_failure + options_.lockout_seconds < now;
    });
  }
  for (const std::string& counted : {key, AddressThrottleKey(origin)}) {
    Failures& failures = failures_[counted];
    if (failures.last_failure + options_.lockout_seconds < now) failures.count = 0;
    ++failures.count;
    failures.last_failure = now;
  }
}

std::string Authenticator::PasswordDigest(std::string_view username,
                                          std::string_view password) const {
  const std::string message = std::string(username) + '\0' + std::string(password);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), digest_key_.data(), static_cast<int>(digest_key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// ---- tokens ----

IssuedTokens Authenticator::IssueTokens(const Principal& principal) {
  const int64_t now = NowSeconds();
  const std::optional<catalog::UserRecord> user = FindUserById(principal.user_id);
  TokenClaims claims{
      .subject = principal.user_id,
      .issuer = jwt_.issuer(),
      .username = principal.username,
      .role = std::string(catalog::RoleName(principal.role)),
      .type = TokenType::kAccess,
      .issued_at = now,
      .expires_at = now + options_.access_token_ttl_seconds,
      .token_id = principal.session_id.empty() ? RandomHex(16) : principal.session_id,
      .generation = user.has_value() ? user->token_generation : 0};
  IssuedTokens tokens{.access_token = jwt_.Sign(claims), .expires_at = claims.expires_at};
  claims.type = TokenType::kRefresh;
  claims.expires_at = now + options_.refresh_token_ttl_seconds;
  tokens.refresh_token = jwt_.Sign(claims);
  tokens.refresh_expires_at = claims.expires_at;
  return tokens;
}

AuthResult<Principal> Authenticator::CheckRefreshToken(std::string_view refresh_token) {
  AuthResult<TokenClaims> verified = jwt_.Verify(refresh_token, NowSeconds());
  if (auto* error = std::get_if<AuthError>(&verified)) return *std::move(error);
  const TokenClaims& claims = std::get<TokenClaims>(verified);
  if (claims.type != TokenType::kRefresh || claims.token_id.empty() ||
      claims.issuer != jwt_.issuer()) {
    return Fail(AuthErrorCode::kInvalidToken, "not a refresh token issued by this server");
  }
  return SessionOf(claims);
}

AuthResult<std::monostate> Authenticator::Revoke(std::string_view token) {
  AuthResult<TokenClaims> verified = jwt_.Verify(token, NowSeconds());
  if (auto* error = std::get_if<AuthError>(&verified)) return *std::move(error);
  const TokenClaims& claims = std::get<TokenClaims>(verified);
  if (claims.token_id.empty() || claims.issuer != jwt_.issuer()) {
    return Fail(AuthErrorCode::kInvalidToken, "not a session token issued by this server");
  }
  AuthResult<Principal> session = SessionOf(claims);
  if (auto* error = std::get_if<AuthError>(&session)) return *std::move(error);
  // Kept until the session's refresh token would have expired; access tokens expire sooner.
  const Status stored =
      catalog_.RevokeToken({.token_id = claims.token_id,
                            .user_id = claims.subject,
                            .expires_at = claims.issued_at + options_.refresh_token_ttl_seconds});
  if (!stored.ok())
    return Fail(AuthErrorCode::kInvalidToken, "cannot revoke: " + stored.ToString());
  MutexLock lock(mu_);
  revoked_.insert(claims.token_id);
  return std::monostate{};
}

// ---- the user directory ----

std::optional<catalog::UserRecord> Authenticator::FindUser(std::string_view username) const {
  MutexLock lock(mu_);
  const auto found = users_by_name_.find(std::string(username));
  if (found == users_by_name_.end()) return std::nullopt;
  return found->second;
}

std::optional<catalog::UserRecord> Authenticator::FindUserById(std::string_view user_id) const {
  MutexLock lock(mu_);
  const auto name = name_by_id_.find(std::string(user_id));
  if (name == name_by_id_.end()) return std::nullopt;
  const auto found = users_by_name_.find(name->second);
  if (found == users_by_name_.end() || found->second.user_id != user_id) {
    return std::nullopt;  // an older, dropped user of that name
  }
  return found->second;
}

Status Authenticator::Store(const catalog::UserRecord& user) {
  KALAM_RETURN_IF_ERROR(catalog_.PutUser(user));
  MutexLock lock(mu_);
  users_by_name_[user.username] = user;
  name_by_id_[user.user_id] = user.username;
  verified_.erase(user.username);
  return Status();
}

Result<std::string> Authenticator::HashForNewUser(const NewUser& request) const {
  if (!request.password.has_value()) return std::string();
  KALAM_RETURN_IF_ERROR(CheckPasswordPolicy(options_.password_policy, *request.password));
  return HashPassword(*request.password, options_.hash_cost);
}

Result<catalog::UserRecord> Authenticator::CreateUser(const NewUser& request) {
  KALAM_ASSIGN_OR_RETURN(std::string hash, HashForNewUser(request));
  MutexLock write_lock(users_write_mu_);
  return CreateUserLocked(request, std::move(hash));
}

Result<catalog::UserRecord> Authenticator::CreateUserLocked(const NewUser& request,
                                                            std::string hash) {
  KALAM_ASSIGN_OR_RETURN(const std::string username,
                         catalog::NormalizeName(request.username, "user"));
  const std::optional<catalog::UserRecord> existing = FindUser(username);
  if (existing.has_value() && !existing->deleted_at.has_value()) {
    return Status::AlreadyExists("User '" + username + "' already exists");
  }
  const int64_t now = clock_.NowMillis();
  catalog::UserRecord user{.user_id = "u_" + RandomHex(16),
                           .username = username,
                           .password_hash = std::move(hash),
                           .role = request.role,
                           .email = request.email,
                           .auth_type = request.password.has_value() ? "password" : "internal",
                           .created_at = now,
                           .updated_at = now};
  KALAM_RETURN_IF_ERROR(Store(user));
  return user;
}

Result<catalog::UserRecord> Authenticator::AlterUser(std::string_view username,
                                                     const UserChanges& changes) {
  std::string hash;
  if (changes.password.has_value()) {
    KALAM_RETURN_IF_ERROR(CheckPasswordPolicy(options_.password_policy, *changes.password));
    KALAM_ASSIGN_OR_RETURN(hash, HashPassword(*changes.password, options_.hash_cost));
  }
  MutexLock write_lock(users_write_mu_);
  std::optional<catalog::UserRecord> user = FindUser(username);
  if (!user.has_value() || user->deleted_at.has_value()) {
    return Status::NotFound("User '" + std::string(username) + "' does not exist");
  }
  if (changes.password.has_value()) {
    user->password_hash = std::move(hash);
    user->auth_type = "password";
  }
  if (changes.role.has_value()) user->role = *changes.role;
  if (changes.email.has_value()) user->email = *changes.email;
  // A new password or role voids every token issued before it.
  if (changes.password.has_value() || changes.role.has_value()) ++user->token_generation;
  user->updated_at = clock_.NowMillis();
  KALAM_RETURN_IF_ERROR(Store(*user));
  return *user;
}

Status Authenticator::DropUser(std::string_view username) {
  MutexLock write_lock(users_write_mu_);
  std::optional<catalog::UserRecord> user = FindUser(username);
  if (!user.has_value() || user->deleted_at.has_value()) {
    return Status::NotFound("User '" + std::string(username) + "' does not exist");
  }
  if (user->user_id == "root") return Status::PermissionDenied("the root user cannot be dropped");
  user->deleted_at = clock_.NowMillis();
  user->updated_at = *user->deleted_at;
  return Store(*user);
}

Status Authenticator::PurgeDroppedUser(const std::string& user_id) {
  MutexLock write_lock(users_write_mu_);
  KALAM_ASSIGN_OR_RETURN(const std::optional<catalog::UserRecord> user, catalog_.GetUser(user_id));
  if (!user.has_value()) return Status();
  if (!user->deleted_at.has_value()) {
    return Status::InvalidArgument("user " + user_id + " is not dropped");
  }
  KALAM_RETURN_IF_ERROR(catalog_.DeleteUser(user_id));
  MutexLock lock(mu_);
  name_by_id_.erase(user_id);
  if (const auto cached = users_by_name_.find(user->username);
      cached != users_by_name_.end() && cached->second.user_id == user_id) {
    users_by_name_.erase(cached);
  }
  return Status();
}

bool Authenticator::NeedsSetup() const {
  const std::optional<catalog::UserRecord> root = FindUserById("root");
  return root.has_value() && root->password_hash.empty();
}

Result<catalog::UserRecord> Authenticator::Setup(const NewUser& dba,
                                                 std::string_view root_password) {
  KALAM_RETURN_IF_ERROR(CheckPasswordPolicy(options_.password_policy, root_password));
  KALAM_ASSIGN_OR_RETURN(std::string root_hash, HashPassword(root_password, options_.hash_cost));
  KALAM_ASSIGN_OR_RETURN(std::string dba_hash, HashForNewUser(dba));
  MutexLock write_lock(users_write_mu_);  // one setup wins; the other sees root's password
  std::optional<catalog::UserRecord> root = FindUserById("root");
  if (!root.has_value() || !root->password_hash.empty()) {
    return Status::Conflict("setup is already done: root has a password");
  }
  KALAM_ASSIGN_OR_RETURN(catalog::UserRecord created, CreateUserLocked(dba, std::move(dba_hash)));
  root->password_hash = std::move(root_hash);
  root->auth_type = "password";
  ++root->token_generation;
  root->updated_at = clock_.NowMillis();
  KALAM_RETURN_IF_ERROR(Store(*root));
  return created;
}

}  // namespace kalam::auth
