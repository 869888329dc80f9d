#include "client/sql_client.h"

namespace kalam::client {

std::string SqlReply::Message(size_t i) const {
  const auto* message = body.at("results").at(i).as_object().if_contains("message");
  return message == nullptr ? "" : std::string(message->as_string());
}

const boost::json::array& SqlReply::Rows(size_t i) const {
  return body.at("results").at(i).at("rows").as_array();
}

std::string SqlReply::ErrorCode() const {
  return std::string(body.at("error").at("code").as_string());
}

std::string SqlReply::ErrorMessage() const {
  return std::string(body.at("error").at("message").as_string());
}

Result<SqlReply> PostSql(HttpClient& client, const std::string& sql,
                         const boost::json::object& extra) {
  boost::json::object request = extra;
  request["sql"] = sql;
  KALAM_ASSIGN_OR_RETURN(const client::HttpResult response,
                         client.Post("/v1/api/sql", boost::json::serialize(request)));
  boost::system::error_code error;
  boost::json::value body = boost::json::parse(response.body, error);
  if (error) return Status::Internal("reply is not JSON: " + response.body);
  return SqlReply{response.status, std::move(body)};
}

}  // namespace kalam::client
