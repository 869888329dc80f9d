// Live queries over /v1/ws against the real server: authentication, the protocol's
// messages and errors, snapshots, changes through filters, isolation, lifecycle, limits.
#include <atomic>
#include <csignal>
#include <ctime>
#include <random>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "client/ws_pool.h"
#include "tests/e2e/live_fixture.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

class LiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<TestServer>> started =
        TestServer::Start({.env = WithCheapPasswordHashes(
                               {{"KALAMDB_WEBSOCKET_AUTH_TIMEOUT_MS", "500"},
                                {"KALAMDB_WEBSOCKET_MAX_MESSAGE_BYTES", "4096"},
                                {"KALAMDB_WEBSOCKET_MAX_SUBSCRIPTIONS_PER_CONNECTION", "3"},
                                {"KALAMDB_WEBSOCKET_MAX_MESSAGES_PER_SECOND", "200"},
                                {"KALAMDB_WEBSOCKET_ALLOWED_ORIGINS", "https://app.example.com"},
                                {"KALAMDB_LIMITS_MAX_CONCURRENT_STATEMENTS_PER_USER", "64"}})});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value().release();
    client::HttpClient root = server_->Client();
    for (const std::string user : {"alice", "bob", "carol"}) {
      Result<SqlReply> created =
          PostSql(root, "CREATE USER " + user + " WITH PASSWORD '" + user + "-secret-1' ROLE user");
      ASSERT_TRUE(created.ok() && created->http_status == 200);
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    root_ = std::make_unique<client::HttpClient>(server_->Client());
    ns_ = "live" + std::to_string(next_namespace_++);
    Ok("CREATE NAMESPACE " + ns_);
  }
  void TearDown() override {
    if (HasFailure() && server_ != nullptr) std::cerr << "server log:\n" << server_->Log();
  }

  SqlReply Ok(const std::string& sql) { return Ok(*root_, sql); }
  static SqlReply Ok(client::HttpClient& http, const std::string& sql) {
    Result<SqlReply> reply = PostSql(http, sql);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return {};
    EXPECT_EQ(reply->http_status, 200) << sql << "\n" << json::serialize(reply->body);
    return *reply;
  }
  client::HttpClient As(const std::string& user) {
    client::HttpClient http = server_->AnonymousClient();
    http.SetDefaultHeaders({{"Authorization", BasicAuthorization(user, user + "-secret-1")}});
    return http;
  }
  std::unique_ptr<LiveClient> Login(const std::string& user,
                                    client::WsConnectOptions options = {}) {
    return LiveClient::Login(server_->port(), user, user + "-secret-1", std::move(options));
  }

  static inline TestServer* server_ = nullptr;
  static inline std::atomic<int> next_namespace_{0};
  std::unique_ptr<client::HttpClient> root_;
  std::string ns_;
};

// ---- connection and authentication ----

TEST_F(LiveTest, BasicAuthenticationNamesTheUserAndRole) {
  auto live = LiveClient::Connect(server_->port());
  ASSERT_NE(live, nullptr);
  live->Send({{"type", "authenticate"},
              {"method", "basic"},
              {"username", "alice"},
              {"password", "alice-secret-1"}});
  const json::object reply = live->Expect("auth_success");
  EXPECT_EQ(reply.at("user"), "alice");
  EXPECT_EQ(reply.at("role"), "user");
  EXPECT_FALSE(Cell(reply, "user_id").empty());
  live->Send({{"type", "ping"}});
  live->Expect("pong");
}

TEST_F(LiveTest, JwtAuthenticationWorksAndABadTokenIsRefused) {
  client::HttpClient http = server_->AnonymousClient();
  Result<client::HttpResult> login =
      http.Post("/v1/api/auth/login", R"({"user":"bob","password":"bob-secret-1"})");
  ASSERT_TRUE(login.ok() && login->status == 200);
  const std::string token(json::parse(login->body).at("access_token").as_string());
  auto live = LiveClient::Connect(server_->port());
  ASSERT_NE(live, nullptr);
  live->Send({{"type", "authenticate"}, {"method", "jwt"}, {"token", token}});
  EXPECT_EQ(live->Expect("auth_success").at("user"), "bob");

  auto forged = LiveClient::Connect(server_->port());
  ASSERT_NE(forged, nullptr);
  forged->Send({{"type", "authenticate"}, {"method", "jwt"}, {"token", token + "x"}});
  forged->Expect("auth_error");
  EXPECT_TRUE(forged->WaitClosed());
  EXPECT_EQ(forged->ws().close_code(), 1008);
}

TEST_F(LiveTest, AWrongPasswordGetsAnAuthErrorAndTheConnectionCloses) {
  auto live = LiveClient::Connect(server_->port());
  ASSERT_NE(live, nullptr);
  live->Send({{"type", "authenticate"},
              {"method", "basic"},
              {"username", "alice"},
              {"password", "wrong-password"}});
  const json::object reply = live->Expect("auth_error");
  EXPECT_THAT(Cell(reply, "message"), HasSubstr("Invalid"));
  EXPECT_TRUE(live->WaitClosed());
}

TEST_F(LiveTest, SilenceAfterConnectingIsAnAuthenticationTimeout) {
  auto live = LiveClient::Connect(server_->port());
  ASSERT_NE(live, nullptr);
  const json::object reply = live->Expect("auth_error");
  EXPECT_THAT(Cell(reply, "message"), HasSubstr("Authentication timeout"));
  EXPECT_TRUE(live->WaitClosed());
}

TEST_F(LiveTest, EverythingButAuthenticateAndPingNeedsAuthentication) {
  auto live = LiveClient::Connect(server_->port());
  ASSERT_NE(live, nullptr);
  live->Send({{"type", "subscribe"},
              {"subscription", {{"id", "s"}, {"sql", "SELECT * FROM " + ns_ + ".t"}}}});
  live->ExpectError("AUTH_REQUIRED");
  live->Send({{"type", "ping"}});
  live->Expect("pong");
}

TEST_F(LiveTest, MalformedMessagesGetErrorsAndTheConnectionLives) {
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  live->SendText("{not json");
  live->ExpectError("INVALID_MESSAGE");
  live->SendText("[1,2]");
  live->ExpectError("INVALID_MESSAGE");
  live->Send({{"type", "no_such_thing"}});
  live->ExpectError("UNKNOWN_MESSAGE_TYPE");
  ASSERT_TRUE(live->ws().SendBinary(std::string("\x01\x02\x03", 3)).ok());
  live->ExpectError("UNSUPPORTED_DATA");
  live->SendText(R"({"type":"ping","pad":")" + std::string(10000, 'x') + R"("})");
  live->ExpectError("MESSAGE_TOO_LARGE");
  live->SendText(std::string(64, '{'));
  live->ExpectError("INVALID_MESSAGE");
  live->Send({{"type", "subscribe"}, {"subscription", {{"sql", "SELECT 1"}}}});
  live->ExpectError("INVALID_SUBSCRIPTION_ID");
  live->Send({{"type", "ping"}});
  live->Expect("pong");
}

