#include "auth/policy.h"

#include "common/result.h"

namespace kalam::auth {
namespace {

using catalog::AccessLevel;
using catalog::Role;
using catalog::TableType;

bool IsAdmin(Role role) {
  return role == Role::kDba || role == Role::kSystem;
}

Status Denied(Role role, std::string_view verb, const Target& target) {
  return Status::PermissionDenied("Role " + std::string(catalog::RoleName(role)) + " may not " +
                                  std::string(verb) + " " + target.what);
}

Status AdminOnly(Role role, const Target& target) {
  if (IsAdmin(role)) return Status();
  return Status::PermissionDenied("Admin privileges (DBA or System role) required for " +
                                  target.what);
}

bool IsUserOrStream(const Target& target) {
  return target.table_type == TableType::kUser || target.table_type == TableType::kStream;
}

bool UserMayUseShared(const Target& target, bool write) {
  const AccessLevel level = target.access_level.value_or(AccessLevel::kPrivate);
  if (level == AccessLevel::kRestricted) return target.caller_created;
  return level == AccessLevel::kPublic && !write;
}

}  // namespace

Status Authorize(Role role, Action action, const Target& target) {
  switch (action) {
    case Action::kManageNamespaces:
    case Action::kManageStorages:
    case Action::kManageViews:
    case Action::kManageUsers:
    case Action::kDropTable:
    case Action::kKillJobOrLiveQuery:
      return AdminOnly(role, target);
    case Action::kReadSystemTables:
      if (IsAdmin(role)) return Status();
      return Status::PermissionDenied(
          "system tables are readable by the dba and system roles only");
    case Action::kFlush:
      return role == Role::kUser ? Denied(role, "flush", target) : Status();
    case Action::kImpersonate:
      return role == Role::kUser
                 ? Status::PermissionDenied(
                       "Role user is not authorized to use AS USER. Only service, dba and system "
                       "roles are permitted.")
                 : Status();
    case Action::kCreateTable:
      if (IsAdmin(role) || IsUserOrStream(target) ||
          (role == Role::kService && target.table_type == TableType::kShared)) {
        return Status();
      }
      return Denied(role, "CREATE", target);
    case Action::kAlterTable:
      // A user alters only the USER/STREAM tables they created: the schema is everyone's.
      if (IsAdmin(role) || (role == Role::kUser ? IsUserOrStream(target) && target.caller_created
                                                : target.table_type == TableType::kShared)) {
        return Status();
      }
      return Denied(role, "ALTER", target);
    case Action::kReadTable:
    case Action::kWriteTable: {
      const bool write = action == Action::kWriteTable;
      if (target.table_type != TableType::kShared || role != Role::kUser ||
          UserMayUseShared(target, write)) {
        return Status();
      }
      return Denied(role, write ? "write to" : "read", target);
    }
  }
  return Status::PermissionDenied("unknown action");
}

Status AuthorizeImpersonation(Role actor, Role subject) {
  KALAM_RETURN_IF_ERROR(Authorize(actor, Action::kImpersonate));
  const bool allowed =
      actor == Role::kSystem || (actor == Role::kDba && subject != Role::kSystem) ||
      (actor == Role::kService && (subject == Role::kService || subject == Role::kUser));
  if (allowed) return Status();
  return Status::PermissionDenied("Role " + std::string(catalog::RoleName(actor)) +
                                  " may not act as a user with role " +
                                  std::string(catalog::RoleName(subject)));
}

Status AuthorizeRoleGrant(Role actor, Role granted) {
  if (!IsAdmin(actor)) {
    return Status::PermissionDenied("Admin privileges (DBA or System role) required to set roles");
  }
  if (static_cast<int>(granted) > static_cast<int>(actor)) {
    return Status::PermissionDenied("Role " + std::string(catalog::RoleName(actor)) +
                                    " may not grant role " +
                                    std::string(catalog::RoleName(granted)));
  }
  return Status();
}

}  // namespace kalam::auth
