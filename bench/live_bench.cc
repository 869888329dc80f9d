// Live-query benchmarks against the real server (started through the e2e harness, with
// cheap password hashing and connection limits raised so thousands of clients can log in
// from one address). Every change sent is counted per subscription and checked: `_seq`
// strictly increasing, none missing, no error, no connection closed.
//
//   latency      INSERT over HTTP → the change on one WebSocket subscriber, from the moment
//                the INSERT request is sent to the change's arrival (p50/p90/p99/max).
//   fanout       one SHARED table, `--connections` × `--per-connection` subscriptions; a
//                writer inserts rows while the clients receive; delivered events/s, where
//                an event is one row delivered to one subscription. The writer keeps at
//                most `--window` inserts ahead of the slowest delivery (so the measure is
//                what the server sustains, not how much it can queue).
//   users        `--users` users, one connection each; 1k, then 10k subscriptions on one
//                USER table (one per user), then 9 more per user on nine other USER tables
//                (100k in all); in each phase writers insert into random subscribed users'
//                rows (AS USER), each write delivering exactly one change. Throughput per
//                phase, RSS per idle connection and per idle subscription.
//
//   live_bench [--only latency|fanout|users] [--inserts N] [--connections N]
//              [--per-connection N] [--window N] [--users N] [--writes N] [--smoke]
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "client/ws_pool.h"
#include "tests/e2e/live_fixture.h"

namespace kalam::bench {
namespace {

using namespace kalam::e2e;
using SteadyClock = std::chrono::steady_clock;

struct Flags {
  std::string only;
  int inserts = 2000;           // latency
  size_t connections = 100;     // fanout
  size_t per_connection = 100;  // fanout
  int fanout_inserts = 400;
  int window = 10;
  size_t users = 10000;  // users
  int writes = 20000;    // per phase
  bool smoke = false;
};

Flags ParseArgs(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&]() -> long { return i + 1 < argc ? std::atol(argv[++i]) : 0; };
    if (arg == "--smoke") flags.smoke = true;
    if (arg == "--only" && i + 1 < argc) flags.only = argv[++i];
    if (arg == "--inserts") flags.inserts = static_cast<int>(next());
    if (arg == "--connections") flags.connections = static_cast<size_t>(next());
    if (arg == "--per-connection") flags.per_connection = static_cast<size_t>(next());
    if (arg == "--fanout-inserts") flags.fanout_inserts = static_cast<int>(next());
    if (arg == "--window") flags.window = static_cast<int>(next());
    if (arg == "--users") flags.users = static_cast<size_t>(next());
    if (arg == "--writes") flags.writes = static_cast<int>(next());
  }
  if (flags.smoke) {
    flags.inserts = 50;
    flags.connections = 4;
    flags.per_connection = 5;
    flags.fanout_inserts = 20;
    flags.users = 40;
    flags.writes = 100;
  }
  return flags;
}

bool Sql(client::HttpClient& http, const std::string& sql) {
  Result<SqlReply> reply = PostSql(http, sql);
  if (reply.ok() && reply->http_status == 200) return true;
  std::fprintf(
      stderr, "%s: %s\n", sql.substr(0, 120).c_str(),
      reply.ok() ? boost::json::serialize(reply->body).c_str() : reply.status().ToString().c_str());
  return false;
}

// What the benchmarks need of a server message, found without a JSON parse (the client
// shares the machine with the server, so it must stay cheap).
struct Scanned {
  std::string_view type;
  std::string_view id;
  size_t rows = 0;  // rows carrying a _seq (inserts only here)
  int64_t seq = 0;  // a change's "seq"
  bool ready = false;
};

std::string_view StringAfter(std::string_view message, std::string_view key) {
  const size_t at = message.find(key);
  if (at == std::string_view::npos) return {};
  const size_t start = at + key.size();
  const size_t end = message.find('"', start);
  return end == std::string_view::npos ? std::string_view() : message.substr(start, end - start);
}

