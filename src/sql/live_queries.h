#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ids.h"
#include "common/result.h"
#include "common/value.h"
#include "sql/execution_context.h"

namespace kalam::sql {

// What the SQL layer asks of live queries: SUBSCRIBE TO, KILL LIVE QUERY, SHOW LIVE QUERIES,
// SHOW STATS and the statements that end subscriptions (DROP/ALTER TABLE, DROP USER).
// Implemented by live::LiveQueryManager, which owns every subscription; set once at start
// (SqlExecutor::SetLiveQueries). Thread-safety: all methods may be called concurrently.
class LiveQueries {
 public:
  virtual ~LiveQueries() = default;

  // Checks `select` (SELECT <columns> FROM <table> [WHERE …]) for `context` exactly as a
  // WebSocket subscribe would: its shape, the table, the caller's read access, the filter.
  virtual Status Validate(std::string_view select, const ExecutionContext& context) = 0;
  // The URL clients connect to (ws://host:port/v1/ws).
  virtual std::string WebSocketUrl() const = 0;
  // Ends the subscription `live_id` (its client gets an error KILLED). The owner may kill
  // their own; dba and system any. kNotFound if there is no such subscription.
  virtual Status Kill(std::string_view live_id, const ExecutionContext& context) = 0;
  // The rows of system.live_queries (of `user` only, if given), in SystemTables' columns.
  virtual std::vector<std::vector<Value>> Rows(const std::optional<UserId>& user) const = 0;
  // Active subscriptions on `table` (of `scope` only, if given).
  virtual uint64_t CountSubscriptions(TableId table,
                                      const std::optional<std::string>& scope) const = 0;
  // The table was dropped or its schema or access changed: its subscriptions end with
  // TABLE_CHANGED, since what they were checked against no longer holds.
  virtual void TableChanged(TableId table, std::string_view what) = 0;
  // The user was dropped: their connections close.
  virtual void UserDropped(const UserId& user) = 0;
  // The user's password or role changed: their connections close (CREDENTIALS_CHANGED), so
  // nothing runs on credentials or a role that no longer hold.
  virtual void CredentialsChanged(const UserId& user) = 0;
};

}  // namespace kalam::sql