TEST_F(LiveTest, OriginsOutsideTheAllowListAreRefusedBeforeTheUpgrade) {
  Result<std::unique_ptr<client::WsClient>> refused = client::WsClient::Connect(
      {.port = server_->port(), .headers = {{"Origin", "https://evil.example.com"}}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("Origin not allowed"));
  Result<std::unique_ptr<client::WsClient>> allowed = client::WsClient::Connect(
      {.port = server_->port(), .headers = {{"Origin", "https://app.example.com"}}});
  EXPECT_TRUE(allowed.ok()) << allowed.status().ToString();
}

TEST_F(LiveTest, PermessageDeflateIsNegotiatedWithClientsThatOfferIt) {
  auto compressed = Login("alice", {.deflate = true});
  ASSERT_NE(compressed, nullptr);
  EXPECT_TRUE(compressed->ws().deflate_negotiated());
  auto plain = Login("alice");
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->ws().deflate_negotiated());
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, body TEXT)");
  compressed->Subscribe("s", "SELECT * FROM " + ns_ + ".t");
  client::HttpClient alice = As("alice");
  Ok(alice, "INSERT INTO " + ns_ + ".t VALUES (1, '" + std::string(2000, 'z') + "')");
  const json::object change = compressed->Expect("change");
  EXPECT_EQ(Cell(change.at("rows").as_array()[0].as_object(), "body"), std::string(2000, 'z'));
}

TEST_F(LiveTest, APlainGetOfTheWebSocketPathSaysToUpgrade) {
  Result<client::HttpResult> reply = root_->Get("/v1/ws");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 426);
  EXPECT_THAT(reply->body, HasSubstr("UPGRADE_REQUIRED"));
}

// ---- subscribing ----

TEST_F(LiveTest, AckCarriesTheProjectedSchemaAndRowsAreObjectsWithSeq) {
  Ok("CREATE TABLE " + ns_ + ".msg (id BIGINT PRIMARY KEY, room TEXT, body TEXT, n INT)");
  client::HttpClient alice = As("alice");
  Ok(alice, "INSERT INTO " + ns_ + ".msg VALUES (1, 'a', 'hi', 7), (2, 'b', 'yo', 8)");
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  LiveClient::Snapshot snapshot =
      live->Subscribe("s1", "SELECT id, body FROM " + ns_ + ".msg WHERE room = 'a'");
  const json::array& schema = snapshot.ack.at("schema").as_array();
  ASSERT_EQ(schema.size(), 3u);
  EXPECT_EQ(schema[0].at("name"), "id");
  EXPECT_EQ(schema[0].at("data_type"), "BIGINT");
  EXPECT_EQ(schema[1].at("name"), "body");
  EXPECT_EQ(schema[2].at("name"), "_seq");
  ASSERT_EQ(snapshot.rows.size(), 1u);
  EXPECT_EQ(Cell(snapshot.rows[0], "id"), "1");  // BIGINT as a string, as over HTTP
  EXPECT_EQ(Cell(snapshot.rows[0], "body"), "hi");
  EXPECT_FALSE(snapshot.rows[0].contains("room"));
  EXPECT_FALSE(Cell(snapshot.rows[0], "_seq").empty());
}

TEST_F(LiveTest, QueriesOutsideTheLiveShapeAreRefusedNamingTheConstruct) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, v INT)");
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SELECT * FROM " + ns_ + ".t a JOIN " + ns_ + ".t b ON a.id = b.id", "UNSUPPORTED_QUERY"},
      {"SELECT count(*) FROM " + ns_ + ".t", "UNSUPPORTED_QUERY"},
      {"SELECT * FROM " + ns_ + ".t ORDER BY id", "UNSUPPORTED_QUERY"},
      {"SELECT * FROM " + ns_ + ".t WHERE v IN (SELECT v FROM " + ns_ + ".t)", "UNSUPPORTED_QUERY"},
      {"SELECT * FROM " + ns_ + ".nope", "TABLE_NOT_FOUND"},
      {"SELECT nope FROM " + ns_ + ".t", "COLUMN_NOT_FOUND"},
      {"SELECT * FROM " + ns_ + ".t WHERE nope = 1", "COLUMN_NOT_FOUND"},
      {"SELEC * FROM " + ns_ + ".t", "SYNTAX_ERROR"},
      {"SELECT * FROM system.users", "PERMISSION_DENIED"},
  };
  int n = 0;
  for (const auto& [sql, code] : cases) {
    const std::string id = "q" + std::to_string(n++);
    live->Send({{"type", "subscribe"}, {"subscription", {{"id", id}, {"sql", sql}}}});
    const json::object error = live->ExpectError(code);
    EXPECT_EQ(Cell(error, "subscription_id"), id) << sql;
  }
  // Nothing was registered by the refusals: the connection's limit (3) is untouched.
  for (int i = 0; i < 3; ++i)
    live->Subscribe("ok" + std::to_string(i), "SELECT * FROM " + ns_ + ".t");
  live->Send({{"type", "subscribe"},
              {"subscription", {{"id", "one-too-many"}, {"sql", "SELECT * FROM " + ns_ + ".t"}}}});
  live->ExpectError("SUBSCRIPTION_LIMIT_EXCEEDED");
  live->Send({{"type", "subscribe"},
              {"subscription", {{"id", "ok0"}, {"sql", "SELECT * FROM " + ns_ + ".t"}}}});
  live->ExpectError("ALREADY_EXISTS");
  // Unsubscribing frees the id and the slot.
  live->Send({{"type", "unsubscribe"}, {"subscription_id", "ok0"}});
  live->Subscribe("ok0", "SELECT * FROM " + ns_ + ".t");
  live->Send({{"type", "unsubscribe"}, {"subscription_id", "never-was"}});
  live->ExpectError("NOT_FOUND");
}

