#include "auth/policy.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

namespace kalam::auth {
namespace {

using catalog::AccessLevel;
using catalog::Role;
using catalog::TableType;

using Decision = std::function<Status(Role)>;

Target SharedTable(AccessLevel level, bool created) {
  return {.what = "SHARED table app.t",
          .table_type = TableType::kShared,
          .access_level = level,
          .caller_created = created};
}

// Every (action, target) row docs/security.md may contain, as a call of the policy.
std::map<std::pair<std::string, std::string>, Decision> KnownRows() {
  std::map<std::pair<std::string, std::string>, Decision> rows;
  const auto simple = [&](std::string action, Action what) {
    rows[{action, "any"}] = [what](Role r) { return Authorize(r, what, {.what = "it"}); };
  };
  simple("manage namespaces", Action::kManageNamespaces);
  simple("manage storages", Action::kManageStorages);
  simple("manage views", Action::kManageViews);
  simple("manage users", Action::kManageUsers);
  simple("drop table", Action::kDropTable);
  simple("read system tables", Action::kReadSystemTables);
  simple("flush", Action::kFlush);
  simple("kill job or live query", Action::kKillJobOrLiveQuery);
  const std::pair<std::string, Action> table_actions[] = {{"create table", Action::kCreateTable},
                                                          {"alter table", Action::kAlterTable},
                                                          {"read table", Action::kReadTable},
                                                          {"write table", Action::kWriteTable}};
  for (const auto& [name, action] : table_actions) {
    const bool by_access_level = action == Action::kReadTable || action == Action::kWriteTable;
    for (const TableType type : {TableType::kUser, TableType::kStream, TableType::kShared}) {
      if (by_access_level && type == TableType::kShared) continue;  // rows per level below
      const std::string type_name(catalog::TableTypeName(type));
      if (action == Action::kAlterTable && type != TableType::kShared) {
        for (const bool created : {true, false}) {
          rows[{name, type_name + (created ? ", created by the caller" : ", created by another")}] =
              [action, type, created](Role r) {
                return Authorize(r, action,
                                 {.what = "table", .table_type = type, .caller_created = created});
              };
        }
        continue;
      }
      rows[{name, type_name}] = [action, type](Role r) {
        return Authorize(r, action, {.what = "table", .table_type = type});
      };
    }
    if (!by_access_level) continue;
    const std::pair<std::string, AccessLevel> levels[] = {{"PUBLIC", AccessLevel::kPublic},
                                                          {"PRIVATE", AccessLevel::kPrivate}};
    for (const auto& [level_name, level] : levels) {
      rows[{name, "SHARED " + level_name}] = [action, level](Role r) {
        return Authorize(r, action, SharedTable(level, false));
      };
    }
    rows[{name, "SHARED RESTRICTED, created by the caller"}] = [action](Role r) {
      return Authorize(r, action, SharedTable(AccessLevel::kRestricted, true));
    };
    rows[{name, "SHARED RESTRICTED, created by another"}] = [action](Role r) {
      return Authorize(r, action, SharedTable(AccessLevel::kRestricted, false));
    };
  }
  const std::pair<std::string, Role> subjects[] = {{"a user", Role::kUser},
                                                   {"a service", Role::kService},
                                                   {"a dba", Role::kDba},
                                                   {"a system user", Role::kSystem}};
  for (const auto& [name, subject] : subjects) {
    rows[{"impersonate", name}] = [subject](Role r) { return AuthorizeImpersonation(r, subject); };
  }
  for (const Role granted : {Role::kUser, Role::kService, Role::kDba, Role::kSystem}) {
    rows[{"grant role", std::string(catalog::RoleName(granted))}] = [granted](Role r) {
      return AuthorizeRoleGrant(r, granted);
    };
  }
  return rows;
}

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream stream(line.substr(1));
  std::string cell;
  while (std::getline(stream, cell, '|')) {
    const size_t first = cell.find_first_not_of(' ');
    const size_t last = cell.find_last_not_of(' ');
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  return cells;
}

TEST(PolicyTest, EveryCellOfTheDocumentedMatrixHolds) {
  std::ifstream doc(KALAM_SECURITY_DOC);
  ASSERT_TRUE(doc.good()) << "cannot read " << KALAM_SECURITY_DOC;
  const auto known = KnownRows();
  const Role roles[] = {Role::kUser, Role::kService, Role::kDba, Role::kSystem};
  size_t checked_rows = 0;
  std::string line;
  bool in_matrix = false;
  while (std::getline(doc, line)) {
    if (line.starts_with("| action |")) {
      in_matrix = true;
      continue;
    }
    if (!in_matrix || line.starts_with("|---")) continue;
    if (!line.starts_with("|")) break;
    const std::vector<std::string> cells = Cells(line);
    ASSERT_EQ(cells.size(), 6u) << line;
    const auto decision = known.find({cells[0], cells[1]});
    ASSERT_NE(decision, known.end()) << "the test does not know this row: " << line;
    for (size_t i = 0; i < 4; ++i) {
      const bool documented = cells[2 + i] == "✓";
      ASSERT_TRUE(documented || cells[2 + i] == "–") << line;
      const Status status = decision->second(roles[i]);
      EXPECT_EQ(status.ok(), documented)
          << cells[0] << " / " << cells[1] << " for role " << catalog::RoleName(roles[i]) << ": "
          << status.ToString();
      if (!status.ok()) {
        EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
      }
    }
    ++checked_rows;
  }
  EXPECT_EQ(checked_rows, known.size()) << "every known row must be documented";
}

TEST(PolicyTest, RefusalsNameTheRoleAndTheTarget) {
  const Status status =
      Authorize(Role::kUser, Action::kWriteTable, SharedTable(AccessLevel::kPublic, false));
  EXPECT_EQ(status.message(), "Role user may not write to SHARED table app.t");
  EXPECT_EQ(
      Authorize(Role::kService, Action::kManageNamespaces, {.what = "CREATE NAMESPACE"}).message(),
      "Admin privileges (DBA or System role) required for CREATE NAMESPACE");
}

}  // namespace
}  // namespace kalam::auth
