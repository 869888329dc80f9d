#pragma once

#include <string>

#include <boost/json.hpp>

#include "client/http_client.h"
#include "common/result.h"

namespace kalam::client {

// The reply of POST /v1/api/sql (docs/api.md): the HTTP status and the parsed body.
struct SqlReply {
  int http_status = 0;
  boost::json::value body;

  bool ok() const { return http_status == 200; }
  // results[i].message, or "" if absent.
  std::string Message(size_t i = 0) const;
  // results[i].rows.
  const boost::json::array& Rows(size_t i = 0) const;
  std::string ErrorCode() const;
  std::string ErrorMessage() const;
};

// The text of a JSON string value ("" for anything else), for comparisons in tests.
inline std::string Text(const boost::json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : "";
}

// POSTs {"sql": sql, …extra} to /v1/api/sql and parses the reply.
// Errors: those of HttpClient::Send, and kInternal when the reply is not JSON.
Result<SqlReply> PostSql(HttpClient& client, const std::string& sql,
                         const boost::json::object& extra = {});

}  // namespace kalam::client