Scanned Scan(std::string_view message) {
  Scanned scanned;
  scanned.type = StringAfter(message, R"({"type":")");
  scanned.id = StringAfter(message, R"("subscription_id":")");
  for (size_t at = message.find(R"("_seq":)"); at != std::string_view::npos;
       at = message.find(R"("_seq":)", at + 1))
    ++scanned.rows;
  const std::string_view seq = StringAfter(message, R"(,"seq":")");
  std::from_chars(seq.data(), seq.data() + seq.size(), scanned.seq);
  scanned.ready = message.find(R"("status":"ready")") != std::string_view::npos;
  return scanned;
}

// Subscription `index` of a connection is named "s<index>".
size_t IndexOf(std::string_view id) {
  size_t index = 0;
  if (id.size() > 1) std::from_chars(id.data() + 1, id.data() + id.size(), index);
  return index;
}

// Counts what each subscription of a pool received.
class Tally {
 public:
  Tally(size_t connections, size_t per_connection)
      : per_connection_(per_connection), subs_(connections * per_connection) {}

  void OnMessage(size_t connection, std::string_view message) {
    const Scanned scanned = Scan(message);
    if (scanned.type == "auth_success") {
      ++authenticated;
      return;
    }
    if (scanned.type == "error" || scanned.type == "auth_error") {
      ++errors;
      if (errors <= 3) std::fprintf(stderr, "error: %.*s\n", int(message.size()), message.data());
      return;
    }
    const size_t index = connection * per_connection_ + IndexOf(scanned.id);
    if (index >= subs_.size()) return;
    Sub& sub = subs_[index];
    if (scanned.type == "change") {
      if (scanned.seq <= sub.last_seq) ++out_of_order;
      sub.last_seq = scanned.seq;
      sub.rows += scanned.rows;
      delivered.fetch_add(scanned.rows, std::memory_order_relaxed);
      ++messages;
      last_change = SteadyClock::now();
      return;
    }
    // The ack of a snapshot that fits one batch says ready too: count the batch.
    if (scanned.type == "initial_data_batch" && scanned.ready) ++ready;
  }

  // Subscriptions that did not receive exactly `rows` rows (from `first`, `count` of them).
  size_t Short(size_t first, size_t count, uint64_t rows) const {
    size_t wrong = 0;
    for (size_t i = first; i < first + count && i < subs_.size(); ++i) {
      if (subs_[i].rows == rows) continue;
      if (++wrong <= 5) {
        std::fprintf(stderr, "connection %zu subscription s%zu: %llu rows of %llu\n",
                     i / per_connection_, i % per_connection_,
                     static_cast<unsigned long long>(subs_[i].rows),
                     static_cast<unsigned long long>(rows));
      }
    }
    return wrong;
  }

  // No change for 10 s while some are expected: something is lost or stuck.
  bool Stalled() const { return SteadyClock::now() - last_change > std::chrono::seconds(10); }

  SteadyClock::time_point last_change = SteadyClock::now();
  size_t authenticated = 0;
  size_t ready = 0;
  size_t errors = 0;
  size_t out_of_order = 0;
  uint64_t messages = 0;
  std::atomic<uint64_t> delivered{0};

 private:
  struct Sub {
    uint64_t rows = 0;
    int64_t last_seq = 0;
  };
  const size_t per_connection_;
  std::vector<Sub> subs_;
};

std::string Authenticate(const std::string& user, const std::string& password) {
  return boost::json::serialize(boost::json::object{
      {"type", "authenticate"}, {"method", "basic"}, {"username", user}, {"password", password}});
}

std::string Subscribe(size_t index, const std::string& sql) {
  return boost::json::serialize(
      boost::json::object{{"type", "subscribe"},
                          {"subscription", {{"id", "s" + std::to_string(index)}, {"sql", sql}}}});
}

TestServerOptions BenchServer() {
  TestServerOptions options;
  options.env =
      WithCheapPasswordHashes({{"KALAMDB_LIMITS_MAX_CONNECTIONS", "15000"},
                               {"KALAMDB_LIMITS_MAX_CONNECTIONS_PER_ADDRESS", "15000"},
                               {"KALAMDB_LIMITS_QUERIES_PER_SECOND_PER_USER", "1000000"},
                               {"KALAMDB_LIMITS_MAX_CONCURRENT_STATEMENTS_PER_USER", "64"},
                               {"KALAMDB_WEBSOCKET_MAX_MESSAGES_PER_SECOND", "100000"},
                               {"KALAMDB_WEBSOCKET_MAX_SUBSCRIPTIONS_PER_USER", "1000000"}});
  return options;
}

