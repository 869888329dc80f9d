#include "live/live_query_manager.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "auth/policy.h"
#include "common/log.h"
#include "common/snowflake.h"
#include "live/messages.h"
#include "tables/table_reader.h"
#include "tables/value_json.h"

namespace kalam::live {

using tables::ChangeRecord;
using tables::RowVersion;

namespace {

constexpr size_t kReadBatchRows = 256;
constexpr size_t kMaxSubscriptionIdBytes = 128;
constexpr uint16_t kPolicyClose = 1008;

bool IsShared(const catalog::CachedTable& table) {
  return table.table.table_type == catalog::TableType::kShared;
}
bool IsStream(const catalog::CachedTable& table) {
  return table.table.table_type == catalog::TableType::kStream;
}

std::string RowJson(const CompiledQuery& query, std::span<const Value> row, int64_t seq) {
  std::string out;
  AppendRow(out, query.schema, query.projection, row, seq);
  return out;
}

// Builds the change messages of one subscription's run of changes: consecutive changes of
// one type share a message.
class ChangeGroups {
 public:
  struct Group {
    ChangeType type;
    std::string rows;        // JSON array text, "" if none
    std::string old_values;  // JSON array text, "" if none
    int64_t seq = 0;         // the last change's _seq
  };

  void Add(ChangeType type, const std::string* row, const std::string* old_row, int64_t seq) {
    if (groups_.empty() || groups_.back().type != type) groups_.push_back({type, "", "", 0});
    Group& group = groups_.back();
    Append(group.rows, row);
    Append(group.old_values, old_row);
    group.seq = seq;
  }
  std::vector<Group>& groups() {
    for (Group& group : groups_) {
      if (!group.rows.empty()) group.rows.push_back(']');
      if (!group.old_values.empty()) group.old_values.push_back(']');
    }
    return groups_;
  }

