#pragma once

// Live-query e2e helpers: a WebSocket client speaking the /v1/ws protocol (docs/api.md)
// through client::WsClient, and a fixture with one server for a test binary.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/ws_client.h"
#include "tests/e2e/test_server.h"

namespace kalam::e2e {

namespace json = boost::json;

inline constexpr std::chrono::milliseconds kMessageDeadline{10000};

// The text of a JSON string or the serialization of anything else (to compare cells).
inline std::string Cell(const json::object& row, std::string_view column) {
  const json::value* value = row.if_contains(column);
  if (value == nullptr) return "<missing>";
  if (value->is_string()) return std::string(value->as_string());
  return json::serialize(*value);
}

// A /v1/ws connection with JSON in and out.
class LiveClient {
 public:
  static std::unique_ptr<LiveClient> Connect(uint16_t port, client::WsConnectOptions options = {}) {
    options.port = port;
    Result<std::unique_ptr<client::WsClient>> ws = client::WsClient::Connect(options);
    if (!ws.ok()) {
      ADD_FAILURE() << "connect: " << ws.status().ToString();
      return nullptr;
    }
    return std::unique_ptr<LiveClient>(new LiveClient(std::move(ws).value()));
  }

  // Connects and authenticates with a password; nullptr (and a test failure) otherwise.
  static std::unique_ptr<LiveClient> Login(uint16_t port, const std::string& user,
                                           const std::string& password,
                                           client::WsConnectOptions options = {}) {
    auto live = Connect(port, std::move(options));
    if (live == nullptr) return nullptr;
    live->Send({{"type", "authenticate"},
                {"method", "basic"},
                {"username", user},
                {"password", password}});
    const json::object reply = live->Next();
    if (reply.if_contains("type") == nullptr || reply.at("type") != "auth_success") {
      ADD_FAILURE() << "login as " << user << ": " << json::serialize(reply);
      return nullptr;
    }
    return live;
  }

  void Send(const json::object& message) { SendText(json::serialize(message)); }
  void SendText(const std::string& text) {
    const Status sent = ws_->SendText(text);
    EXPECT_TRUE(sent.ok()) << sent.ToString();
  }
  client::WsClient& ws() { return *ws_; }

  // The next message; an empty object (and a test failure) if none comes in time.
  json::object Next(std::chrono::milliseconds deadline = kMessageDeadline) {
    std::optional<json::object> message = TryNext(deadline);
    if (!message.has_value()) {
      ADD_FAILURE() << "no message within " << deadline.count() << " ms";
      return {};
    }
    return *message;
  }
  // The next message, or nullopt if none comes in time or the connection is closed.
  std::optional<json::object> TryNext(std::chrono::milliseconds deadline) {
    Result<std::string> text = ws_->Receive(deadline);
    if (!text.ok()) return std::nullopt;
    boost::system::error_code error;
    json::value value = json::parse(*text, error);
    if (error || !value.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << *text;
      return json::object();
    }
    return value.as_object();
  }
  // The next message, which must be of `type`.
  json::object Expect(std::string_view type,
                      std::chrono::milliseconds deadline = kMessageDeadline) {
    json::object message = Next(deadline);
    EXPECT_EQ(Type(message), type) << json::serialize(message);
    return message;
  }
  // The next message, which must be an error with `code`.
  json::object ExpectError(std::string_view code) {
    json::object message = Expect("error");
    EXPECT_EQ(Cell(message, "code"), code) << json::serialize(message);
    return message;
  }
  // Waits until the server closes the connection; true if it did before the deadline.
  bool WaitClosed(std::chrono::milliseconds deadline = kMessageDeadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      Result<std::string> text = ws_->Receive(std::chrono::milliseconds(100));
      if (!text.ok() && text.status().code() == StatusCode::kUnavailable) return true;
    }
    return false;
  }

  static std::string Type(const json::object& message) {
    const json::value* type = message.if_contains("type");
    return type != nullptr && type->is_string() ? std::string(type->as_string()) : "";
  }

  // A subscription's snapshot as the server paged it out.
  struct Snapshot {
    json::object ack;
    std::vector<json::object> rows;
    size_t batches = 0;
    std::string end_seq;                 // snapshot_end_seq
    std::vector<std::string> statuses;   // each batch's batch_control.status
    std::vector<int64_t> batch_numbers;  // each batch's batch_control.batch_num
  };

  // Subscribes and reads the ack and every snapshot batch (asking for the next ones).
  Snapshot Subscribe(const std::string& id, const std::string& sql, json::object options = {}) {
    json::object subscription{{"id", id}, {"sql", sql}};
    if (!options.empty()) subscription["options"] = options;
    Send({{"type", "subscribe"}, {"subscription", subscription}});
    Snapshot snapshot;
    snapshot.ack = Expect("subscription_ack");
    if (!snapshot.ack.contains("batch_control")) return snapshot;
    snapshot.end_seq =
        std::string(snapshot.ack.at("batch_control").at("snapshot_end_seq").as_string());
    if (options.contains("from")) return snapshot;
    while (true) {
      json::object batch = Expect("initial_data_batch");
      if (!batch.contains("rows")) return snapshot;
      ++snapshot.batches;
      for (const json::value& row : batch.at("rows").as_array())
        snapshot.rows.push_back(row.as_object());
      const json::object& control = batch.at("batch_control").as_object();
      snapshot.statuses.emplace_back(control.at("status").as_string());
      snapshot.batch_numbers.push_back(control.at("batch_num").as_int64());
      if (!control.at("has_more").as_bool()) {
        EXPECT_EQ(control.at("status"), "ready");
        return snapshot;
      }
      Send({{"type", "next_batch"}, {"subscription_id", id}});
    }
  }

 private:
  explicit LiveClient(std::unique_ptr<client::WsClient> ws) : ws_(std::move(ws)) {}
  std::unique_ptr<client::WsClient> ws_;
};

}  // namespace kalam::e2e