// Runs the pool until `done`; false (and says why) on a timeout, a closed connection or an
// error message.
bool Wait(client::WsPool& pool, const Tally& tally, const std::function<bool()>& done,
          const char* what, std::chrono::seconds deadline = std::chrono::seconds(300)) {
  const auto failed = [&] { return pool.closed_count() > 0 || tally.errors > 0; };
  if (pool.RunUntil([&] { return done() || failed(); }, deadline) && !failed()) return true;
  std::fprintf(stderr, "%s: timed out, or %zu connections closed, or %zu errors\n", what,
               pool.closed_count(), tally.errors);
  return false;
}

// Sends `count` requests (`send(i)`) with at most 128 unanswered at a time (`answered()`
// counts replies), as a well-behaved client would: the server refuses work past its
// worker queue (SERVER_BUSY) rather than queue without bound.
bool Paced(client::WsPool& pool, const Tally& tally, size_t count,
           const std::function<void(size_t)>& send, const std::function<size_t()>& answered,
           const char* what) {
  constexpr size_t kInFlight = 128;
  const size_t base = answered();
  size_t sent = 0;
  while (sent < count) {
    while (sent < count && sent - (answered() - base) < kInFlight)
      send(sent++);
    if (!Wait(
            pool, tally, [&] { return answered() - base + kInFlight > sent; }, what))
      return false;
  }
  return Wait(
      pool, tally, [&] { return answered() - base == count; }, what);
}

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

// A bench server holding namespace `bench` and the tables `ddl` creates; nullptr on failure.
std::unique_ptr<TestServer> StartWith(const std::vector<std::string>& ddl) {
  Result<std::unique_ptr<TestServer>> server = TestServer::Start(BenchServer());
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return nullptr;
  }
  client::HttpClient http = (*server)->Client();
  if (!Sql(http, "CREATE NAMESPACE bench")) return nullptr;
  for (const std::string& sql : ddl) {
    if (!Sql(http, sql)) return nullptr;
  }
  return std::move(server).value();
}

int Latency(const Flags& flags) {
  const std::unique_ptr<TestServer> server =
      StartWith({"CREATE TABLE bench.t (id BIGINT PRIMARY KEY, body TEXT)"});
  if (server == nullptr) return 1;
  client::HttpClient http = server->Client();
  auto live = LiveClient::Login(server->port(), "root", "");
  if (live == nullptr) return 1;
  live->Subscribe("lat", "SELECT * FROM bench.t WHERE id >= 0");
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(flags.inserts));
  for (int i = 0; i < flags.inserts; ++i) {
    const auto sent = SteadyClock::now();
    if (!Sql(http, "INSERT INTO bench.t VALUES (" + std::to_string(i) + ", 'hello')")) return 1;
    std::optional<json::object> change = live->TryNext(std::chrono::seconds(5));
    if (!change.has_value() || LiveClient::Type(*change) != "change") {
      std::fprintf(stderr, "change %d missing\n", i);
      return 1;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - sent).count());
  }
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  std::printf(
      "latency: INSERT -> change, 1 subscriber, %d inserts: p50 %.0f us  p90 %.0f us  "
      "p99 %.0f us  max %.0f us\n",
      flags.inserts, at(0.5), at(0.9), at(0.99), micros.back());
  return 0;
}