TEST_F(LiveTest, ChangesFollowTheFilterIntoWithinAndOutOfIt) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, v INT, note TEXT)");
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  live->Subscribe("f", "SELECT id, v FROM " + ns_ + ".t WHERE v > 10");
  client::HttpClient alice = As("alice");
  const std::string t = ns_ + ".t";
  Ok(alice, "INSERT INTO " + t + " VALUES (1, 5, 'out')");  // not sent
  Ok(alice, "INSERT INTO " + t + " VALUES (2, 20, 'in')");  // insert
  Ok(alice, "UPDATE " + t + " SET v = 30 WHERE id = 1");    // enters: insert
  Ok(alice, "UPDATE " + t + " SET v = 40 WHERE id = 2");    // within: update
  Ok(alice, "UPDATE " + t + " SET v = 1 WHERE id = 1");     // leaves: delete
  Ok(alice, "DELETE FROM " + t + " WHERE id = 2");          // delete with old values

  json::object change = live->Expect("change");
  EXPECT_EQ(change.at("change_type"), "insert");
  EXPECT_EQ(Cell(change.at("rows").as_array()[0].as_object(), "id"), "2");
  change = live->Expect("change");
  EXPECT_EQ(change.at("change_type"), "insert");
  EXPECT_EQ(Cell(change.at("rows").as_array()[0].as_object(), "v"), "30");
  change = live->Expect("change");
  EXPECT_EQ(change.at("change_type"), "update");
  const json::object& updated = change.at("rows").as_array()[0].as_object();
  const json::object& replaced = change.at("old_values").as_array()[0].as_object();
  EXPECT_EQ(Cell(updated, "v"), "40");
  EXPECT_EQ(Cell(updated, "id"), "2");  // unchanged columns are there too
  EXPECT_FALSE(updated.contains("note"));
  EXPECT_EQ(Cell(replaced, "v"), "20");
  // The new version's _seq is the change's; the old values carry the replaced version's.
  EXPECT_EQ(Cell(updated, "_seq"), Cell(change, "seq"));
  EXPECT_LT(std::stoll(Cell(replaced, "_seq")), std::stoll(Cell(change, "seq")));
  change = live->Expect("change");
  EXPECT_EQ(change.at("change_type"), "delete");
  EXPECT_EQ(Cell(change.at("old_values").as_array()[0].as_object(), "id"), "1");
  EXPECT_EQ(Cell(change.at("old_values").as_array()[0].as_object(), "v"), "30");
  change = live->Expect("change");
  EXPECT_EQ(change.at("change_type"), "delete");
  EXPECT_EQ(Cell(change.at("old_values").as_array()[0].as_object(), "v"), "40");
  // A deleted row carries the delete's _seq: the newest _seq seen is where to resume.
  EXPECT_EQ(Cell(change.at("old_values").as_array()[0].as_object(), "_seq"), Cell(change, "seq"));
  EXPECT_FALSE(change.at("old_values").as_array()[0].as_object().contains("note"));
  EXPECT_FALSE(live->TryNext(std::chrono::milliseconds(300)).has_value());
}

TEST_F(LiveTest, AMultiRowStatementArrivesAsOneChangeMessage) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, v INT)");
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  live->Subscribe("m", "SELECT * FROM " + ns_ + ".t");
  client::HttpClient alice = As("alice");
  Ok(alice, "INSERT INTO " + ns_ + ".t VALUES (1, 1), (2, 2), (3, 3)");
  const json::object change = live->Expect("change");
  EXPECT_EQ(change.at("change_type"), "insert");
  const json::array& rows = change.at("rows").as_array();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LT(std::stoll(Cell(rows[0].as_object(), "_seq")),
            std::stoll(Cell(rows[2].as_object(), "_seq")));
  EXPECT_EQ(Cell(change, "seq"), Cell(rows[2].as_object(), "_seq"));
}

TEST_F(LiveTest, AnotherUsersWritesNeverReachYouOnUserAndStreamTables) {
  Ok("CREATE TABLE " + ns_ + ".notes (id INT PRIMARY KEY, body TEXT)");
  Ok("CREATE TABLE " + ns_ + ".events (kind TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = 60)");
  auto alice_live = Login("alice");
  auto bob_live = Login("bob");
  ASSERT_NE(alice_live, nullptr);
  ASSERT_NE(bob_live, nullptr);
  alice_live->Subscribe("n", "SELECT * FROM " + ns_ + ".notes");
  alice_live->Subscribe("e", "SELECT * FROM " + ns_ + ".events");
  bob_live->Subscribe("n", "SELECT * FROM " + ns_ + ".notes");
  bob_live->Subscribe("e", "SELECT * FROM " + ns_ + ".events");
  client::HttpClient bob = As("bob");
  Ok(bob, "INSERT INTO " + ns_ + ".notes VALUES (1, 'bob private')");
  Ok(bob, "INSERT INTO " + ns_ + ".events VALUES ('bob event')");
  // Root writing into alice's scope (AS USER) reaches alice only.
  Ok("INSERT INTO " + ns_ + ".notes VALUES (2, 'for alice') AS USER 'alice'");
  Ok("INSERT INTO " + ns_ + ".events VALUES ('alice event') AS USER 'alice'");

  std::vector<std::string> bob_saw;
  for (int i = 0; i < 2; ++i) {
    const json::object change = bob_live->Expect("change");
    bob_saw.push_back(Cell(change, "subscription_id") + ":" +
                      json::serialize(change.at("rows").as_array()[0].as_object()));
  }
  EXPECT_THAT(bob_saw[0], HasSubstr("bob private"));
  EXPECT_THAT(bob_saw[1], HasSubstr("bob event"));
  json::object change = alice_live->Expect("change");
  EXPECT_THAT(json::serialize(change), HasSubstr("for alice"));
  change = alice_live->Expect("change");
  EXPECT_THAT(json::serialize(change), HasSubstr("alice event"));
  EXPECT_FALSE(alice_live->TryNext(std::chrono::milliseconds(300)).has_value());
  EXPECT_FALSE(bob_live->TryNext(std::chrono::milliseconds(100)).has_value());
}

TEST_F(LiveTest, SharedTablesFollowTheirAccessLevel) {
  Ok("CREATE SHARED TABLE " + ns_ +
     ".pub (id INT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = "
     "'PUBLIC')");
  Ok("CREATE SHARED TABLE " + ns_ +
     ".priv (id INT PRIMARY KEY, v TEXT) WITH (ACCESS_LEVEL = "
     "'PRIVATE')");
  auto alice = Login("alice");
  auto bob = Login("bob");
  ASSERT_NE(alice, nullptr);
  ASSERT_NE(bob, nullptr);
  alice->Subscribe("p", "SELECT * FROM " + ns_ + ".pub");
  bob->Subscribe("p", "SELECT * FROM " + ns_ + ".pub WHERE id > 1");
  alice->Send({{"type", "subscribe"},
               {"subscription", {{"id", "x"}, {"sql", "SELECT * FROM " + ns_ + ".priv"}}}});
  alice->ExpectError("PERMISSION_DENIED");
  Ok("INSERT INTO " + ns_ + ".pub VALUES (1, 'one'), (2, 'two')");
  EXPECT_EQ(alice->Expect("change").at("rows").as_array().size(), 2u);
  const json::object change = bob->Expect("change");
  ASSERT_EQ(change.at("rows").as_array().size(), 1u);
  EXPECT_EQ(Cell(change.at("rows").as_array()[0].as_object(), "v"), "two");
}

