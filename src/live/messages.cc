#include "live/messages.h"

#include "tables/value_json.h"

namespace kalam::live {
namespace {

using tables::AppendJsonString;
using tables::AppendJsonValue;

void AppendSeq(std::string& out, int64_t seq) {
  out.push_back('"');
  out += std::to_string(seq);
  out.push_back('"');
}

std::string Start(std::string_view type, std::string_view id) {
  std::string out = R"({"type":")";
  out += type;
  out += R"(","subscription_id":)";
  if (id.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, id);
  }
  return out;
}

void AppendControl(std::string& out, const BatchControl& control) {
  out += R"(,"batch_control":{"batch_num":)";
  out += std::to_string(control.batch_num);
  out += R"(,"has_more":)";
  out += control.has_more ? "true" : "false";
  out += R"(,"status":")";
  out += control.status;
  out += R"(","last_seq_id":)";
  AppendSeq(out, control.last_seq_id);
  out += R"(,"snapshot_end_seq":)";
  AppendSeq(out, control.snapshot_end_seq);
  out += "}";
}

}  // namespace

void AppendRow(std::string& out, std::span<const ResultColumn> schema,
               std::span<const size_t> projection, std::span<const Value> row, int64_t seq) {
  out.push_back('{');
  for (size_t i = 0; i < projection.size(); ++i) {
    AppendJsonString(out, schema[i].name);
    out.push_back(':');
    AppendJsonValue(out, projection[i] < row.size() ? row[projection[i]] : Value::Null());
    out.push_back(',');
  }
  out += R"("_seq":)";
  AppendSeq(out, seq);
  out.push_back('}');
}

std::string SubscriptionAck(std::string_view id, std::span<const ResultColumn> schema,
                            const BatchControl& control) {
  std::string out = Start("subscription_ack", id);
  out += R"(,"schema":[)";
  for (size_t i = 0; i < schema.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += R"({"name":)";
    AppendJsonString(out, schema[i].name);
    out += R"(,"data_type":)";
    AppendJsonString(out, schema[i].data_type);
    out += R"(,"index":)" + std::to_string(i) + "}";
  }
  out.push_back(']');
  AppendControl(out, control);
  out.push_back('}');
  return out;
}

std::string InitialDataBatch(std::string_view id, std::string_view rows,
                             const BatchControl& control) {
  std::string out = Start("initial_data_batch", id);
  out += R"(,"rows":)";
  out += rows;
  AppendControl(out, control);
  out.push_back('}');
  return out;
}

std::string ChangeMessage(std::string_view id, ChangeType type, std::string_view rows,
                          std::string_view old_values, int64_t seq) {
  std::string out = Start("change", id);
  out += R"(,"change_type":")";
  out += type == ChangeType::kInsert ? "insert" : type == ChangeType::kUpdate ? "update" : "delete";
  out += '"';
  if (!rows.empty()) {
    out += R"(,"rows":)";
    out += rows;
  }
  if (!old_values.empty()) {
    out += R"(,"old_values":)";
    out += old_values;
  }
  out += R"(,"seq":)";
  AppendSeq(out, seq);
  out.push_back('}');
  return out;
}

std::string ErrorMessage(std::string_view id, std::string_view code, std::string_view message,
                         int64_t last_seq) {
  std::string out = Start("error", id);
  out += R"(,"code":)";
  AppendJsonString(out, code);
  out += R"(,"message":)";
  AppendJsonString(out, message);
  if (last_seq != 0) {
    out += R"(,"last_seq":)";
    AppendSeq(out, last_seq);
  }
  out.push_back('}');
  return out;
}

}  // namespace kalam::live
