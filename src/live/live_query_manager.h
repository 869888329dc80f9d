#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/value.h"
#include "live/connection.h"
#include "live/subscription_query.h"
#include "sql/executor.h"
#include "sql/live_queries.h"
#include "tables/change_bus.h"
#include "tables/table_writer.h"

namespace kalam::live {

struct LiveOptions {
  size_t max_subscriptions_per_connection = 100;
  size_t max_subscriptions_per_user = 1000;
  size_t default_batch_size = 1000;
  size_t max_batch_size = 10000;        // batch_size and last_rows above it are refused
  size_t max_queued_messages = 10000;   // per connection, unsent
  size_t max_queued_bytes = 16u << 20;  // per connection, unsent (also the snapshot's buffer)
  std::chrono::milliseconds stall_timeout{30000};  // a resume waits this long for room
  std::string node_id;
};

// What a client's subscribe message asks for.
struct SubscribeRequest {
  std::string id;
  std::string sql;
  std::optional<int64_t> batch_size;
  std::optional<int64_t> last_rows;
  std::optional<int64_t> from;  // resume after this _seq
  std::vector<Value> params;
};

// Every live query of the server: connections, their subscriptions, the routing index
// (table, scope) → subscriptions, and the fan-out of committed changes.
//
// Changes arrive from the ChangeBus on its delivery thread, statement by statement in
// commit order, never under the commit lock. A statement's changes to one (table, scope)
// are offered only to the subscriptions routed there: a USER or STREAM change only to its
// owner's subscriptions on that table, a SHARED change to the table's subscribers (who
// passed its read check at subscribe time). Each subscription's compiled filter runs on
// the changed rows in memory; an update that enters the filter is sent as an insert, one
// that leaves it as a delete, and the encoded rows are built once per distinct query.
//
// Subscribing registers the route first and then opens the snapshot at the commit point
// (TableWriter::OpenPinnedView): changes committed after the snapshot's last _seq S are
// buffered while the snapshot is paged out (initial_data_batch, next_batch), sent after
// its last batch, and then the subscription is live; changes at or before S are in the
// snapshot. Resuming (`from`) replays the stored versions after `from` instead of a
// snapshot. Each connection's outgoing queue is bounded; a connection that falls behind
// is told where each subscription stopped (SLOW_CONSUMER with last_seq) and closed.
//
// Thread-safety: all methods may be called concurrently. Requests of one connection
// (Subscribe, NextBatch, Unsubscribe) must not run concurrently with each other: api/
// handles a connection's messages one at a time, on a worker thread (they read storage).
class LiveQueryManager final : public sql::LiveQueries {
 public:
  LiveQueryManager(LiveOptions options, tables::ChangeBus& bus, tables::TableWriter& writer,
                   sql::SqlExecutor& executor, const Clock& clock);
  ~LiveQueryManager() override;
  LiveQueryManager(const LiveQueryManager&) = delete;
  LiveQueryManager& operator=(const LiveQueryManager&) = delete;

  // An authenticated connection; `wake` as Connection describes.
  std::shared_ptr<Connection> Connect(Peer peer, Connection::Wake wake) KALAM_EXCLUDES(mu_);
  // The socket is gone: its subscriptions end.
  void Disconnect(const Connection& connection) KALAM_EXCLUDES(mu_);

  // Starts a subscription; its messages (subscription_ack, the first initial_data_batch or
  // the replayed changes) are queued on the connection. An error is returned for api/ to
  // send and nothing is registered: kInvalidArgument (id, options), kAlreadyExists (the id
  // is taken on this connection), kSubscriptionLimitExceeded, the errors of the query
  // (kSyntaxError, kUnsupportedQuery, kTableNotFound, kPermissionDenied, kColumnNotFound,
  // kTypeMismatch), kResumeUnavailable.
  Status Subscribe(Connection& connection, SubscribeRequest request) KALAM_EXCLUDES(mu_);
  // Sends the next initial_data_batch of a snapshot being paged.
  Status NextBatch(Connection& connection, std::string_view id) KALAM_EXCLUDES(mu_);
  // Ends a subscription (no reply); kNotFound for an unknown id.
  Status Unsubscribe(Connection& connection, std::string_view id) KALAM_EXCLUDES(mu_);

  // Ends every subscription of connections authenticated as `user` and closes them with
  // `code` and `reason` after an error message (`error_code`): a token expired, a user
  // was dropped.
  void CloseUser(const UserId& user, std::string_view error_code, std::string_view reason)
      KALAM_EXCLUDES(mu_);

  size_t subscription_count() const KALAM_EXCLUDES(mu_);