TEST_F(LiveTest, BatchSizePagesTheSnapshotAndLastRowsGivesTheNewestInOrder) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY)");
  client::HttpClient alice = As("alice");
  std::string values;
  for (int i = 1; i <= 25; ++i)
    values += (i > 1 ? "," : "") + ("(" + std::to_string(i) + ")");
  Ok(alice, "INSERT INTO " + ns_ + ".t VALUES " + values);
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  LiveClient::Snapshot paged =
      live->Subscribe("b", "SELECT * FROM " + ns_ + ".t", {{"batch_size", 10}});
  EXPECT_EQ(paged.batches, 3u);
  ASSERT_EQ(paged.rows.size(), 25u);
  EXPECT_EQ(paged.ack.at("batch_control").at("status"), "loading");
  EXPECT_THAT(paged.statuses, ::testing::ElementsAre("loading", "loading_batch", "ready"));
  EXPECT_THAT(paged.batch_numbers, ::testing::ElementsAre(0, 1, 2));
  // One batch (the default size): the ack and the batch both say ready.
  LiveClient::Snapshot whole = live->Subscribe("w", "SELECT * FROM " + ns_ + ".t");
  EXPECT_EQ(whole.ack.at("batch_control").at("status"), "ready");
  EXPECT_THAT(whole.statuses, ::testing::ElementsAre("ready"));
  EXPECT_EQ(whole.rows.size(), 25u);
  live->Send({{"type", "unsubscribe"}, {"subscription_id", "w"}});
  for (int i = 0; i < 25; ++i)
    EXPECT_EQ(Cell(paged.rows[i], "id"), std::to_string(i + 1));

  LiveClient::Snapshot newest =
      live->Subscribe("l", "SELECT * FROM " + ns_ + ".t WHERE id % 2 = 0", {{"last_rows", 3}});
  ASSERT_EQ(newest.rows.size(), 3u);
  EXPECT_EQ(Cell(newest.rows[0], "id"), "20");
  EXPECT_EQ(Cell(newest.rows[2], "id"), "24");

  live->Send({{"type", "next_batch"}, {"subscription_id", "l"}});
  live->ExpectError("INVALID_ARGUMENT");
  live->Send(
      {{"type", "subscribe"},
       {"subscription",
        {{"id", "z"}, {"sql", "SELECT * FROM " + ns_ + ".t"}, {"options", {{"batch_size", 0}}}}}});
  live->ExpectError("INVALID_ARGUMENT");
}

// ---- lifecycle ----

TEST_F(LiveTest, LiveQueriesAreListedAndCanBeKilledByTheirOwnerOrADba) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY)");
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  live->Subscribe("mine", "SELECT * FROM " + ns_ + ".t");
  live->Subscribe("other", "SELECT * FROM " + ns_ + ".t");
  client::HttpClient alice = As("alice");
  client::HttpClient bob = As("bob");
  SqlReply listed = Ok(alice, "SHOW LIVE QUERIES");
  ASSERT_EQ(listed.Rows().size(), 2u);
  EXPECT_TRUE(Ok(bob, "SHOW LIVE QUERIES").Rows().empty());
  Result<SqlReply> refused = PostSql(bob, "SELECT * FROM system.live_queries");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->http_status, 403);

  SqlReply all =
      Ok("SELECT live_id, subscription_id, user_id, query, changes_delivered FROM "
         "system.live_queries WHERE subscription_id = 'mine' AND query LIKE '%" +
         ns_ + ".t%'");
  ASSERT_EQ(all.Rows().size(), 1u);
  const std::string live_id(all.Rows()[0].as_array()[0].as_string());

  Result<SqlReply> not_theirs = PostSql(bob, "KILL LIVE QUERY '" + live_id + "'");
  ASSERT_TRUE(not_theirs.ok());
  EXPECT_NE(not_theirs->http_status, 200);
  EXPECT_THAT(Ok(alice, "KILL LIVE QUERY '" + live_id + "'").Message(), HasSubstr(live_id));
  const json::object killed = live->ExpectError("KILLED");
  EXPECT_EQ(Cell(killed, "subscription_id"), "mine");
  EXPECT_EQ(Ok(alice, "SHOW LIVE QUERIES").Rows().size(), 1u);

  const std::string other_id(
      Ok("SELECT live_id FROM system.live_queries WHERE subscription_id = 'other' AND query LIKE "
         "'%" +
         ns_ + ".t%'")
          .Rows()[0]
          .as_array()[0]
          .as_string());
  Ok("KILL LIVE QUERY '" + other_id + "'");
  live->ExpectError("KILLED");
  Result<SqlReply> gone = PostSql(*root_, "KILL LIVE QUERY '" + other_id + "'");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->http_status, 400);
  EXPECT_EQ(gone->ErrorCode(), "NOT_FOUND");
}

TEST_F(LiveTest, UnsubscribingOrDisconnectingRemovesTheLiveQueryRows) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY)");
  client::HttpClient alice = As("alice");
  const std::string commented = "SELECT * FROM " + ns_ + ".t -- close_marker_x";
  {
    auto live = Login("alice");
    ASSERT_NE(live, nullptr);
    // An empty table with an empty options object: the ack says ready at once.
    live->Send({{"type", "subscribe"},
                {"subscription", {{"id", "a"}, {"sql", commented}, {"options", json::object{}}}}});
    const json::object ack = live->Expect("subscription_ack");
    EXPECT_EQ(Cell(ack, "subscription_id"), "a");
    EXPECT_EQ(ack.at("batch_control").at("status"), "ready");
    const json::object batch = live->Expect("initial_data_batch");
    EXPECT_TRUE(batch.at("rows").as_array().empty());
    live->Subscribe("b", "SELECT * FROM " + ns_ + ".t");
    SqlReply listed = Ok(alice, "SHOW LIVE QUERIES");
    ASSERT_EQ(listed.Rows().size(), 2u);
    EXPECT_EQ(Text(Ok("SELECT query FROM system.live_queries WHERE query LIKE '%close_marker_x'")
                       .Rows()[0]
                       .as_array()[0]),
              commented);  // the query as sent, comment and all
    live->Send({{"type", "unsubscribe"}, {"subscription_id", "a"}});
    live->Send({{"type", "ping"}});  // requests are handled in order: the pong follows it
    live->Expect("pong");
    listed = Ok(alice, "SHOW LIVE QUERIES");
    ASSERT_EQ(listed.Rows().size(), 1u);
    live->ws().Close();
  }
  const auto deadline = std::chrono::steady_clock::now() + kMessageDeadline;
  while (!Ok(alice, "SHOW LIVE QUERIES").Rows().empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(Ok(alice, "SHOW LIVE QUERIES").Rows().empty());
}

TEST_F(LiveTest, AStreamSubscriptionFollowsItsFilter) {
  Ok("CREATE TABLE " + ns_ +
     ".chat (room TEXT, body TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = 60)");
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  live->Subscribe("main", "SELECT body FROM " + ns_ + ".chat WHERE room = 'main'");
  client::HttpClient alice = As("alice");
  Ok(alice, "INSERT INTO " + ns_ + ".chat VALUES ('side', 'not this'), ('main', 'hello')");
  const json::object change = live->Expect("change");
  ASSERT_EQ(change.at("rows").as_array().size(), 1u);
  EXPECT_EQ(Cell(change.at("rows").as_array()[0].as_object(), "body"), "hello");
  EXPECT_FALSE(change.at("rows").as_array()[0].as_object().contains("room"));
  EXPECT_FALSE(live->TryNext(std::chrono::milliseconds(200)).has_value());
}

