// HTTP load generator for the data and read paths, built on client/.
// Starts the real kalamdb-server (temp data dir, free port), then runs, each for a fixed
// time with N keep-alive clients: single-row INSERTs, 1,000-row INSERTs, PK point SELECTs
// and a 10k-row GROUP BY. Prints throughput and latency percentiles. Then the side-by-side
// targets, each pair interleaved in rounds so machine noise hits both alike:
//   SC-006  a query over a system table vs the same query over a SHARED table of the same rows
//   SC-009  a query through a view vs the view's body run directly
// and the peak resident memory a count(*) over 1M rows adds to the server.
//
//   load_generator [--seconds S] [--clients N] [--smoke]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "client/sql_client.h"
#include "tests/e2e/test_server.h"

namespace kalam::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  double seconds = 10;
  int clients = 64;
};

struct Outcome {
  uint64_t requests = 0;
  uint64_t rows = 0;
  uint64_t errors = 0;
  std::vector<double> latencies_us;
};

// Runs `request(client, thread, i)` from `clients` threads for `seconds`; it returns the
// rows the request wrote or read, or -1 for a failed request. Clients authenticate as root
// with Basic, or with `authorization` when given.
template <typename Request>
Outcome Run(const e2e::TestServer& server, const Options& options, int clients, Request request,
            const std::string& authorization = "") {
  std::vector<Outcome> outcomes(static_cast<size_t>(clients));
  const auto end = Clock::now() + std::chrono::duration<double>(options.seconds);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < clients; ++t) {
      threads.emplace_back([&, t] {
        client::HttpClient client = server.Client();
        if (!authorization.empty()) client.SetDefaultHeaders({{"Authorization", authorization}});
        Outcome& outcome = outcomes[static_cast<size_t>(t)];
        for (uint64_t i = 0; Clock::now() < end; ++i) {
          const auto start = Clock::now();
          const int64_t rows = request(client, t, i);
          outcome.latencies_us.push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - start).count());
          ++outcome.requests;
          if (rows < 0) {
            ++outcome.errors;
          } else {
            outcome.rows += static_cast<uint64_t>(rows);
          }
        }
      });
    }
  }
  Outcome total;
  for (Outcome& outcome : outcomes) {
    total.requests += outcome.requests;
    total.rows += outcome.rows;
    total.errors += outcome.errors;
    total.latencies_us.insert(total.latencies_us.end(), outcome.latencies_us.begin(),
                              outcome.latencies_us.end());
  }
  std::sort(total.latencies_us.begin(), total.latencies_us.end());
  return total;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(p * static_cast<double>(sorted.size())))];
}

void Report(const char* name, const Outcome& outcome, const Options& options, int clients) {
  std::printf(
      "%-32s clients=%-3d requests/s=%-9.0f rows/s=%-10.0f p50=%.0fus p99=%.0fus errors=%llu\n",
      name, clients, static_cast<double>(outcome.requests) / options.seconds,
      static_cast<double>(outcome.rows) / options.seconds, Percentile(outcome.latencies_us, 0.5),
      Percentile(outcome.latencies_us, 0.99), static_cast<unsigned long long>(outcome.errors));
}

// The server's SQL worker count: $KALAM_BENCH_WORKERS, else the server default (0).
std::string QueryWorkers() {
  const char* workers = std::getenv("KALAM_BENCH_WORKERS");  // NOLINT(concurrency-mt-unsafe)
  return workers != nullptr ? workers : "0";
}

int64_t Post(client::HttpClient& client, const std::string& sql, int64_t rows) {
  Result<client::SqlReply> reply = client::PostSql(client, sql);
  return reply.ok() && reply->http_status == 200 ? rows : -1;
}

// An access token for root (passwordless from loopback), or "" with the reason printed.
std::string AccessToken(client::HttpClient& client) {
  const Result<client::HttpResult> reply =
      client.Post("/v1/api/auth/login", R"({"user": "root", "password": ""})");
  if (!reply.ok() || reply->status != 200) {
    std::fprintf(stderr, "login failed: %s\n", reply.ok() ? reply->body.c_str() : "no reply");
    return "";
  }
  return std::string(boost::json::parse(reply->body).at("access_token").as_string());
}