int FanOut(const Flags& flags) {
  const std::unique_ptr<TestServer> server =
      StartWith({"CREATE SHARED TABLE bench.feed (id BIGINT PRIMARY KEY, body TEXT)"});
  if (server == nullptr) return 1;
  const size_t subs = flags.connections * flags.per_connection;
  Tally tally(flags.connections, flags.per_connection);
  client::WsConnectOptions connect;
  connect.port = server->port();
  client::WsPool pool(connect, [&](size_t c, std::string_view m) { tally.OnMessage(c, m); });
  if (!pool.Open(flags.connections, 32, std::chrono::seconds(60)).ok()) return 1;
  if (!Paced(
          pool, tally, flags.connections, [&](size_t c) { pool.Send(c, Authenticate("root", "")); },
          [&] { return tally.authenticated; }, "auth"))
    return 1;
  const auto subscribe = [&](size_t i) {
    pool.Send(i / flags.per_connection,
              Subscribe(i % flags.per_connection, "SELECT * FROM bench.feed"));
  };
  if (!Paced(
          pool, tally, subs, subscribe, [&] { return tally.ready; }, "subscribe"))
    return 1;

  const uint64_t expected = static_cast<uint64_t>(flags.fanout_inserts) * subs;
  std::atomic<bool> writer_failed{false};
  const auto start = SteadyClock::now();
  tally.last_change = start;
  std::jthread writer([&] {
    client::HttpClient writer_http = server->Client();
    for (int i = 0; i < flags.fanout_inserts; ++i) {
      const uint64_t allowed_behind = static_cast<uint64_t>(std::max(i - flags.window, 0)) * subs;
      while (tally.delivered.load(std::memory_order_relaxed) < allowed_behind) {
        if (SteadyClock::now() - start > std::chrono::seconds(300)) return;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      if (!Sql(writer_http, "INSERT INTO bench.feed VALUES (" + std::to_string(i) + ", 'event')")) {
        writer_failed = true;
        return;
      }
    }
  });
  const bool all = Wait(
      pool, tally,
      [&] { return writer_failed || tally.Stalled() || tally.delivered.load() >= expected; },
      "fan-out");
  const double seconds = Seconds(start);
  writer.join();
  const size_t short_subs = tally.Short(0, subs, static_cast<uint64_t>(flags.fanout_inserts));
  std::printf(
      "fanout: %zu subscriptions on one SHARED table over %zu connections, %d single-row "
      "inserts: %llu events in %.2f s = %.0f events/s (%llu messages); %zu subscriptions "
      "short, %zu out of order, %zu errors\n",
      subs, flags.connections, flags.fanout_inserts,
      static_cast<unsigned long long>(tally.delivered.load()), seconds,
      static_cast<double>(tally.delivered.load()) / seconds,
      static_cast<unsigned long long>(tally.messages), short_subs, tally.out_of_order,
      tally.errors);
  pool.CloseAll();
  return all && !writer_failed && short_subs == 0 && tally.out_of_order == 0 && tally.errors == 0
             ? 0
             : 1;
}

// Writes `writes` rows into random users' USER table rows (users [0, active)) from a few
// writer threads while the pool receives; returns writes/s, or a negative value on failure.
double UserWrites(const TestServer& server, client::WsPool& pool, Tally& tally, size_t active,
                  int writes, int64_t& next_id) {
  constexpr int kWriters = 4;
  const uint64_t before = tally.delivered.load();
  std::atomic<int> issued{0};
  std::atomic<bool> failed{false};
  const int64_t base = next_id;
  next_id += writes;
  const auto start = SteadyClock::now();
  tally.last_change = start;
  std::vector<std::jthread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      client::HttpClient http = server.Client();
      std::mt19937_64 random(static_cast<uint64_t>(w) * 7919 + active);
      for (int i = issued++; i < writes; i = issued++) {
        const size_t user = random() % active;
        if (!Sql(http, "INSERT INTO bench.notes0 VALUES (" + std::to_string(base + i) +
                           ", 'note') AS USER 'u" + std::to_string(user) + "'")) {
          failed = true;
          return;
        }
      }
    });
  }
  const bool all = Wait(
      pool, tally,
      [&] {
        return failed || tally.Stalled() ||
               tally.delivered.load() - before >= static_cast<uint64_t>(writes);
      },
      "user writes");
  const double seconds = Seconds(start);
  writers.clear();
  if (!all || failed || tally.delivered.load() - before != static_cast<uint64_t>(writes)) return -1;
  return writes / seconds;
}