TEST_F(LiveTest, DroppingOrAlteringTheTableEndsItsSubscriptions) {
  Ok("CREATE TABLE " + ns_ + ".a (id INT PRIMARY KEY)");
  Ok("CREATE TABLE " + ns_ + ".b (id INT PRIMARY KEY)");
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  live->Subscribe("a", "SELECT * FROM " + ns_ + ".a");
  live->Subscribe("b", "SELECT * FROM " + ns_ + ".b");
  Ok("ALTER TABLE " + ns_ + ".a ADD COLUMN extra TEXT");
  EXPECT_EQ(Cell(live->ExpectError("TABLE_CHANGED"), "subscription_id"), "a");
  Ok("DROP TABLE " + ns_ + ".b");
  EXPECT_EQ(Cell(live->ExpectError("TABLE_CHANGED"), "subscription_id"), "b");
  // The connection carries on.
  live->Subscribe("a2", "SELECT * FROM " + ns_ + ".a");
  client::HttpClient alice = As("alice");
  Ok(alice, "INSERT INTO " + ns_ + ".a VALUES (1, 'x')");
  EXPECT_EQ(Cell(live->Expect("change"), "subscription_id"), "a2");
}

TEST_F(LiveTest, DroppingAUserClosesTheirConnections) {
  Ok("CREATE USER dora WITH PASSWORD 'dora-secret-1' ROLE user");
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY)");
  auto live = Login("dora");
  ASSERT_NE(live, nullptr);
  live->Subscribe("s", "SELECT * FROM " + ns_ + ".t");
  Ok("DROP USER dora");
  live->ExpectError("USER_DROPPED");
  EXPECT_TRUE(live->WaitClosed());
  EXPECT_EQ(live->ws().close_code(), 1008);
}

TEST_F(LiveTest, ChangingAUsersPasswordOrRoleClosesTheirConnections) {
  Ok("CREATE USER dora WITH PASSWORD 'dora-secret-1' ROLE user");
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY)");
  auto live = LiveClient::Login(server_->port(), "dora", "dora-secret-1");
  ASSERT_NE(live, nullptr);
  live->Subscribe("s", "SELECT * FROM " + ns_ + ".t");
  auto other = Login("alice");
  ASSERT_NE(other, nullptr);
  Ok("ALTER USER dora SET EMAIL 'dora@example.com'");  // not a credential: stays open
  live->Send({{"type", "ping"}});
  live->Expect("pong");
  Ok("ALTER USER dora SET PASSWORD 'dora-secret-2'");
  EXPECT_THAT(Cell(live->ExpectError("CREDENTIALS_CHANGED"), "message"),
              HasSubstr("authenticate again"));
  EXPECT_TRUE(live->WaitClosed());
  EXPECT_EQ(live->ws().close_code(), 1008);
  other->Send({{"type", "ping"}});  // another user's connection is untouched
  other->Expect("pong");
  auto again = LiveClient::Login(server_->port(), "dora", "dora-secret-2");
  ASSERT_NE(again, nullptr);
  Ok("ALTER USER dora SET ROLE service");
  again->ExpectError("CREDENTIALS_CHANGED");
  EXPECT_TRUE(again->WaitClosed());
}

TEST_F(LiveTest, SubscribeToOverHttpChecksTheQueryAndSaysWhatToSend) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, v INT)");
  client::HttpClient alice = As("alice");
  SqlReply reply = Ok(alice, "SUBSCRIBE TO " + ns_ + ".t WHERE v > 3 OPTIONS (last_rows = 5)");
  ASSERT_EQ(reply.Rows().size(), 1u);
  const json::array& row = reply.Rows()[0].as_array();
  EXPECT_EQ(row[0].as_string(), "ws://127.0.0.1:" + std::to_string(server_->port()) + "/v1/ws");
  const json::object& message = row[2].as_object();
  EXPECT_EQ(message.at("type"), "subscribe");
  EXPECT_EQ(message.at("subscription").at("options").at("last_rows"), 5);
  // What it says to send works as it is.
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  live->Send(message);
  live->Expect("subscription_ack");

  Result<SqlReply> joined = PostSql(alice, "SUBSCRIBE TO " + ns_ + ".t WHERE v IN (SELECT 1)");
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->ErrorCode(), "UNSUPPORTED_QUERY");
  Result<SqlReply> missing = PostSql(alice, "SUBSCRIBE TO " + ns_ + ".nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->ErrorCode(), "TABLE_NOT_FOUND");
}

// ---- the stream: gap-free, resumable, bounded ----

TEST_F(LiveTest, ResumingFromTheLastSeqGivesExactlyTheMissedChangesThenLive) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, v INT)");
  client::HttpClient alice = As("alice");
  Ok(alice, "INSERT INTO " + ns_ + ".t VALUES (1, 1), (2, 2)");
  std::string last_seq;
  {
    auto live = Login("alice");
    ASSERT_NE(live, nullptr);
    LiveClient::Snapshot snapshot = live->Subscribe("r", "SELECT * FROM " + ns_ + ".t");
    ASSERT_EQ(snapshot.rows.size(), 2u);
    Ok(alice, "UPDATE " + ns_ + ".t SET v = 10 WHERE id = 1");
    last_seq = Cell(live->Expect("change"), "seq");
    live->ws().Close();
  }
  // Missed while away: an insert, an update of an old row, a delete, a row in and out.
  Ok(alice, "INSERT INTO " + ns_ + ".t VALUES (3, 3)");
  Ok(alice, "UPDATE " + ns_ + ".t SET v = 20 WHERE id = 2");
  Ok(alice, "DELETE FROM " + ns_ + ".t WHERE id = 1");
  Ok(alice, "INSERT INTO " + ns_ + ".t VALUES (4, 4)");
  Ok(alice, "DELETE FROM " + ns_ + ".t WHERE id = 4");

  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  LiveClient::Snapshot resumed =
      live->Subscribe("r", "SELECT * FROM " + ns_ + ".t", {{"from", last_seq}});
  EXPECT_EQ(resumed.ack.at("batch_control").at("status"), "ready");
  std::vector<std::string> seen;
  for (int i = 0; i < 5; ++i) {
    const json::object change = live->Expect("change");
    const std::string type(change.at("change_type").as_string());
    const json::object& row =
        change.at(type == "delete" ? "old_values" : "rows").as_array()[0].as_object();
    seen.push_back(type + " " + Cell(row, "id") + "=" + Cell(row, "v"));
    EXPECT_EQ(Cell(row, "_seq"), Cell(change, "seq"));  // replayed as live: the change's _seq
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("insert 3=3", "update 2=20", "delete 1=10", "insert 4=4",
                                           "delete 4=4"));
  Ok(alice, "INSERT INTO " + ns_ + ".t VALUES (5, 5)");
  const json::object live_change = live->Expect("change");
  EXPECT_EQ(Cell(live_change.at("rows").as_array()[0].as_object(), "id"), "5");

  live->Send({{"type", "subscribe"},
              {"subscription",
               {{"id", "future"},
                {"sql", "SELECT * FROM " + ns_ + ".t"},
                {"options", {{"from", "9000000000000000000"}}}}}});
  live->ExpectError("INVALID_ARGUMENT");
}