// Runs `a` and `b` (2 clients each) in alternating rounds for options.seconds in all and
// prints their throughput and the ratio b/a.
bool Compare(const e2e::TestServer& server, const Options& options, const char* name,
             const std::string& a_sql, const std::string& b_sql, double allowed_ratio) {
  constexpr int kRounds = 6;
  Options round = options;
  round.seconds = options.seconds / (2 * kRounds);
  uint64_t a_requests = 0;
  uint64_t b_requests = 0;
  uint64_t errors = 0;
  for (int r = 0; r < kRounds; ++r) {
    for (const bool first : {true, false}) {
      const std::string& sql = first ? a_sql : b_sql;
      const Outcome outcome = Run(
          server, round, 2, [&](client::HttpClient& c, int, uint64_t) { return Post(c, sql, 1); });
      (first ? a_requests : b_requests) += outcome.requests;
      errors += outcome.errors;
    }
  }
  const double seconds = round.seconds * kRounds;
  const double a_rate = static_cast<double>(a_requests) / seconds;
  const double b_rate = static_cast<double>(b_requests) / seconds;
  const double ratio = a_rate > 0 ? b_rate / a_rate : 0;
  std::printf("%-32s direct=%.0f/s compared=%.0f/s ratio=%.3f (target >= %.2f) errors=%llu\n", name,
              a_rate, b_rate, ratio, allowed_ratio, static_cast<unsigned long long>(errors));
  return errors == 0;
}

// SC-006 and SC-009. The system table is system.users with 500 users; the SHARED table holds
// the same rows. The view is a GROUP BY over the 10k-row table.
bool CompareReadPaths(const e2e::TestServer& server, client::HttpClient& setup,
                      const Options& options) {
  const int users = options.seconds < 1 ? 20 : 500;
  for (int u = 0; u < users; u += 50) {
    std::string batch;
    for (int v = u; v < std::min(users, u + 50); ++v) {
      batch += "CREATE USER bench_user_" + std::to_string(v) +
               " WITH PASSWORD 'bench-password-1' ROLE user;";
    }
    if (Post(setup, batch, 0) < 0) return false;
  }
  for (const char* sql :
       {"CREATE SHARED TABLE bench.users_copy (user_id TEXT PRIMARY KEY, username TEXT, "
        "role TEXT, email TEXT, created_at TIMESTAMP)",
        "INSERT INTO bench.users_copy SELECT user_id, username, role, email, created_at "
        "FROM system.users",
        "CREATE VIEW bench.by_n AS SELECT n, count(*) AS c, max(body) AS m FROM bench.grouped "
        "GROUP BY n"}) {
    if (Post(setup, sql, 0) < 0) return false;
  }
  const std::string query = " WHERE role = 'user' AND username LIKE 'bench_user_1%'";
  bool ok =
      Compare(server, options, "SC-006 system vs SHARED table",
              "SELECT count(*), max(username), min(created_at) FROM bench.users_copy" + query,
              "SELECT count(*), max(username), min(created_at) FROM system.users" + query, 0.90);
  ok &= Compare(server, options, "SC-009 view vs its body",
                "SELECT * FROM (SELECT n, count(*) AS c, max(body) AS m FROM bench.grouped GROUP "
                "BY n) WHERE c > 0 ORDER BY n",
                "SELECT * FROM bench.by_n WHERE c > 0 ORDER BY n", 0.95);
  return ok;
}

// The peak resident memory a count(*) over a 1M-row table adds to the server.
bool MeasureLargeScan(const e2e::TestServer& server, client::HttpClient& setup,
                      const Options& options) {
  const int64_t rows = options.seconds < 1 ? 20000 : 1000000;
  if (Post(setup, "CREATE TABLE bench.large (id BIGINT PRIMARY KEY, body TEXT)", 0) < 0) {
    return false;
  }
  for (int64_t start = 0; start < rows; start += 10000) {
    std::string sql = "INSERT INTO bench.large VALUES ";
    for (int64_t id = start; id < std::min(rows, start + 10000); ++id) {
      sql += (id == start ? "(" : ",(") + std::to_string(id) +
             ",'a body of about sixty bytes, padded to look like a message')";
    }
    if (Post(setup, sql, 0) < 0) return false;
  }
  e2e::ResetPeakResident(server.pid());
  const int64_t before = e2e::PeakResidentMib(server.pid());
  const auto start = Clock::now();
  const int64_t ok = Post(setup, "SELECT count(*), sum(length(body)) FROM bench.large", 1);
  const double millis = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  std::printf("%-32s rows=%lld time=%.0fms peak_rss_added=%lldMiB (rss before: %lldMiB)\n",
              "count(*) over a large table", static_cast<long long>(rows), millis,
              static_cast<long long>(e2e::PeakResidentMib(server.pid()) - before),
              static_cast<long long>(before));
  return ok >= 0;
}

