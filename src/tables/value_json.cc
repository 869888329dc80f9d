#include "tables/value_json.h"

#include <charconv>
#include <cmath>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "common/base64.h"
#include "tables/coerce.h"

namespace kalam::tables {
namespace {

void AppendDouble(std::string& out, double number) {
  if (std::isnan(number)) return AppendJsonString(out, "NaN");
  if (std::isinf(number)) return AppendJsonString(out, number > 0 ? "Infinity" : "-Infinity");
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), number);
  out.append(buffer, end);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendJsonValue(std::string& out, const Value& value) {
  switch (value.kind) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kBoolean:
      out += value.boolean ? "true" : "false";
      return;
    case Value::Kind::kInt32:
      out += std::to_string(value.integer);
      return;
    case Value::Kind::kInt64:
      return AppendJsonString(out, std::to_string(value.integer));
    case Value::Kind::kUInt64:
      return AppendJsonString(out, std::to_string(value.unsigned_integer));
    case Value::Kind::kDouble:
      return AppendDouble(out, value.number);
    case Value::Kind::kDecimal:
    case Value::Kind::kText:
      return AppendJsonString(out, value.text);
    case Value::Kind::kJson: {
      boost::system::error_code error;
      const boost::json::value parsed = boost::json::parse(value.text, error);
      if (error) return AppendJsonString(out, value.text);  // not JSON after all: keep the text
      out += boost::json::serialize(parsed);
      return;
    }
    case Value::Kind::kBytes:
      return AppendJsonString(out, Base64Encode(value.text));
    case Value::Kind::kTimestamp:
      return AppendJsonString(out, FormatTimestampMicros(value.integer));
    case Value::Kind::kDate:
      return AppendJsonString(out, FormatDate(value.integer));
    case Value::Kind::kTime:
      return AppendJsonString(out, FormatTime(value.integer));
    case Value::Kind::kList:
      out.push_back('[');
      for (size_t i = 0; i < value.children.size(); ++i) {
        if (i > 0) out.push_back(',');
        AppendJsonValue(out, value.children[i]);
      }
      out.push_back(']');
      return;
    case Value::Kind::kStruct:
      out.push_back('{');
      for (size_t i = 0; i < value.children.size(); ++i) {
        if (i > 0) out.push_back(',');
        AppendJsonString(out, i < value.field_names.size() ? value.field_names[i] : "");
        out.push_back(':');
        AppendJsonValue(out, value.children[i]);
      }
      out.push_back('}');
      return;
  }
}

}  // namespace kalam::tables