TEST_F(LiveTest, ASnapshotTakenDuringWritesJoinsTheStreamWithoutGapsOrDuplicates) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, v INT)");
  std::atomic<bool> stop{false};
  std::atomic<int> statements{0};
  std::thread writer([&] {
    client::HttpClient alice = As("alice");
    for (int i = 0; !stop; ++i) {
      const int id = i % 50;
      const std::string sql =
          i < 50 ? "INSERT INTO " + ns_ + ".t VALUES (" + std::to_string(id) + ", 0)"
                 : "UPDATE " + ns_ + ".t SET v = " + std::to_string(i) +
                       " WHERE id = " + std::to_string(id);
      if (PostSql(alice, sql).ok()) ++statements;
    }
  });
  // Subscribers join while the writer runs; each keeps id -> (v, _seq) from snapshot + changes.
  struct Seen {
    std::unique_ptr<LiveClient> live;
    std::map<std::string, std::pair<std::string, int64_t>> rows;
    int64_t last_seq = 0;
  };
  std::vector<Seen> clients;
  for (int c = 0; c < 4; ++c) {
    while (statements < 40 * (c + 1))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Seen seen{Login("alice")};
    ASSERT_NE(seen.live, nullptr);
    LiveClient::Snapshot snapshot =
        seen.live->Subscribe("g", "SELECT * FROM " + ns_ + ".t", {{"batch_size", 7}});
    for (const json::object& row : snapshot.rows) {
      const int64_t seq = std::stoll(Cell(row, "_seq"));
      seen.rows[Cell(row, "id")] = {Cell(row, "v"), seq};
      seen.last_seq = std::max(seen.last_seq, seq);
    }
    clients.push_back(std::move(seen));
  }
  while (statements < 400)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  // The table as it is now, with each row's version.
  client::HttpClient reader = As("alice");
  SqlReply table = Ok(reader, "SELECT id, v, _seq FROM " + ns_ + ".t");
  std::map<std::string, std::pair<std::string, int64_t>> expected;
  int64_t newest = 0;
  for (const json::value& row : table.Rows()) {
    const json::array& cells = row.as_array();
    const int64_t seq = std::stoll(std::string(cells[2].as_string()));
    expected[std::to_string(cells[0].as_int64())] = {std::to_string(cells[1].as_int64()), seq};
    newest = std::max(newest, seq);
  }
  for (Seen& seen : clients) {
    while (seen.last_seq < newest) {
      const json::object change = seen.live->Expect("change");
      if (change.empty()) break;
      for (const json::value& row : change.at("rows").as_array()) {
        const int64_t seq = std::stoll(Cell(row.as_object(), "_seq"));
        EXPECT_GT(seq, seen.last_seq) << "a change at or before what the client has";
        seen.last_seq = seq;
        const std::string id = Cell(row.as_object(), "id");
        if (change.at("change_type") == "insert") {
          EXPECT_FALSE(seen.rows.contains(id)) << "insert of a row the snapshot had: " << id;
        } else {
          EXPECT_TRUE(seen.rows.contains(id)) << "update of a row the client never got: " << id;
        }
        seen.rows[id] = {Cell(row.as_object(), "v"), seq};
      }
    }
    EXPECT_EQ(seen.rows, expected);
  }
}

TEST_F(LiveTest, SnapshotPlusChangesEqualsTheQueryForEverySubscriptionUnderRandomWrites) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, a INT, b TEXT, c DOUBLE)");
  const std::string t = ns_ + ".t";
  const std::vector<std::string> filters = {"a > 5",
                                            "a <= 3 OR b = 'x1'",
                                            "NOT (a BETWEEN 2 AND 7)",
                                            "b LIKE 'x%'",
                                            "b IS NULL",
                                            "a IN (1, 4, NULL)",
                                            "a NOT IN (2, 3)",
                                            "c < 0.5 AND a IS NOT NULL",
                                            "a + 1 >= c * 10",
                                            "b ILIKE 'Y_' OR a IS NULL",
                                            "(a = 5) IS NOT TRUE"};
  const std::vector<std::string> users = {"alice", "bob", "carol"};
  std::mt19937 random(20261203);
  const auto value = [&](int kind) -> std::string {
    if (random() % 5 == 0) return "NULL";
    switch (kind) {
      case 0:
        return std::to_string(random() % 10);
      case 1:
        return std::vector<std::string>{"'x1'", "'x2'", "'y1'", "'Y2'"}[random() % 4];
      default:
        return std::to_string(static_cast<double>(random() % 100) / 100.0);
    }
  };
  struct Sub {
    std::string user;
    std::string filter;
    std::map<std::string, std::string> rows;  // id -> the row as JSON
  };
  std::vector<std::unique_ptr<LiveClient>> connections;
  std::vector<std::vector<Sub>> subs(users.size());
  std::map<std::string, std::vector<int>> ids;  // live ids per user
  std::vector<std::unique_ptr<client::HttpClient>> writers;
  for (const std::string& user : users)
    writers.push_back(std::make_unique<client::HttpClient>(As(user)));
  const auto write = [&](int rounds) {
    for (int i = 0; i < rounds; ++i) {
      const size_t u = random() % users.size();
      std::vector<int>& mine = ids[users[u]];
      const int op = mine.empty() ? 0 : static_cast<int>(random() % 4);
      std::string sql;
      if (op <= 1) {
        const int id = static_cast<int>(random() % 1000000);
        if (std::find(mine.begin(), mine.end(), id) != mine.end()) continue;
        mine.push_back(id);
        sql = "INSERT INTO " + t + " VALUES (" + std::to_string(id) + ", " + value(0) + ", " +
              value(1) + ", " + value(2) + ")";
      } else if (op == 2) {
        const int id = mine[random() % mine.size()];
        sql = "UPDATE " + t + " SET a = " + value(0) + ", b = " + value(1) + ", c = " + value(2) +
              " WHERE id = " + std::to_string(id);
      } else {
        const size_t k = random() % mine.size();
        sql = "DELETE FROM " + t + " WHERE id = " + std::to_string(mine[k]);
        mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(k));
      }
      Ok(*writers[u], sql);
    }
  };
  write(60);  // rows before anyone subscribes
  for (size_t u = 0; u < users.size(); ++u) {
    connections.push_back(Login(users[u]));
    ASSERT_NE(connections.back(), nullptr);
    for (int k = 0; k < 3; ++k) {
      Sub sub{users[u], filters[random() % filters.size()], {}};
      LiveClient::Snapshot snapshot = connections[u]->Subscribe(
          "d" + std::to_string(k), "SELECT * FROM " + t + " WHERE " + sub.filter,
          {{"batch_size", 4}});
      for (const json::object& row : snapshot.rows) {
        json::object cells = row;
        cells.erase("_seq");
        sub.rows[Cell(row, "id")] = json::serialize(cells);
      }
      subs[u].push_back(std::move(sub));
    }
  }
  write(300);
  for (size_t u = 0; u < users.size(); ++u) {
    while (std::optional<json::object> message = connections[u]->TryNext(std::chrono::seconds(2))) {
      ASSERT_EQ(LiveClient::Type(*message), "change") << json::serialize(*message);
      Sub& sub = subs[u][std::stoi(Cell(*message, "subscription_id").substr(1))];
      const std::string type(message->at("change_type").as_string());
      const json::array& rows = message->at(type == "delete" ? "old_values" : "rows").as_array();
      for (const json::value& row : rows) {
        const std::string id = Cell(row.as_object(), "id");
        json::object cells = row.as_object();
        cells.erase("_seq");
        if (type == "delete") {
          EXPECT_EQ(sub.rows.erase(id), 1u) << sub.filter << ": delete of a row never sent " << id;
        } else {
          EXPECT_EQ(sub.rows.contains(id), type == "update")
              << sub.filter << ": " << type << " " << id;
          sub.rows[id] = json::serialize(cells);
        }
      }
    }
    for (const Sub& sub : subs[u]) {
      SqlReply expected = Ok(*writers[u], "SELECT * FROM " + t + " WHERE " + sub.filter);
      std::map<std::string, std::string> want;
      for (const json::value& row : expected.Rows()) {
        const json::array& cells = row.as_array();
        json::object object{{"id", cells[0]}, {"a", cells[1]}, {"b", cells[2]}, {"c", cells[3]}};
        want[json::serialize(cells[0]).find('"') == 0 ? std::string(cells[0].as_string())
                                                      : json::serialize(cells[0])] =
            json::serialize(object);
      }
      std::map<std::string, std::string> got;
      for (const auto& [id, text] : sub.rows) {
        const json::object row = json::parse(text).as_object();
        got[id] = json::serialize(json::object{
            {"id", row.at("id")}, {"a", row.at("a")}, {"b", row.at("b")}, {"c", row.at("c")}});
      }
      EXPECT_EQ(got, want) << sub.user << " WHERE " << sub.filter;
    }
  }
}

