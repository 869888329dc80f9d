// Large results stream as chunked responses with bounded server memory (data-path issue,
// point 4); small results keep a Content-Length and the batch's real HTTP status.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/e2e/sql_fixture.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

class StreamTest : public SqlTest {
 protected:
  client::HttpResult Post(const std::string& sql) {
    boost::json::object request;
    request["sql"] = sql;
    Result<client::HttpResult> reply =
        client_->Post("/v1/api/sql", boost::json::serialize(request));
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : client::HttpResult{};
  }
};

TEST_F(StreamTest, SmallResultIsSentWholeWithContentLength) {
  const client::HttpResult reply = Post("SELECT 1 AS one");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.Header("content-length"), "");
  EXPECT_EQ(reply.Header("transfer-encoding"), "");
}

TEST_F(StreamTest, LargeResultStreamsAsValidJson) {
  const client::HttpResult reply =
      Post("SELECT range AS n, 'row ' || range AS label FROM range(200000) ORDER BY n");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(reply.Header("content-length"), "");
  const boost::json::value body = boost::json::parse(reply.body);
  EXPECT_EQ(body.at("status"), "success");
  EXPECT_GE(body.at("took").as_double(), 0.0);
  const boost::json::value& result = body.at("results").at(0);
  EXPECT_EQ(result.at("row_count"), 200000);
  const boost::json::array& rows = result.at("rows").as_array();
  ASSERT_EQ(rows.size(), 200000u);
  EXPECT_EQ(rows.at(0).at(1), "row 0");
  EXPECT_EQ(rows.at(199999).at(0), "199999");  // BIGINT as a string, last row intact
  EXPECT_EQ(result.at("schema").at(0).at("name"), "n");
}

TEST_F(StreamTest, StatementsAfterAStreamedResultStillRun) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, v TEXT)");
  const client::HttpResult reply =
      Post("SELECT range FROM range(300000); INSERT INTO " + ns_ +
           ".t VALUES (1, 'a'); SELECT count(*) AS c FROM " + ns_ + ".t");
  ASSERT_EQ(reply.status, 200);
  const boost::json::value body = boost::json::parse(reply.body);
  EXPECT_EQ(body.at("status"), "success");
  ASSERT_EQ(body.at("results").as_array().size(), 3u);
  EXPECT_EQ(body.at("results").at(1).at("message"), "Inserted 1 row(s)");
  EXPECT_EQ(body.at("results").at(2).at("rows").at(0).at(0), "1");
}

// Once rows have been sent the HTTP status is fixed (200); a later error is reported in the
// envelope, after the rows, and the JSON stays valid.
TEST_F(StreamTest, ErrorAfterRowsWereSentEndsTheEnvelopeWithTheError) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY)");
  const client::HttpResult reply =
      Post("SELECT range FROM range(300000); INSERT INTO " + ns_ +
           ".t VALUES (1); SELECT * FROM no_such_table; INSERT INTO " + ns_ + ".t VALUES (2)");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("transfer-encoding"), "chunked");
  const boost::json::value body = boost::json::parse(reply.body);
  EXPECT_EQ(body.at("status"), "error");
  EXPECT_THAT(std::string(body.at("error").at("message").as_string()),
              HasSubstr("Statement 3 failed"));
  EXPECT_EQ(body.at("error").at("details"), "SELECT * FROM no_such_table");
  EXPECT_EQ(body.at("results").at(0).at("row_count"), 300000);
  // The batch stopped at the error: statement 4 never ran.
  EXPECT_EQ(Ok("SELECT count(*) FROM " + ns_ + ".t").Rows().at(0).at(0), "1");
}

TEST_F(StreamTest, ErrorWhileProducingRowsIsReportedNotHidden) {
  const client::HttpResult reply = Post(
      "SELECT range, CASE WHEN range < 250000 THEN 'ok' ELSE error('boom at ' || range) END AS v "
      "FROM range(300000)");
  const boost::json::value body = boost::json::parse(reply.body);
  EXPECT_EQ(body.at("status"), "error");
  EXPECT_THAT(std::string(body.at("error").at("message").as_string()), HasSubstr("boom at"));
}

// Sends `request` on a raw socket, reads `bytes_to_read` bytes of the reply, then closes.
void ReadPartlyAndHangUp(uint16_t port, const std::string& request, size_t bytes_to_read) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string buffer(bytes_to_read, '\0');
  size_t got = 0;
  while (got < bytes_to_read) {
    const ssize_t n = recv(fd, buffer.data() + got, bytes_to_read - got, 0);
    ASSERT_GT(n, 0);
    got += static_cast<size_t>(n);
  }
  close(fd);
}

// A client that hangs up mid-stream stops the query: with one worker, a billion-row result
// would otherwise hold it for minutes and the next request would time out.
TEST(StreamDisconnectTest, HangingUpMidStreamFreesTheWorker) {
  Result<std::unique_ptr<TestServer>> server =
      TestServer::Start({.env = {{"KALAMDB_ENGINE_QUERY_WORKERS", "1"}}});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string body =
      R"json({"sql":"SELECT range, 'padding text' FROM range(1000000000)"})json";
  const std::string request =
      "POST /v1/api/sql HTTP/1.1\r\nHost: x\r\nAuthorization: Basic cm9vdDo=\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ReadPartlyAndHangUp((*server)->port(), request, 1 << 20);
  client::HttpClient client = (*server)->Client(std::chrono::seconds(10));
  Result<SqlReply> reply = PostSql(client, "SELECT 42 AS answer");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString() << "\n" << (*server)->Log();
  EXPECT_EQ(reply->Rows().at(0).at(0), 42);
}

}  // namespace
}  // namespace kalam::e2e
