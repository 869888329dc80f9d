#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "catalog/types.h"
#include "common/status.h"

namespace kalam::auth {

// Everything a role may or may not do (the matrix is docs/security.md, and
// a test checks every cell of that document against Authorize).
enum class Action : uint8_t {
  kManageNamespaces,  // CREATE/ALTER/DROP NAMESPACE
  kManageStorages,    // CREATE/ALTER/DROP STORAGE
  kManageViews,       // CREATE/DROP VIEW
  kManageUsers,       // CREATE/DROP USER, ALTER USER of someone else
  kCreateTable,       // by table type
  kAlterTable,        // by table type
  kDropTable,
  kReadTable,           // SELECT: by table type and SHARED access level
  kWriteTable,          // INSERT/UPDATE/DELETE: by table type and SHARED access level
  kReadSystemTables,    // system.* (information_schema is every role's, listing what each may read)
  kImpersonate,         // AS USER / EXECUTE AS USER
  kFlush,               // FLUSH TABLE / FLUSH ALL
  kKillJobOrLiveQuery,  // KILL JOB, KILL LIVE QUERY
};

// What the action applies to. For table actions the type is required; SHARED reads and
// writes also use the access level and whether the caller created the table.
struct Target {
  std::string what;  // for messages: "CREATE NAMESPACE", "SHARED table app.t", …
  std::optional<catalog::TableType> table_type;
  std::optional<catalog::AccessLevel> access_level;  // SHARED; unset means PRIVATE
  bool caller_created = false;  // RESTRICTED SHARED tables; ALTER of USER/STREAM by role user
};

// The one authorization decision. OK or kPermissionDenied with a message naming the role
// and what was refused. USER/STREAM rows are always the caller's own scope; that is not a
// permission but how reads and writes are built, so every role passes kRead/kWriteTable
// for them.
Status Authorize(catalog::Role role, Action action, const Target& target = {});

// Who may act as whom: system → any; dba → dba, service, user;
// service → service, user; user → nobody.
Status AuthorizeImpersonation(catalog::Role actor, catalog::Role subject);

// Who may give a role: nobody grants a role above their own, and only dba/system grant.
Status AuthorizeRoleGrant(catalog::Role actor, catalog::Role granted);

}  // namespace kalam::auth