TEST_F(LiveTest, ASlowConsumerIsClosedWhileAFastOneReceivesEverything) {
  Ok("CREATE SHARED TABLE " + ns_ +
     ".feed (id INT PRIMARY KEY, body TEXT) WITH (ACCESS_LEVEL = "
     "'PUBLIC')");
  auto fast = Login("alice");
  ASSERT_NE(fast, nullptr);
  fast->Subscribe("f", "SELECT * FROM " + ns_ + ".feed");
  // The slow one subscribes, then never reads: its queue (and the socket buffers) fill up.
  auto slow = Login("bob");
  ASSERT_NE(slow, nullptr);
  slow->Subscribe("s", "SELECT * FROM " + ns_ + ".feed");
  const std::string body(60000, 'b');
  const int rows = 400;  // 24 MB: more than the 16 MiB a connection may have queued
  std::thread writer([&] {
    client::HttpClient root = server_->Client();
    for (int i = 0; i < rows; ++i)
      (void)PostSql(
          root, "INSERT INTO " + ns_ + ".feed VALUES (" + std::to_string(i) + ", '" + body + "')");
  });
  int received = 0;
  while (received < rows) {
    const json::object change = fast->Expect("change");
    if (change.empty()) break;
    received += static_cast<int>(change.at("rows").as_array().size());
  }
  writer.join();
  EXPECT_EQ(received, rows);
  // The slow one finds, after what it was sent, where it stopped, and then the close.
  std::optional<json::object> last;
  while (std::optional<json::object> message = slow->TryNext(std::chrono::seconds(5))) {
    last = std::move(message);
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(LiveClient::Type(*last), "error");
  EXPECT_EQ(Cell(*last, "code"), "SLOW_CONSUMER");
  EXPECT_TRUE(last->contains("last_seq"));
  EXPECT_TRUE(slow->WaitClosed());
  EXPECT_EQ(slow->ws().close_code(), 1008);
}

TEST_F(LiveTest, APoolOfConnectionsOnOneThreadEachGetsEveryChange) {
  Ok("CREATE SHARED TABLE " + ns_ + ".feed (id INT PRIMARY KEY) WITH (ACCESS_LEVEL = 'PUBLIC')");
  constexpr size_t kConnections = 40;
  std::vector<std::vector<std::string>> received(kConnections);
  client::WsConnectOptions options;
  options.port = server_->port();
  client::WsPool pool(options, [&](size_t connection, std::string_view message) {
    received.at(connection).emplace_back(message);
  });
  ASSERT_TRUE(pool.Open(kConnections, 8, std::chrono::seconds(10)).ok());
  ASSERT_EQ(pool.size(), kConnections);
  const auto count = [&](std::string_view type) {
    size_t n = 0;
    for (const auto& messages : received) {
      for (const std::string& message : messages)
        n += LiveClient::Type(json::parse(message).as_object()) == type;
    }
    return n;
  };
  for (size_t c = 0; c < kConnections; ++c) {
    const std::string user = c % 2 == 0 ? "alice" : "bob";
    pool.Send(c, json::serialize(json::object{{"type", "authenticate"},
                                              {"method", "basic"},
                                              {"username", user},
                                              {"password", user + "-secret-1"}}));
    pool.Send(c, json::serialize(json::object{
                     {"type", "subscribe"},
                     {"subscription", {{"id", "f"}, {"sql", "SELECT * FROM " + ns_ + ".feed"}}}}));
  }
  ASSERT_TRUE(
      pool.RunUntil([&] { return count("initial_data_batch") == kConnections; }, kMessageDeadline));
  Ok("INSERT INTO " + ns_ + ".feed VALUES (1), (2)");
  Ok("INSERT INTO " + ns_ + ".feed VALUES (3)");
  ASSERT_TRUE(pool.RunUntil([&] { return count("change") == 2 * kConnections; }, kMessageDeadline));
  for (const auto& messages : received) {
    ASSERT_EQ(messages.size(), 5u);  // auth_success, ack, batch, two changes
    EXPECT_EQ(json::parse(messages[3]).at("rows").as_array().size(), 2u);
    EXPECT_EQ(Cell(json::parse(messages[4]).at("rows").as_array()[0].as_object(), "id"), "3");
  }
  EXPECT_EQ(pool.closed_count(), 0u);
  pool.CloseAll();
  EXPECT_EQ(pool.closed_count(), kConnections);
}

TEST(WsPoolTest, ConnectionsThatCannotOpenAreReportedAndCountAsClosed) {
  client::WsConnectOptions options;
  options.port = 1;  // privileged and unused here: refused at once
  client::WsPool pool(options, [](size_t, std::string_view) {});
  const auto started = std::chrono::steady_clock::now();
  const Status opened = pool.Open(5, 2, std::chrono::seconds(5));
  EXPECT_EQ(opened.code(), StatusCode::kUnavailable);
  EXPECT_EQ(pool.closed_count(), pool.size());
  // Nothing is left to wait for: no spinning until the deadline.
  EXPECT_FALSE(pool.RunUntil([] { return false; }, std::chrono::seconds(5)));
  pool.CloseAll();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

TEST_F(LiveTest, MoreMessagesPerSecondThanAllowedAreRefused) {
  auto live = Login("carol");
  ASSERT_NE(live, nullptr);
  for (int i = 0; i < 260; ++i)
    live->Send({{"type", "ping"}});
  int pongs = 0;
  int refused = 0;
  for (int i = 0; i < 260; ++i) {
    const json::object reply = live->Next();
    if (LiveClient::Type(reply) == "pong") ++pongs;
    if (Cell(reply, "code") == "RATE_LIMIT_EXCEEDED") ++refused;
  }
  EXPECT_GT(refused, 0);
  EXPECT_LE(pongs, 200);
  EXPECT_EQ(pongs + refused, 260);
}

TEST_F(LiveTest, ResumingAStreamPastItsTtlIsResumeUnavailable) {
  Ok("CREATE TABLE " + ns_ + ".pings (kind TEXT) WITH (TYPE = 'STREAM', TTL_SECONDS = 1)");
  auto live = Login("alice");
  ASSERT_NE(live, nullptr);
  live->Subscribe("p", "SELECT * FROM " + ns_ + ".pings");
  client::HttpClient alice = As("alice");
  Ok(alice, "INSERT INTO " + ns_ + ".pings VALUES ('first')");
  const std::string seq = Cell(live->Expect("change"), "seq");
  live->Send({{"type", "unsubscribe"}, {"subscription_id", "p"}});
  // Within the TTL the events after `seq` can be replayed; past it they are gone.
  live->Subscribe("within", "SELECT * FROM " + ns_ + ".pings", {{"from", seq}});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  live->Send({{"type", "subscribe"},
              {"subscription",
               {{"id", "late"},
                {"sql", "SELECT * FROM " + ns_ + ".pings"},
                {"options", {{"from", seq}}}}}});
  const json::object refused = live->ExpectError("RESUME_UNAVAILABLE");
  EXPECT_THAT(Cell(refused, "message"), HasSubstr("subscribe again without from"));
}

// A server of its own: a per-user limit of 2 and heartbeats every 100 ms (token re-checks).
class LiveLimitsTest : public ::testing::Test {
 protected:
  static constexpr const char* kSecret = "live-limits-test-secret-0123456789abcdef";
  void SetUp() override {
    Result<std::unique_ptr<TestServer>> started = TestServer::Start(
        {.env = WithCheapPasswordHashes({{"KALAMDB_WEBSOCKET_HEARTBEAT_INTERVAL_MS", "100"},
                                         {"KALAMDB_WEBSOCKET_MAX_SUBSCRIPTIONS_PER_USER", "2"},
                                         {"KALAMDB_JWT_SECRET", kSecret}})});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    client::HttpClient root = server_->Client();
    for (const char* sql : {"CREATE NAMESPACE app", "CREATE TABLE app.t (id INT PRIMARY KEY)"}) {
      Result<SqlReply> reply = PostSql(root, sql);
      ASSERT_TRUE(reply.ok() && reply->http_status == 200) << sql;
    }
  }
  void TearDown() override {
    if (HasFailure() && server_ != nullptr) std::cerr << "server log:\n" << server_->Log();
  }
  std::unique_ptr<TestServer> server_;
};

TEST_F(LiveLimitsTest, SubscriptionsPerUserAreCountedAcrossConnections) {
  auto first = LiveClient::Login(server_->port(), "root", "");
  auto second = LiveClient::Login(server_->port(), "root", "");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  first->Subscribe("a", "SELECT * FROM app.t");
  second->Subscribe("b", "SELECT * FROM app.t");
  second->Send(
      {{"type", "subscribe"}, {"subscription", {{"id", "c"}, {"sql", "SELECT * FROM app.t"}}}});
  EXPECT_THAT(Cell(second->ExpectError("SUBSCRIPTION_LIMIT_EXCEEDED"), "message"),
              HasSubstr("max_subscriptions_per_user"));
  // Ending one (here by closing its connection) makes room.
  first->ws().Close();
  const auto deadline = std::chrono::steady_clock::now() + kMessageDeadline;
  std::string answer;
  while (answer != "subscription_ack" && std::chrono::steady_clock::now() < deadline) {
    second->Send(
        {{"type", "subscribe"}, {"subscription", {{"id", "c"}, {"sql", "SELECT * FROM app.t"}}}});
    answer = LiveClient::Type(second->Next());
    if (answer == "subscription_ack") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(answer, "subscription_ack");
}

TEST_F(LiveLimitsTest, AConnectionWhoseTokenExpiresIsToldAndClosed) {
  // The server accepts tokens up to 30 s past exp; this one is 28 s past it, so it
  // authenticates now and stops being valid within a few seconds.
  const int64_t now = std::time(nullptr);
  const std::string token = auth::JwtCodec(kSecret, "kalamdb", {}, 30)
                                .Sign({.subject = "root",
                                       .issuer = "kalamdb",
                                       .username = "root",
                                       .role = "system",
                                       .issued_at = now - 60,
                                       .expires_at = now - 28});
  auto live = LiveClient::Connect(server_->port());
  ASSERT_NE(live, nullptr);
  live->Send({{"type", "authenticate"}, {"method", "jwt"}, {"token", token}});
  live->Expect("auth_success");
  live->Subscribe("s", "SELECT * FROM app.t");
  const json::object expired = live->Next(std::chrono::seconds(10));
  EXPECT_EQ(Cell(expired, "code"), "TOKEN_EXPIRED") << json::serialize(expired);
  EXPECT_TRUE(live->WaitClosed());
  EXPECT_EQ(live->ws().close_code(), 1008);
}

// Keep-alive and shutdown, on a server of their own with a fast heartbeat.
TEST(LiveKeepAliveTest, SilentClientsAreClosedListeningOnesStayAndShutdownSays1001) {
  Result<std::unique_ptr<TestServer>> started = TestServer::Start(
      {.env = WithCheapPasswordHashes({{"KALAMDB_WEBSOCKET_HEARTBEAT_INTERVAL_MS", "100"},
                                       {"KALAMDB_WEBSOCKET_CLIENT_TIMEOUT_MS", "1000"}})});
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<TestServer> server = std::move(started).value();
  auto silent = LiveClient::Login(server->port(), "root", "");
  auto listening = LiveClient::Login(server->port(), "root", "");
  ASSERT_NE(silent, nullptr);
  ASSERT_NE(listening, nullptr);
  // The listening client keeps reading (and so answers pings); the silent one does nothing.
  const auto listen_for = [&](std::chrono::milliseconds duration) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
      EXPECT_FALSE(listening->TryNext(std::chrono::milliseconds(50)).has_value());
    }
  };
  // Past client_timeout the silent one is sent a close (and, had it not read that either,
  // its socket would be closed a client_timeout later).
  listen_for(std::chrono::milliseconds(1400));
  EXPECT_TRUE(silent->WaitClosed());
  EXPECT_EQ(silent->ws().close_reason(), "heartbeat timeout");
  listen_for(std::chrono::milliseconds(1500));
  listening->Send({{"type", "ping"}});
  listening->Expect("pong");
  Result<int> exit_code = server->SignalAndWait(SIGTERM);
  ASSERT_TRUE(exit_code.ok());
  EXPECT_EQ(*exit_code, 0);
  EXPECT_TRUE(listening->WaitClosed());
  EXPECT_EQ(listening->ws().close_code(), 1001);
}

}  // namespace
}  // namespace kalam::e2e