  // sql::LiveQueries
  Status Validate(std::string_view select, const sql::ExecutionContext& context) override;
  std::string WebSocketUrl() const override KALAM_EXCLUDES(mu_);
  // What SUBSCRIBE TO tells clients to connect to (known once the listener is bound).
  void SetWebSocketUrl(std::string url) KALAM_EXCLUDES(mu_);
  Status Kill(std::string_view live_id, const sql::ExecutionContext& context) override
      KALAM_EXCLUDES(mu_);
  std::vector<std::vector<Value>> Rows(const std::optional<UserId>& user) const override
      KALAM_EXCLUDES(mu_);
  uint64_t CountSubscriptions(TableId table, const std::optional<std::string>& scope) const override
      KALAM_EXCLUDES(mu_);
  void TableChanged(TableId table, std::string_view what) override KALAM_EXCLUDES(mu_);
  void UserDropped(const UserId& user) override KALAM_EXCLUDES(mu_);
  void CredentialsChanged(const UserId& user) override KALAM_EXCLUDES(mu_);

 private:
  struct Snapshot;
  struct Subscription;
  struct ConnectionState;
  struct RouteKey {
    TableId table;
    std::string scope;
    friend bool operator==(const RouteKey&, const RouteKey&) = default;
  };
  struct RouteHash {
    size_t operator()(const RouteKey& key) const;
  };

  // The (table, scope) whose changes reach `subscription`.
  static RouteKey RouteOf(const Subscription& subscription);
  sql::ExecutionContext ContextFor(const Peer& peer) const;
  // Parses, resolves (with the caller's read check) and compiles `sql`, sharing the
  // compiled query with subscriptions that have the same one.
  Result<std::shared_ptr<const CompiledQuery>> Compile(std::string_view sql,
                                                       std::span<const Value> params,
                                                       const sql::ExecutionContext& context)
      KALAM_EXCLUDES(mu_);
  Subscription* Find(const Connection& connection, std::string_view id, uint64_t serial = 0)
      KALAM_REQUIRES(mu_);
  void Remove(Subscription& subscription) KALAM_REQUIRES(mu_);
  // Ends `subscription` with an error message (code, message) on its connection.
  void End(Subscription& subscription, std::string_view code, std::string_view message)
      KALAM_REQUIRES(mu_);
  // The connection fell behind: says where each subscription stopped, closes, ends them.
  void Overrun(ConnectionState& state) KALAM_REQUIRES(mu_);
  void RemoveAll(ConnectionState& state) KALAM_REQUIRES(mu_);
  // Queues `message` for a live subscription; false (and the connection overruns) if full.
  bool Send(Subscription& subscription, std::string message, int64_t seq) KALAM_REQUIRES(mu_);
  // The loading subscription's snapshot is out: its buffered changes follow; then it is live.
  void GoLive(Subscription& subscription) KALAM_REQUIRES(mu_);

  // Reads, encodes and queues the next snapshot batch (the first with subscription_ack).
  Status SendBatch(Connection& connection, std::string_view id) KALAM_EXCLUDES(mu_);
  // Queues the changes stored after `from` up to the snapshot's bound, then goes live.
  Status Replay(Connection& connection, std::string_view id, int64_t from) KALAM_EXCLUDES(mu_);

  void Deliver(std::span<const tables::ChangeRecord> changes) KALAM_EXCLUDES(mu_);
  // The changes of one statement to one (table, scope), to the subscriptions routed there.
  void DeliverRun(std::span<const tables::ChangeRecord> run) KALAM_REQUIRES(mu_);

  const LiveOptions options_;
  tables::ChangeBus& bus_;
  tables::TableWriter& writer_;
  sql::SqlExecutor& executor_;
  const Clock& clock_;

  mutable Mutex mu_;
  uint64_t next_connection_ KALAM_GUARDED_BY(mu_) = 1;
  uint64_t next_serial_ KALAM_GUARDED_BY(mu_) = 1;
  bool delivering_ KALAM_GUARDED_BY(mu_) = false;  // Deliver is walking the routes
  std::unordered_map<const Connection*, std::unique_ptr<ConnectionState>> connections_
      KALAM_GUARDED_BY(mu_);
  std::unordered_map<RouteKey, std::vector<Subscription*>, RouteHash> routes_ KALAM_GUARDED_BY(mu_);
  std::unordered_map<std::string, size_t> per_user_ KALAM_GUARDED_BY(mu_);
  // Compiled queries by table version, SQL and parameters, shared while in use.
  std::unordered_map<std::string, std::weak_ptr<const CompiledQuery>> compiled_
      KALAM_GUARDED_BY(mu_);
  std::string websocket_url_ KALAM_GUARDED_BY(mu_);
  uint64_t bus_token_ = 0;  // last: subscribed once everything above exists
};

}  // namespace kalam::live