 private:
  static void Append(std::string& array, const std::string* row) {
    if (row == nullptr) return;
    array.push_back(array.empty() ? '[' : ',');
    array += *row;
  }
  std::vector<Group> groups_;
};

// How one change looks through a filter: what the subscriber is sent.
struct Classified {
  bool send = false;
  ChangeType type = ChangeType::kInsert;
  bool with_new = false;
  bool with_old = false;
};

Classified Classify(const CompiledQuery& query, const ChangeRecord& change) {
  switch (change.op) {
    case ChangeRecord::Op::kInsert:
      if (!query.filter.Matches(change.new_row)) return {};
      return {true, ChangeType::kInsert, true, false};
    case ChangeRecord::Op::kDelete: {
      const std::vector<Value>& old = change.old_row.empty() ? change.new_row : change.old_row;
      if (!query.filter.Matches(old)) return {};
      return {true, ChangeType::kDelete, false, true};
    }
    case ChangeRecord::Op::kUpdate: {
      const bool was = query.filter.Matches(change.old_row);
      const bool is = query.filter.Matches(change.new_row);
      if (was && is) return {true, ChangeType::kUpdate, true, true};
      if (is) return {true, ChangeType::kInsert, true, false};
      if (was) return {true, ChangeType::kDelete, false, true};
      return {};
    }
  }
  return {};
}

// Calls `visit` with each row `reader` yields, until it returns false or the rows end.
template <typename Visit>
Status ForEachRow(tables::TableReader& reader, Visit visit) {
  std::vector<RowVersion> batch;
  while (true) {
    KALAM_RETURN_IF_ERROR(reader.Next(kReadBatchRows, batch));
    if (batch.empty()) return Status();
    for (RowVersion& row : batch) {
      if (!visit(row)) return Status();
    }
  }
}

// Adds what `change` means to a subscriber of `query` (nothing, an insert, an update or a
// delete) to `groups`; true if it added something.
bool AddChange(ChangeGroups& groups, const CompiledQuery& query, const ChangeRecord& change) {
  const Classified seen = Classify(query, change);
  if (!seen.send) return false;
  const std::vector<Value>& old_row = change.old_row.empty() ? change.new_row : change.old_row;
  const std::string new_json = seen.with_new ? RowJson(query, change.new_row, change.seq) : "";
  // A delete's row carries the delete's own _seq (the newest _seq a client has seen is where
  // it resumes); an update's old values carry the replaced version's.
  const int64_t old_seq =
      seen.type == ChangeType::kDelete || change.old_seq == 0 ? change.seq : change.old_seq;
  const std::string old_json = seen.with_old ? RowJson(query, old_row, old_seq) : "";
  groups.Add(seen.type, seen.with_new ? &new_json : nullptr, seen.with_old ? &old_json : nullptr,
             change.seq);
  return true;
}

// The messages (without their subscription id) that one run of a statement's changes (one
// table and scope) gives the subscribers of `query`: computed once per distinct query.
std::vector<ChangeGroups::Group> Encode(const CompiledQuery& query,
                                        std::span<const ChangeRecord> run) {
  ChangeGroups groups;
  for (const ChangeRecord& change : run)
    AddChange(groups, query, change);
  return std::move(groups.groups());
}

}  // namespace

// The snapshot a loading subscription pages out. Touched only by its connection's
// requests, which never run concurrently.
struct LiveQueryManager::Snapshot {
  std::shared_ptr<const tables::ReadView> view;
  std::unique_ptr<tables::TableReader> reader;  // null once read whole (last_rows)
  std::deque<RowVersion> rows;                  // read ahead, not yet sent
  size_t batch_size = 0;
  uint64_t batches_sent = 0;
  bool first = true;
};

// Kept small: an idle subscription is this, its map entry and its route's pointer.
struct LiveQueryManager::Subscription {
  // Until the snapshot (or the replay) is out: its bound and the changes after it.
  struct Loading {
    struct Pending {
      int64_t seq;
      std::string message;
    };
    std::optional<int64_t> snapshot_seq;  // unknown until the snapshot is open
    std::deque<Pending> pending;
    size_t pending_bytes = 0;
    std::shared_ptr<Snapshot> snapshot;
  };
  std::string id;
  uint64_t serial = 0;
  ConnectionState* connection = nullptr;
  std::shared_ptr<const CompiledQuery> query;
  std::string options;  // as JSON, for system.live_queries
  int64_t created_at = 0;
  int64_t last_change_at = 0;
  uint64_t delivered = 0;
  int64_t last_seq = 0;  // the _seq the client has everything up to, once live
  std::unique_ptr<Loading> loading = std::make_unique<Loading>();  // null once live
};

struct LiveQueryManager::ConnectionState {
  std::shared_ptr<Connection> connection;
  bool overrun = false;  // closing as a slow consumer; its subscriptions are being removed
  std::unordered_map<std::string, std::unique_ptr<Subscription>> subscriptions;
  int64_t connected_at = 0;
};

LiveQueryManager::RouteKey LiveQueryManager::RouteOf(const Subscription& subscription) {
  const catalog::CachedTable& table = *subscription.query->table;
  return {table.table.table_id,
          IsShared(table) ? "" : subscription.connection->connection->peer().user_id.value()};
}

size_t LiveQueryManager::RouteHash::operator()(const RouteKey& key) const {
  return std::hash<uint64_t>()(key.table.value()) * 31 + std::hash<std::string>()(key.scope);
}

LiveQueryManager::LiveQueryManager(LiveOptions options, tables::ChangeBus& bus,
                                   tables::TableWriter& writer, sql::SqlExecutor& executor,
                                   const Clock& clock)
    : options_(std::move(options)), bus_(bus), writer_(writer), executor_(executor), clock_(clock) {
  bus_token_ = bus_.Subscribe([this](std::span<const ChangeRecord> changes) { Deliver(changes); });
}

LiveQueryManager::~LiveQueryManager() {
  bus_.Unsubscribe(bus_token_);
}

std::shared_ptr<Connection> LiveQueryManager::Connect(Peer peer, Connection::Wake wake) {
  MutexLock lock(mu_);
  auto connection = std::make_shared<Connection>(std::to_string(next_connection_++),
                                                 std::move(peer), options_.max_queued_messages,
                                                 options_.max_queued_bytes, std::move(wake));
  auto state = std::make_unique<ConnectionState>();
  state->connection = connection;
  state->connected_at = clock_.NowMillis();
  connections_.emplace(connection.get(), std::move(state));
  return connection;
}

void LiveQueryManager::Disconnect(const Connection& connection) {
  MutexLock lock(mu_);
  const auto it = connections_.find(&connection);
  if (it == connections_.end()) return;
  RemoveAll(*it->second);
  connections_.erase(it);
}

sql::ExecutionContext LiveQueryManager::ContextFor(const Peer& peer) const {
  sql::ExecutionContext context;
  context.user_id = peer.user_id;
  context.username = peer.username;
  context.role = peer.role;
  context.client_ip = peer.client_address;
  context.started_at_millis = clock_.NowMillis();
  return context;
}

Result<std::shared_ptr<const CompiledQuery>> LiveQueryManager::Compile(
    std::string_view sql, std::span<const Value> params, const sql::ExecutionContext& context) {
  KALAM_ASSIGN_OR_RETURN(const ParsedQuery parsed, ParseLiveQuery(sql));
  const std::string namespace_id = parsed.namespace_id.value_or(context.default_namespace);
  KALAM_ASSIGN_OR_RETURN(
      auto table, executor_.ResolveTable(context, namespace_id, parsed.table, "live queries"));
  std::string key = std::to_string(table->table.table_id.value()) + "/" +
                    std::to_string(table->schema.version) + "/" + std::string(sql);
  for (const Value& param : params) {
    key += '\x1f';
    tables::AppendJsonValue(key, param);
  }
  {
    MutexLock lock(mu_);
    const auto it = compiled_.find(key);
    if (it != compiled_.end()) {
      if (auto shared = it->second.lock()) return shared;
    }
  }
  KALAM_ASSIGN_OR_RETURN(auto compiled,
                         CompileLiveQuery(parsed, std::string(sql), std::move(table), params));
  MutexLock lock(mu_);
  if (compiled_.size() > 2 * (routes_.size() + 64)) {  // forget queries nobody uses
    std::erase_if(compiled_, [](const auto& entry) { return entry.second.expired(); });
  }
  compiled_[key] = compiled;
  return compiled;
}

Status LiveQueryManager::Validate(std::string_view select, const sql::ExecutionContext& context) {
  return Compile(select, context.parameters, context).status();
}

Status LiveQueryManager::Subscribe(Connection& connection, SubscribeRequest request) {
  if (request.id.empty() || request.id.size() > kMaxSubscriptionIdBytes) {
    return Status::InvalidArgument("subscription id must be 1 to " +
                                   std::to_string(kMaxSubscriptionIdBytes) + " bytes");
  }
  const auto check_size = [&](const std::optional<int64_t>& value, std::string_view name) {
    if (value.has_value() &&
        (*value < 1 || static_cast<uint64_t>(*value) > options_.max_batch_size)) {
      return Status::InvalidArgument(std::string(name) + " must be between 1 and " +
                                     std::to_string(options_.max_batch_size));
    }
    return Status();
  };
  KALAM_RETURN_IF_ERROR(check_size(request.batch_size, "batch_size"));
  KALAM_RETURN_IF_ERROR(check_size(request.last_rows, "last_rows"));
  if (request.from.has_value() && *request.from < 0) {
    return Status::InvalidArgument("from must be a _seq value (a non-negative integer)");
  }
  const Peer& peer = connection.peer();
  const sql::ExecutionContext context = ContextFor(peer);
  KALAM_ASSIGN_OR_RETURN(auto query, Compile(request.sql, request.params, context));
  const catalog::CachedTable& table = *query->table;
  if (request.from.has_value() && IsStream(table) && table.table.options.ttl_seconds.has_value()) {
    const int64_t oldest_kept =
        clock_.NowMillis() - static_cast<int64_t>(*table.table.options.ttl_seconds) * 1000;
    if (*request.from > 0 && DecodeSnowflake(*request.from).unix_millis < oldest_kept) {
      return Status::ResumeUnavailable(
          "the events after that _seq have expired (the stream keeps " +
          std::to_string(*table.table.options.ttl_seconds) + " s); subscribe again without from");
    }
  }
  std::string options = "{";
  const auto add_option = [&](std::string_view name, const std::optional<int64_t>& value) {
    if (!value.has_value()) return;
    if (options.size() > 1) options += ',';
    options += "\"" + std::string(name) + "\":" + std::to_string(*value);
  };
  add_option("batch_size", request.batch_size);
  add_option("last_rows", request.last_rows);
  add_option("from", request.from);
  options += "}";

  uint64_t serial = 0;
  {
    MutexLock lock(mu_);
    const auto state = connections_.find(&connection);
    if (state == connections_.end()) return Status::Unavailable("the connection is closed");
    ConnectionState& owner = *state->second;
    if (owner.subscriptions.contains(request.id)) {
      return Status::AlreadyExists("subscription id '" + request.id +
                                   "' is already in use on this connection");
    }
    if (owner.subscriptions.size() >= options_.max_subscriptions_per_connection) {
      return Status::SubscriptionLimitExceeded(
          "this connection holds " + std::to_string(owner.subscriptions.size()) +
          " live queries, the most allowed ([websocket] max_subscriptions_per_connection)");
    }
    size_t& per_user = per_user_[peer.user_id.value()];
    if (per_user >= options_.max_subscriptions_per_user) {
      return Status::SubscriptionLimitExceeded(
          "user " + peer.username + " holds " + std::to_string(per_user) +
          " live queries, the most allowed ([websocket] max_subscriptions_per_user)");
    }
    ++per_user;
    auto subscription = std::make_unique<Subscription>();
    subscription->id = request.id;
    subscription->serial = serial = next_serial_++;
    subscription->connection = &owner;
    subscription->query = query;
    subscription->options = std::move(options);
    subscription->created_at = clock_.NowMillis();
    routes_[RouteOf(*subscription)].push_back(subscription.get());
    owner.subscriptions.emplace(request.id, std::move(subscription));
  }
  // The route is in place: every change committed from here on reaches the subscription.
  // The snapshot's bound tells which of them it already holds.
  Result<tables::TableWriter::PinnedView> pinned = writer_.OpenPinnedView(clock_.NowMillis());
  // An ALTER that committed between Compile and the route's registration missed this
  // subscription in its TableChanged sweep: look again now that the route is in place (an
  // ALTER after this look finds the route and ends it).
  Result<std::shared_ptr<const catalog::CachedTable>> current = executor_.ResolveTable(
      context, table.table.namespace_id, table.table.table_name, "live queries");
  // The writer learns of a DROP before the catalog's cache does; ask both.
  const bool altered = !current.ok() || (*current)->table.table_id != table.table.table_id ||
                       (*current)->schema.version != table.schema.version ||
                       !writer_.IsCurrent(table);
  {
    MutexLock lock(mu_);
    Subscription* subscription = Find(connection, request.id, serial);
    if (subscription == nullptr) return Status();  // ended meanwhile (killed, table dropped)
    if (!pinned.ok()) {
      Remove(*subscription);
      return pinned.status();
    }
    if (altered) {
      Remove(*subscription);
      return Status::Conflict("table " + table.qualified_name +
                              " was altered or dropped while subscribing; subscribe again");
    }
    const int64_t bound = pinned->last_seq;
    Subscription::Loading& loading = *subscription->loading;
    loading.snapshot_seq = bound;
    while (!loading.pending.empty() && loading.pending.front().seq <= bound) {
      loading.pending_bytes -= loading.pending.front().message.size();
      loading.pending.pop_front();
    }
    if (request.from.has_value() && *request.from > bound) {
      Remove(*subscription);
      return Status::InvalidArgument("from " + std::to_string(*request.from) +
                                     " is after the latest change (" + std::to_string(bound) + ")");
    }
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->view = pinned->view;
    snapshot->batch_size = static_cast<size_t>(
        request.batch_size.value_or(static_cast<int64_t>(options_.default_batch_size)));
    loading.snapshot = std::move(snapshot);
  }
  if (request.from.has_value()) return Replay(connection, request.id, *request.from);
  if (request.last_rows.has_value()) {
    // The newest N matching rows, in ascending _seq order: read them all, keep the last N.
    std::shared_ptr<Snapshot> snapshot;
    {
      MutexLock lock(mu_);
      Subscription* subscription = Find(connection, request.id, serial);
      if (subscription == nullptr) return Status();
      snapshot = subscription->loading->snapshot;
    }
    tables::TableReader reader(
        snapshot->view,
        {.table = query->table, .scope = IsShared(table) ? "" : peer.user_id.value()});
    std::vector<RowVersion> batch;
    while (true) {
      KALAM_RETURN_IF_ERROR(reader.Next(kReadBatchRows, batch));
      if (batch.empty()) break;
      for (RowVersion& row : batch) {
        if (!query->filter.Matches(row.values)) continue;
        snapshot->rows.push_back(std::move(row));
        if (snapshot->rows.size() > static_cast<size_t>(*request.last_rows)) {
          snapshot->rows.pop_front();
        }
      }
    }
  } else {
    std::shared_ptr<Snapshot> snapshot;
    {
      MutexLock lock(mu_);
      Subscription* subscription = Find(connection, request.id, serial);
      if (subscription == nullptr) return Status();
      snapshot = subscription->loading->snapshot;
    }
    snapshot->reader = std::make_unique<tables::TableReader>(
        snapshot->view, tables::ScanSpec{.table = query->table,
                                         .scope = IsShared(table) ? "" : peer.user_id.value()});
  }
  return SendBatch(connection, request.id);
}

Status LiveQueryManager::NextBatch(Connection& connection, std::string_view id) {
  {
    MutexLock lock(mu_);
    Subscription* subscription = Find(connection, id);
    if (subscription == nullptr) {
      return Status::NotFound("no subscription '" + std::string(id) + "' on this connection");
    }
    if (subscription->loading == nullptr || subscription->loading->snapshot == nullptr ||
        subscription->loading->snapshot->first) {
      return Status::InvalidArgument("subscription '" + std::string(id) +
                                     "' has no snapshot batch pending");
    }
  }
  return SendBatch(connection, id);
}

Status LiveQueryManager::SendBatch(Connection& connection, std::string_view id) {
  std::shared_ptr<Snapshot> snapshot;
  std::shared_ptr<const CompiledQuery> query;
  uint64_t serial = 0;
  int64_t bound = 0;
  {
    MutexLock lock(mu_);
    Subscription* subscription = Find(connection, id);
    if (subscription == nullptr) return Status();
    if (subscription->loading == nullptr) return Status();
    snapshot = subscription->loading->snapshot;
    query = subscription->query;
    serial = subscription->serial;
    bound = subscription->loading->snapshot_seq.value_or(0);
  }
  // Read one more matching row than the batch holds, to know whether more follow.
  std::vector<RowVersion> read;
  while (snapshot->reader != nullptr && snapshot->rows.size() <= snapshot->batch_size) {
    KALAM_RETURN_IF_ERROR(snapshot->reader->Next(kReadBatchRows, read));
    if (read.empty()) {
      snapshot->reader.reset();
      break;
    }
    for (RowVersion& row : read) {
      if (query->filter.Matches(row.values)) snapshot->rows.push_back(std::move(row));
    }
  }
  std::string rows = "[";
  int64_t last_seq = bound;
  size_t sent = 0;
  for (; sent < snapshot->batch_size && !snapshot->rows.empty(); ++sent) {
    const RowVersion& row = snapshot->rows.front();
    if (sent > 0) rows.push_back(',');
    AppendRow(rows, query->schema, query->projection, row.values, row.seq);
    last_seq = row.seq;
    snapshot->rows.pop_front();
  }
  rows.push_back(']');
  const bool has_more = !snapshot->rows.empty() || snapshot->reader != nullptr;
  const BatchControl control{
      .batch_num = snapshot->batches_sent++,
      .has_more = has_more,
      .status = has_more ? (snapshot->first ? "loading" : "loading_batch") : "ready",
      .last_seq_id = last_seq,
      .snapshot_end_seq = bound};
  MutexLock lock(mu_);
  Subscription* subscription = Find(connection, id, serial);
  if (subscription == nullptr) return Status();
  ConnectionState& state = *subscription->connection;
  bool queued = true;
  if (snapshot->first) {
    queued = state.connection->Push(SubscriptionAck(id, query->schema, control));
    snapshot->first = false;
  }
  queued = queued && state.connection->Push(InitialDataBatch(id, rows, control));
  if (!queued) {
    Overrun(state);
    return Status();
  }
  if (!has_more) GoLive(*subscription);
  return Status();
}

Status LiveQueryManager::Replay(Connection& connection, std::string_view id, int64_t from) {
  std::shared_ptr<Snapshot> snapshot;
  std::shared_ptr<const CompiledQuery> query;
  std::string scope;
  uint64_t serial = 0;
  int64_t bound = 0;
  {
    MutexLock lock(mu_);
    Subscription* subscription = Find(connection, id);
    if (subscription == nullptr) return Status();
    if (subscription->loading == nullptr) return Status();
    snapshot = subscription->loading->snapshot;
    query = subscription->query;
    scope = RouteOf(*subscription).scope;
    serial = subscription->serial;
    bound = *subscription->loading->snapshot_seq;
    const BatchControl control{
        .has_more = false, .status = "ready", .last_seq_id = from, .snapshot_end_seq = bound};
    if (!connection.Push(SubscriptionAck(id, query->schema, control))) {
      Overrun(*subscription->connection);
      return Status();
    }
  }
  const bool keyed = !IsStream(*query->table);
  tables::ScanSpec after{.table = query->table,
                         .scope = scope,
                         .include_deleted = true,
                         .all_versions = true,
                         .min_seq = from,
                         .max_seq = bound};
  // The state of each key the history touches, as it was at `from`: what the client holds.
  std::map<std::string, RowVersion> state;
  const auto key_of = [&](const RowVersion& row) {
    std::string key;
    tables::AppendJsonValue(key, row.values[query->primary_key]);
    return key;
  };
  if (keyed) {
    tables::TableReader touched(snapshot->view, after);
    std::set<std::string> keys;
    KALAM_RETURN_IF_ERROR(ForEachRow(touched, [&](const RowVersion& row) {
      keys.insert(key_of(row));
      return true;
    }));
    tables::TableReader before(snapshot->view, {.table = query->table,
                                                .scope = scope,
                                                .include_deleted = true,
                                                .all_versions = true,
                                                .max_seq = from});
    KALAM_RETURN_IF_ERROR(ForEachRow(before, [&](RowVersion& row) {
      std::string key = key_of(row);
      if (keys.contains(key)) state[std::move(key)] = std::move(row);
      return true;
    }));
  }
  // Replays the history as the changes the client missed, a message per batch of one type.
  tables::TableReader history(snapshot->view, after);
  ChangeGroups groups;
  size_t grouped = 0;
  const auto flush = [&]() -> bool {
    for (ChangeGroups::Group& group : groups.groups()) {
      std::string message = ChangeMessage(id, group.type, group.rows, group.old_values, group.seq);
      if (!connection.WaitForRoom(message.size(), options_.stall_timeout)) return false;
      MutexLock lock(mu_);
      Subscription* subscription = Find(connection, id, serial);
      if (subscription == nullptr) return false;
      if (!connection.Push(std::move(message))) {
        Overrun(*subscription->connection);
        return false;
      }
      subscription->delivered += 1;
    }
    groups = ChangeGroups();
    grouped = 0;
    return true;
  };
  bool stopped = false;
  KALAM_RETURN_IF_ERROR(ForEachRow(history, [&](RowVersion& row) {
    ChangeRecord change{.op = ChangeRecord::Op::kInsert, .seq = row.seq};
    std::optional<int64_t> old_seq;
    if (keyed) {
      std::string key = key_of(row);
      const auto previous = state.find(key);
      const bool existed = previous != state.end() && !previous->second.deleted;
      if (existed) {
        change.old_row = previous->second.values;
        old_seq = previous->second.seq;
      }
      change.op = row.deleted ? ChangeRecord::Op::kDelete
                  : existed   ? ChangeRecord::Op::kUpdate
                              : ChangeRecord::Op::kInsert;
      const bool unknown_to_client = row.deleted && !existed;
      change.new_row = row.values;
      state[std::move(key)] = std::move(row);
      if (unknown_to_client) return true;  // deleting what the client never had
    } else {
      change.new_row = std::move(row.values);
    }
    change.old_seq = old_seq.value_or(0);
    if (!AddChange(groups, *query, change)) return true;
    if (++grouped >= snapshot->batch_size && !flush()) {
      stopped = true;
      return false;
    }
    return true;
  }));
  if (stopped) return Status();
  if (!flush()) return Status();
  MutexLock lock(mu_);
  Subscription* subscription = Find(connection, id, serial);
  if (subscription != nullptr) GoLive(*subscription);
  return Status();
}

void LiveQueryManager::GoLive(Subscription& subscription) {
  const std::unique_ptr<Subscription::Loading> loading = std::move(subscription.loading);
  subscription.last_seq = *loading->snapshot_seq;
  for (Subscription::Loading::Pending& message : loading->pending) {
    if (!Send(subscription, std::move(message.message), message.seq)) return;
  }
}

bool LiveQueryManager::Send(Subscription& subscription, std::string message, int64_t seq) {
  ConnectionState& state = *subscription.connection;
  if (!state.connection->Push(std::move(message))) {
    Overrun(state);
    return false;
  }
  subscription.last_seq = seq;
  subscription.delivered += 1;
  subscription.last_change_at = clock_.NowMillis();
  return true;
}

Status LiveQueryManager::Unsubscribe(Connection& connection, std::string_view id) {
  MutexLock lock(mu_);
  Subscription* subscription = Find(connection, id);
  if (subscription == nullptr) {
    return Status::NotFound("no subscription '" + std::string(id) + "' on this connection");
  }
  Remove(*subscription);
  return Status();
}

LiveQueryManager::Subscription* LiveQueryManager::Find(const Connection& connection,
                                                       std::string_view id, uint64_t serial) {
  const auto state = connections_.find(&connection);
  if (state == connections_.end()) return nullptr;
  const auto it = state->second->subscriptions.find(std::string(id));
  if (it == state->second->subscriptions.end()) return nullptr;
  if (serial != 0 && it->second->serial != serial) return nullptr;
  return it->second.get();
}

void LiveQueryManager::Remove(Subscription& subscription) {
  const auto route = routes_.find(RouteOf(subscription));
  if (route != routes_.end()) {
    std::vector<Subscription*>& list = route->second;
    const auto it = std::find(list.begin(), list.end(), &subscription);
    if (it != list.end()) {
      *it = list.back();
      list.pop_back();
    }
    if (list.empty()) routes_.erase(route);
  }
  const std::string& user = subscription.connection->connection->peer().user_id.value();
  if (const auto count = per_user_.find(user); count != per_user_.end() && --count->second == 0) {
    per_user_.erase(count);
  }
  // Last: erasing destroys `subscription`.
  subscription.connection->subscriptions.erase(subscription.id);
}

void LiveQueryManager::End(Subscription& subscription, std::string_view code,
                           std::string_view message) {
  ConnectionState& state = *subscription.connection;
  const bool queued = state.connection->Push(ErrorMessage(
      subscription.id, code, message, subscription.loading != nullptr ? 0 : subscription.last_seq));
  Remove(subscription);
  if (!queued) Overrun(state);
}

void LiveQueryManager::Overrun(ConnectionState& state) {
  if (state.overrun) return;
  state.overrun = true;
  KALAM_LOG_WARN("live", "closing a slow consumer connection={} user={} subscriptions={}",
                 state.connection->id(), state.connection->peer().username,
                 state.subscriptions.size());
  for (const auto& [id, subscription] : state.subscriptions) {
    const int64_t resume_after = subscription->loading != nullptr ? 0 : subscription->last_seq;
    state.connection->PushFinal(ErrorMessage(
        id, "SLOW_CONSUMER",
        "the connection fell behind its live queries and is closed; resume with options.from = "
        "last_seq (or subscribe again if last_seq is absent)",
        resume_after));
  }
  state.connection->RequestClose({kPolicyClose, "slow consumer: outgoing queue full"});
  // Deliver walks a route's subscriptions and removes these once it is done with it.
  if (!delivering_) RemoveAll(state);
}

void LiveQueryManager::RemoveAll(ConnectionState& state) {
  while (!state.subscriptions.empty())
    Remove(*state.subscriptions.begin()->second);
}

void LiveQueryManager::CloseUser(const UserId& user, std::string_view error_code,
                                 std::string_view reason) {
  MutexLock lock(mu_);
  for (auto& [key, state] : connections_) {
    if (state->connection->peer().user_id != user) continue;
    RemoveAll(*state);
    state->connection->PushFinal(ErrorMessage("", error_code, reason));
    state->connection->RequestClose({kPolicyClose, std::string(reason)});
  }
}

void LiveQueryManager::UserDropped(const UserId& user) {
  CloseUser(user, "USER_DROPPED", "the user was dropped");
}

void LiveQueryManager::CredentialsChanged(const UserId& user) {
  CloseUser(user, "CREDENTIALS_CHANGED", "the user's password or role changed; authenticate again");
}

void LiveQueryManager::TableChanged(TableId table, std::string_view what) {
  MutexLock lock(mu_);
  // By name, not pointer: ending one may close its connection (a full queue), which ends the
  // connection's other subscriptions too.
  struct Ended {
    const Connection* connection;
    std::string id;
    uint64_t serial;
  };
  std::vector<Ended> ended;
  for (const auto& [key, list] : routes_) {
    if (key.table != table) continue;
    for (const Subscription* subscription : list)
      ended.push_back(
          {subscription->connection->connection.get(), subscription->id, subscription->serial});
  }
  for (const Ended& e : ended) {
    Subscription* subscription = Find(*e.connection, e.id, e.serial);
    if (subscription == nullptr) continue;
    End(*subscription, "TABLE_CHANGED",
        "table " + subscription->query->table->qualified_name + " was " + std::string(what) +
            "; subscribe again");
  }
}

Status LiveQueryManager::Kill(std::string_view live_id, const sql::ExecutionContext& context) {
  const bool admin =
      auth::Authorize(context.role, auth::Action::kKillJobOrLiveQuery, {.what = "KILL LIVE QUERY"})
          .ok();
  MutexLock lock(mu_);
  for (auto& [key, state] : connections_) {
    const Peer& peer = state->connection->peer();
    for (auto& [id, subscription] : state->subscriptions) {
      if (peer.user_id.value() + "-" + state->connection->id() + "-" + id != live_id) continue;
      if (!admin && peer.user_id != context.user_id) break;  // not theirs: not found for them
      End(*subscription, "KILLED", "the live query was killed by " + context.username);
      return Status();
    }
  }
  return Status::NotFound("Live query '" + std::string(live_id) + "' not found");
}

std::vector<std::vector<Value>> LiveQueryManager::Rows(const std::optional<UserId>& user) const {
  MutexLock lock(mu_);
  std::vector<std::vector<Value>> rows;
  for (const auto& [key, state] : connections_) {
    const Peer& peer = state->connection->peer();
    if (user.has_value() && peer.user_id != *user) continue;
    for (const auto& [id, subscription] : state->subscriptions) {
      const catalog::CachedTable& table = *subscription->query->table;
      rows.push_back(
          {Value::Text(peer.user_id.value() + "-" + state->connection->id() + "-" + id),
           Value::Text(state->connection->id()), Value::Text(id), Value::Text(peer.user_id.value()),
           Value::Text(table.table.namespace_id), Value::Text(table.table.table_name),
           Value::Text(subscription->query->sql), Value::Json(subscription->options),
           Value::TimestampMillis(subscription->created_at),
           subscription->last_change_at == 0 ? Value::Null()
                                             : Value::TimestampMillis(subscription->last_change_at),
           Value::Int64(static_cast<int64_t>(subscription->delivered)),
           Value::Text(options_.node_id)});
    }
  }
  return rows;
}

uint64_t LiveQueryManager::CountSubscriptions(TableId table,
                                              const std::optional<std::string>& scope) const {
  MutexLock lock(mu_);
  uint64_t count = 0;
  for (const auto& [key, list] : routes_) {
    if (key.table == table && (!scope.has_value() || key.scope == *scope)) count += list.size();
  }
  return count;
}

std::string LiveQueryManager::WebSocketUrl() const {
  MutexLock lock(mu_);
  return websocket_url_;
}

void LiveQueryManager::SetWebSocketUrl(std::string url) {
  MutexLock lock(mu_);
  websocket_url_ = std::move(url);
}

size_t LiveQueryManager::subscription_count() const {
  MutexLock lock(mu_);
  size_t count = 0;
  for (const auto& [key, list] : routes_)
    count += list.size();
  return count;
}

void LiveQueryManager::Deliver(std::span<const ChangeRecord> changes) {
  MutexLock lock(mu_);
  if (routes_.empty()) return;
  delivering_ = true;
  for (size_t begin = 0; begin < changes.size();) {
    size_t end = begin + 1;
    while (end < changes.size() && changes[end].table_id == changes[begin].table_id &&
           changes[end].scope == changes[begin].scope) {
      ++end;
    }
    DeliverRun(changes.subspan(begin, end - begin));
    begin = end;
  }
  delivering_ = false;
  for (auto& [key, state] : connections_) {
    if (state->overrun) RemoveAll(*state);
  }
}

void LiveQueryManager::DeliverRun(std::span<const ChangeRecord> run) {
  const auto route = routes_.find(RouteKey{run.front().table_id, run.front().scope});
  if (route == routes_.end()) return;
  const int64_t first_seq = run.front().seq;
  const int64_t last_seq = run.back().seq;
  std::unordered_map<const CompiledQuery*, std::vector<ChangeGroups::Group>> by_query;
  for (Subscription* subscription : route->second) {
    ConnectionState& state = *subscription->connection;
    if (state.overrun) continue;
    const CompiledQuery& query = *subscription->query;
    if (query.table->schema.version != run.front().schema_version) continue;  // ALTER ends it
    if (subscription->loading != nullptr) {
      const std::optional<int64_t> bound = subscription->loading->snapshot_seq;
      if (bound.has_value() && last_seq <= *bound) continue;  // in the snapshot
    } else if (first_seq <= subscription->last_seq) {
      continue;  // already sent (replayed)
    }
    auto [found, fresh] = by_query.try_emplace(&query);
    if (fresh) found->second = Encode(query, run);
    for (const ChangeGroups::Group& group : found->second) {
      std::string message =
          ChangeMessage(subscription->id, group.type, group.rows, group.old_values, group.seq);
      if (subscription->loading == nullptr) {
        if (!Send(*subscription, std::move(message), group.seq)) break;
        continue;
      }
      Subscription::Loading& loading = *subscription->loading;
      loading.pending_bytes += message.size();
      loading.pending.push_back({group.seq, std::move(message)});
      if (loading.pending_bytes > options_.max_queued_bytes ||
          loading.pending.size() > options_.max_queued_messages) {
        Overrun(state);
        break;
      }
    }
  }
}

}  // namespace kalam::live
