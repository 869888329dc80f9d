// CREATE USER, ALTER USER, DROP USER over the authenticator's directory.
#include "auth/policy.h"
#include "sql/handlers.h"

namespace kalam::sql {
namespace {

using auth::Action;

// A user's changes may be made by an admin whose role is at least the user's; anyone may
// change their own password, with proof of the current one.
Status AuthorizeAlter(const AlterUser& alter, const catalog::UserRecord& target,
                      const ExecutionContext& context) {
  const bool self = target.user_id == context.user_id.value();
  if (self && alter.password.has_value() && !context.proved_password) {
    return Status::PermissionDenied(
        "changing your own password needs your current one: send ALTER USER " + target.username +
        " SET PASSWORD with Basic credentials (user name and current password), or POST "
        "/v1/api/auth/password {\"current_password\", \"new_password\"}; a token is not enough");
  }
  const bool only_password = !alter.role.has_value() && !alter.email.has_value();
  if (self && only_password) return Status();
  KALAM_RETURN_IF_ERROR(
      auth::Authorize(context.role, Action::kManageUsers, {.what = "ALTER USER"}));
  if (static_cast<int>(target.role) > static_cast<int>(context.role)) {
    return Status::PermissionDenied("Role " + std::string(catalog::RoleName(context.role)) +
                                    " may not change a user with role " +
                                    std::string(catalog::RoleName(target.role)));
  }
  if (alter.role.has_value()) {
    KALAM_RETURN_IF_ERROR(auth::AuthorizeRoleGrant(context.role, *alter.role));
  }
  return Status();
}

}  // namespace

Result<Handled> HandleUser(const Statement& statement, Services& services,
                           const ExecutionContext& context, ResultSink& sink) {
  if (services.users == nullptr) return Status::Unavailable("user management is not available");
  auth::Authenticator& users = *services.users;
  if (const auto* create = std::get_if<CreateUser>(&statement)) {
    KALAM_RETURN_IF_ERROR(
        auth::Authorize(context.role, Action::kManageUsers, {.what = "CREATE USER"}));
    KALAM_RETURN_IF_ERROR(auth::AuthorizeRoleGrant(context.role, create->role));
    KALAM_ASSIGN_OR_RETURN(const catalog::UserRecord user,
                           users.CreateUser({.username = create->username,
                                             .password = create->password,
                                             .role = create->role,
                                             .email = create->email}));
    SendMessage(sink, "User '" + user.username + "' created");
    return Handled{{"CREATE", "USER " + user.username}};
  }
  if (const auto* drop = std::get_if<DropUser>(&statement)) {
    KALAM_RETURN_IF_ERROR(
        auth::Authorize(context.role, Action::kManageUsers, {.what = "DROP USER"}));
    const std::optional<catalog::UserRecord> target = users.FindUser(drop->username);
    if (!target.has_value() || target->deleted_at.has_value()) {
      if (drop->if_exists) {
        SendMessage(sink, "User '" + drop->username + "' does not exist (skipped)");
        return Handled{};
      }
      return Status::NotFound("User '" + drop->username + "' does not exist");
    }
    if (static_cast<int>(target->role) > static_cast<int>(context.role)) {
      return Status::PermissionDenied("Role " + std::string(catalog::RoleName(context.role)) +
                                      " may not drop a user with role " +
                                      std::string(catalog::RoleName(target->role)));
    }
    KALAM_RETURN_IF_ERROR(users.DropUser(drop->username));
    if (services.live != nullptr) services.live->UserDropped(UserId(target->user_id));
    SendMessage(sink, "User '" + drop->username + "' dropped (soft delete)");
    return Handled{{"DROP", "USER " + drop->username}};
  }
  const auto& alter = std::get<AlterUser>(statement);
  const std::optional<catalog::UserRecord> target = users.FindUser(alter.username);
  if (!target.has_value() || target->deleted_at.has_value()) {
    return Status::NotFound("User '" + alter.username + "' does not exist");
  }
  KALAM_RETURN_IF_ERROR(AuthorizeAlter(alter, *target, context));
  KALAM_RETURN_IF_ERROR(
      users
          .AlterUser(alter.username,
                     {.password = alter.password, .role = alter.role, .email = alter.email})
          .status());
  // Connections authenticated with the old password or role must not outlive it (a token's
  // are refused at their next heartbeat anyway; a password's would never be re-checked).
  const bool credentials_changed =
      alter.password.has_value() || (alter.role.has_value() && *alter.role != target->role);
  if (credentials_changed && services.live != nullptr) {
    services.live->CredentialsChanged(UserId(target->user_id));
  }
  SendMessage(sink, "User '" + target->username + "' updated");
  return Handled{{"ALTER", "USER " + target->username}};
}

}  // namespace kalam::sql