int Main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--smoke") {
      options.seconds = 0.3;
      options.clients = 4;
    } else if (arg == "--seconds" && i + 1 < argc) {
      options.seconds = std::stod(argv[++i]);
    } else if (arg == "--clients" && i + 1 < argc) {
      options.clients = std::stoi(argv[++i]);
    }
  }
  Result<std::unique_ptr<e2e::TestServer>> started = e2e::TestServer::Start(
      {.env = {{"KALAMDB_LOGGING_LEVEL", "warn"},
               {"KALAMDB_ENGINE_QUERY_WORKERS", QueryWorkers()},
               // one user drives every client: measure the server,
               // not the per-user rate limit or statement cap
               {"KALAMDB_LIMITS_QUERIES_PER_SECOND_PER_USER", "0"},
               {"KALAMDB_LIMITS_MAX_CONCURRENT_STATEMENTS_PER_USER", "100000"},
               {"KALAMDB_ENGINE_MAX_QUEUED_REQUESTS", "100000"},
               // SC-006 creates users: hash their passwords cheaply
               {"KALAMDB_AUTH_ARGON2_MEMORY_KIB", "1024"},
               {"KALAMDB_AUTH_ARGON2_ITERATIONS", "1"}}});
  if (!started.ok()) {
    std::fprintf(stderr, "%s\n", started.status().ToString().c_str());
    return 1;
  }
  const e2e::TestServer& server = **started;
  client::HttpClient setup = server.Client();
  for (const char* sql :
       {"CREATE NAMESPACE bench",
        "CREATE TABLE bench.single (id BIGINT PRIMARY KEY DEFAULT SNOWFLAKE_ID(), "
        "body TEXT, n INT)",
        "CREATE TABLE bench.bulk (id BIGINT PRIMARY KEY, body TEXT, n INT)",
        "CREATE TABLE bench.grouped (id BIGINT PRIMARY KEY, body TEXT, n INT)",
        "INSERT INTO bench.grouped SELECT i, 'body ' || i, i % 100 FROM range(10000) r(i)"}) {
    if (Post(setup, sql, 0) < 0) return 1;
  }

  const Outcome single =
      Run(server, options, options.clients, [](client::HttpClient& c, int t, uint64_t i) {
        return Post(c,
                    "INSERT INTO bench.single (body, n) VALUES ('message from client " +
                        std::to_string(t) + "', " + std::to_string(i) + ")",
                    1);
      });
  Report("single-row INSERT", single, options, options.clients);

  std::atomic<int64_t> next_id{0};
  const Outcome bulk = Run(server, options, 2, [&](client::HttpClient& c, int, uint64_t) {
    std::string sql = "INSERT INTO bench.bulk VALUES ";
    const int64_t first = next_id.fetch_add(1000);
    for (int64_t r = 0; r < 1000; ++r) {
      sql += (r ? ",(" : "(") + std::to_string(first + r) + ",'row body text " + std::to_string(r) +
             "'," + std::to_string(r % 100) + ")";
    }
    return Post(c, sql, 1000);
  });
  Report("1000-row INSERT", bulk, options, 2);

  const int64_t rows_available = std::max<int64_t>(next_id.load(), 1);
  const auto point_select = [&](client::HttpClient& c, int t, uint64_t i) {
    const int64_t id = static_cast<int64_t>((i * 7919 + static_cast<uint64_t>(t) * 104729) %
                                            static_cast<uint64_t>(rows_available));
    return Post(c, "SELECT body FROM bench.bulk WHERE id = " + std::to_string(id), 1);
  };
  const Outcome point = Run(server, options, options.clients, point_select);
  Report("PK point SELECT (Basic)", point, options, options.clients);
  // The same with a Bearer token: the auth cost per request is one HMAC check either way
  // (Basic passwords are verified once, then remembered; ADR 0012).
  const std::string token = AccessToken(setup);
  if (token.empty()) return 1;
  const Outcome bearer = Run(server, options, options.clients, point_select, "Bearer " + token);
  Report("PK point SELECT (Bearer)", bearer, options, options.clients);

  const Outcome group = Run(server, options, 2, [](client::HttpClient& c, int, uint64_t) {
    return Post(c, "SELECT n, count(*), max(body) FROM bench.grouped GROUP BY n ORDER BY n", 10000);
  });
  Report("10k-row GROUP BY (rows scanned)", group, options, 2);
  std::printf("bulk table rows: %lld\n", static_cast<long long>(rows_available));
  bool failed = single.errors + bulk.errors + point.errors + bearer.errors + group.errors > 0;
  failed |= !CompareReadPaths(server, setup, options);
  failed |= !MeasureLargeScan(server, setup, options);
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace kalam::bench

int main(int argc, char** argv) {
  return kalam::bench::Main(argc, argv);
}