int Users(const Flags& flags) {
  constexpr size_t kTables = 10;
  std::vector<std::string> ddl;
  for (size_t t = 0; t < kTables; ++t)
    ddl.push_back("CREATE TABLE bench.notes" + std::to_string(t) +
                  " (id BIGINT PRIMARY KEY, body TEXT)");
  const std::unique_ptr<TestServer> server = StartWith(ddl);
  if (server == nullptr) return 1;
  const pid_t pid = server->pid();
  client::HttpClient http = server->Client();
  for (size_t first = 0; first < flags.users; first += 100) {
    std::string batch;
    for (size_t u = first; u < std::min(flags.users, first + 100); ++u)
      batch += "CREATE USER u" + std::to_string(u) + " WITH PASSWORD 'bench-password' ROLE user;";
    if (!Sql(http, batch)) return 1;
  }

  Tally tally(flags.users, kTables);
  client::WsConnectOptions connect;
  connect.port = server->port();
  client::WsPool pool(connect, [&](size_t c, std::string_view m) { tally.OnMessage(c, m); });
  const int64_t before_connections = ResidentKib(pid);
  // In waves, each authenticating right after connecting (within the auth timeout).
  constexpr size_t kWave = 500;
  for (size_t first = 0; first < flags.users; first += kWave) {
    const size_t count = std::min(kWave, flags.users - first);
    if (!pool.Open(count, 64, std::chrono::seconds(60)).ok()) return 1;
    const auto authenticate = [&](size_t i) {
      pool.Send(first + i, Authenticate("u" + std::to_string(first + i), "bench-password"));
    };
    if (!Paced(
            pool, tally, count, authenticate, [&] { return tally.authenticated; }, "auth"))
      return 1;
  }
  const int64_t after_connections = ResidentKib(pid);
  std::printf("users: %zu idle authenticated connections: server RSS +%lld KiB = %.1f KiB each\n",
              flags.users, static_cast<long long>(after_connections - before_connections),
              static_cast<double>(after_connections - before_connections) / flags.users);

  int64_t next_id = 0;
  size_t subscribed = 0;
  const auto subscribe = [&](size_t from_user, size_t to_user, size_t table) {
    const std::string sql = "SELECT * FROM bench.notes" + std::to_string(table);
    const auto send = [&](size_t i) { pool.Send(from_user + i, Subscribe(table, sql)); };
    subscribed += to_user - from_user;
    return Paced(
        pool, tally, to_user - from_user, send, [&] { return tally.ready; }, "subscribe");
  };
  const auto phase = [&](size_t active) {
    const double rate = UserWrites(*server, pool, tally, active, flags.writes, next_id);
    std::printf(
        "users: %zu subscriptions (%zu users with one on notes0): %d writes to random "
        "users, %.0f writes/s, each delivered once\n",
        subscribed, active, flags.writes, rate);
    return rate > 0;
  };

  const size_t first_phase = std::min<size_t>(1000, flags.users / 10);
  if (!subscribe(0, first_phase, 0) || !phase(first_phase)) return 1;
  if (!subscribe(first_phase, flags.users, 0) || !phase(flags.users)) return 1;
  const int64_t before_idle = ResidentKib(pid);
  for (size_t t = 1; t < kTables; ++t) {
    if (!subscribe(0, flags.users, t)) return 1;
  }
  const int64_t after_idle = ResidentKib(pid);
  const size_t idle = flags.users * (kTables - 1);
  std::printf(
      "users: %zu more idle subscriptions: server RSS +%lld KiB = %.0f B each "
      "(1M would take %.0f MiB)\n",
      idle, static_cast<long long>(after_idle - before_idle),
      1024.0 * static_cast<double>(after_idle - before_idle) / idle,
      static_cast<double>(after_idle - before_idle) / idle * 1e6 / 1024);
  if (!phase(flags.users)) return 1;
  pool.CloseAll();
  return tally.errors == 0 && tally.out_of_order == 0 ? 0 : 1;
}

}  // namespace
}  // namespace kalam::bench

int main(int argc, char** argv) {
  using namespace kalam::bench;
  const Flags flags = ParseArgs(argc, argv);
  int failures = 0;
  if (flags.only.empty() || flags.only == "latency") failures += Latency(flags);
  if (flags.only.empty() || flags.only == "fanout") failures += FanOut(flags);
  if (flags.only.empty() || flags.only == "users") failures += Users(flags);
  return failures == 0 ? 0 : 1;
}
