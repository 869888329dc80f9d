#include "api/sql_request.h"

#include <array>
#include <tuple>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "api/result_json.h"
#include "tables/value_json.h"

namespace kalam::api {

using tables::AppendJsonString;
using tables::AppendJsonValue;
namespace {

using ErrorCode = boost::system::error_code;
using JsonText = boost::json::string_view;

// Longer than any namespace name; a longer value is refused before it is stored.
constexpr size_t kMaxNamespaceBytes = 256;
// Longer than any key we read ("namespace_id").
constexpr size_t kMaxKnownKeyBytes = 16;

// The top-level key whose value is being read.
enum class Field { kNone, kSql, kParams, kNamespace, kIgnored };

// The type of an array element as a signature: '[' per array level, then the kind of the
// innermost elements: 'n'umber, 's'tring, 'b'oolean, 'o'bject, or '?' when only nulls or
// nothing were seen (it fits anything). [[1, null], []] is "[n".
using Signature = std::string;

// The signature both fit, or nullopt when they differ ("[n" and "[s").
std::optional<Signature> Unify(const Signature& a, const Signature& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (a[i] == '?') return b;
    if (b[i] == '?') return a;
    return std::nullopt;
  }
  return a.size() >= b.size() ? a : b;
}

// "a number", "an array of strings", "an array of arrays of booleans".
std::string Describe(const Signature& signature) {
  const size_t arrays = signature.find_first_not_of('[');
  static constexpr std::pair<char, std::pair<std::string_view, std::string_view>> kNames[] = {
      {'n', {"a number", "numbers"}},
      {'s', {"a string", "strings"}},
      {'b', {"a boolean", "booleans"}},
      {'o', {"an object", "objects"}},
      {'?', {"an array", "arrays"}}};
  std::string text;
  for (const auto& [letter, names] : kNames) {
    if (letter != signature[arrays]) continue;
    if (arrays == 0) return std::string(names.first);
    text = std::string(names.second);
  }
  for (size_t i = 1; i < arrays; ++i)
    text = "arrays of " + text;
  return "an array of " + text;
}

std::string_view View(JsonText text) {
  return {text.data(), text.size()};
}

// The boost::json::basic_parser handler that builds a SqlRequest as the body streams by.
// Parameters become Values directly (objects become their JSON text); every byte kept is
// charged to a limit first, and the first limit crossed stops the parse with its error.
class SqlBodyHandler {
 public:
  // No size caps of the parser's own: ours are smaller and give clearer errors.
  static constexpr size_t max_object_size = static_cast<size_t>(-1);
  static constexpr size_t max_array_size = static_cast<size_t>(-1);
  static constexpr size_t max_key_size = static_cast<size_t>(-1);
  static constexpr size_t max_string_size = static_cast<size_t>(-1);

  explicit SqlBodyHandler(const SqlBodyLimits& limits) : limits_(limits) {}

  bool on_document_begin(ErrorCode&) { return true; }
  bool on_document_end(ErrorCode&) { return true; }
  bool on_array_begin(ErrorCode& ec) { return BeginContainer(false, ec); }
  bool on_array_end(size_t, ErrorCode& ec) { return EndContainer(false, ec); }
  bool on_object_begin(ErrorCode& ec) { return BeginContainer(true, ec); }
  bool on_object_end(size_t, ErrorCode& ec) { return EndContainer(true, ec); }
  bool on_string_part(JsonText part, size_t, ErrorCode& ec) { return StringPart(View(part), ec); }
  bool on_string(JsonText part, size_t, ErrorCode& ec) {
    return StringPart(View(part), ec) && EndString(ec);
  }
  bool on_key_part(JsonText part, size_t, ErrorCode& ec) { return KeyPart(View(part), ec); }
  bool on_key(JsonText part, size_t, ErrorCode& ec) {
    return KeyPart(View(part), ec) && EndKey(ec);
  }
  bool on_number_part(JsonText, ErrorCode&) { return true; }
  bool on_int64(int64_t value, JsonText, ErrorCode& ec) {
    return Scalar('n', Value::Int64(value), std::to_string(value), ec);
  }
  bool on_uint64(uint64_t value, JsonText, ErrorCode& ec) {
    std::string text = std::to_string(value);
    return Scalar('n', {.kind = Value::Kind::kDecimal, .text = text}, text, ec);
  }
  bool on_double(double value, JsonText, ErrorCode& ec) {
    return Scalar('n', Value::Double(value), boost::json::serialize(boost::json::value(value)), ec);
  }
  bool on_bool(bool value, ErrorCode& ec) {
    return Scalar('b', Value::Boolean(value), value ? "true" : "false", ec);
  }
  bool on_null(ErrorCode& ec) { return Scalar(std::nullopt, Value::Null(), "null", ec); }
  bool on_comment_part(JsonText, ErrorCode&) { return true; }
  bool on_comment(JsonText, ErrorCode&) { return true; }

  // The request, or the first refusal. REQUIRES: the parse has ended.
  std::variant<SqlRequest, BodyError> Finish() &&;
  const std::optional<BodyError>& error() const { return error_; }

 private:
  // An open array parameter (or an array inside one).
  struct OpenList {
    Value list{.kind = Value::Kind::kList};
    Signature elements = "?";
  };

  bool Fail(ErrorCode& ec, int status, std::string code, std::string message) {
    error_ = BodyError{status, std::move(code), std::move(message)};
    ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
    return false;
  }
  bool NotAnObject(ErrorCode& ec) {
    return Fail(ec, 400, "INVALID_REQUEST",
                "request body must be a JSON object like {\"sql\": \"SELECT 1\"}");
  }
  bool WrongType(ErrorCode& ec) {
    switch (field_) {
      case Field::kSql:
        return Fail(ec, 400, "INVALID_REQUEST", "\"sql\" must be a string");
      case Field::kParams:
        return Fail(ec, 400, "INVALID_PARAMETER", "\"params\" must be an array");
      default:
        return Fail(ec, 400, "INVALID_REQUEST", "\"namespace_id\" must be a string");
    }
  }
  bool InParams() const { return field_ == Field::kParams && depth_ >= 2; }
  bool InJsonText() const { return !json_first_.empty(); }
  std::string ParamName() const {
    return "parameter $" + std::to_string(request_.params.size() + 1);
  }

  bool Charge(size_t bytes, ErrorCode& ec) {
    param_bytes_ += bytes;
    return param_bytes_ <= limits_.max_param_bytes || TooLarge(ec);
  }
  bool TooLarge(ErrorCode& ec) {
    return Fail(
        ec, 400, "INVALID_PARAMETER",
        ParamName() + " is larger than " + std::to_string(limits_.max_param_bytes) + " bytes");
  }
  bool BeginElement(std::optional<char> kind, size_t bytes, ErrorCode& ec);
  bool CheckElementType(const Signature& element, ErrorCode& ec);
  void AddElement(Value value);
  void JsonSeparator();
  bool BeginContainer(bool object, ErrorCode& ec);
  bool EndContainer(bool object, ErrorCode& ec);
  bool BeginFieldValue(bool object, ErrorCode& ec);
  bool StringPart(std::string_view part, ErrorCode& ec);
  bool EndString(ErrorCode& ec);
  bool KeyPart(std::string_view part, ErrorCode& ec);
  bool EndKey(ErrorCode& ec);
  bool Scalar(std::optional<char> kind, Value value, std::string_view text, ErrorCode& ec);

  const SqlBodyLimits& limits_;
  SqlRequest request_;
  std::optional<BodyError> error_;
  size_t depth_ = 0;  // open containers; the top-level object is 1
  Field field_ = Field::kNone;
  bool seen_sql_ = false, seen_params_ = false, seen_namespace_ = false;
  bool top_level_seen_ = false;
  bool in_string_ = false;
  bool key_too_long_ = false;
  std::string text_;        // the string or key being read, when it is kept
  size_t param_bytes_ = 0;  // charged to the parameter being read
  std::vector<OpenList> lists_;
  std::string json_;              // the JSON text of an object parameter being read
  std::vector<bool> json_first_;  // per open container of json_: no element yet
  bool json_after_key_ = false;
};

// Starts a parameter, or an element of the open array, of kind `kind` (nullopt: null; arrays
// are typed when they end).
bool SqlBodyHandler::BeginElement(std::optional<char> kind, size_t bytes, ErrorCode& ec) {
  if (lists_.empty()) {
    if (request_.params.size() >= limits_.max_params) {
      return Fail(ec, 400, "INVALID_PARAMETER",
                  "too many parameters: more than " + std::to_string(limits_.max_params) +
                      "; the limit is " + std::to_string(limits_.max_params));
    }
    param_bytes_ = 0;
    return Charge(bytes, ec);
  }
  if (kind.has_value() && !CheckElementType(Signature(1, *kind), ec)) return false;
  return Charge(bytes + sizeof(Value), ec);  // an element costs its Value too
}

bool SqlBodyHandler::CheckElementType(const Signature& element, ErrorCode& ec) {
  OpenList& list = lists_.back();
  std::optional<Signature> unified = Unify(list.elements, element);
  if (!unified.has_value()) {
    return Fail(ec, 400, "INVALID_PARAMETER",
                ParamName() +
                    ": array elements must all be of one kind (numbers, strings, "
                    "booleans, objects, or arrays of one kind; null anywhere), found " +
                    Describe(element) + " after " + Describe(list.elements));
  }
  list.elements = *std::move(unified);
  return true;
}

void SqlBodyHandler::AddElement(Value value) {
  if (lists_.empty()) {
    request_.params.push_back(std::move(value));
  } else {
    lists_.back().list.children.push_back(std::move(value));
  }
}

void SqlBodyHandler::JsonSeparator() {
  if (json_after_key_) {
    json_after_key_ = false;
  } else if (!json_first_.back()) {
    json_.push_back(',');
  }
  json_first_.back() = false;
}

bool SqlBodyHandler::BeginContainer(bool object, ErrorCode& ec) {
  if (++depth_ > kMaxBodyDepth) {
    return Fail(ec, 400, "INVALID_REQUEST",
                "request body nests deeper than " + std::to_string(kMaxBodyDepth) + " levels");
  }
  if (depth_ == 1) {
    if (!object || top_level_seen_) return NotAnObject(ec);
    top_level_seen_ = true;
    return true;
  }
  if (depth_ == 2) return BeginFieldValue(object, ec);
  if (!InParams()) return true;  // inside an ignored key's value
  if (InJsonText()) {
    if (!Charge(1, ec)) return false;
    JsonSeparator();
    json_.push_back(object ? '{' : '[');
    json_first_.push_back(true);
    return true;
  }
  if (!BeginElement(object ? std::optional<char>('o') : std::nullopt, 1, ec)) return false;
  if (object) {
    json_ = "{";
    json_first_.push_back(true);
  } else {
    lists_.emplace_back();
  }
  return true;
}

bool SqlBodyHandler::BeginFieldValue(bool object, ErrorCode& ec) {
  if (field_ == Field::kIgnored) return true;
  if (field_ != Field::kParams || object) return WrongType(ec);
  return true;  // the params array itself
}

bool SqlBodyHandler::EndContainer(bool object, ErrorCode& ec) {
  const size_t closing = depth_--;
  if (closing < 3 || !InParams()) {
    if (closing == 2) field_ = Field::kNone;
    return true;
  }
  if (InJsonText()) {
    if (!Charge(1, ec)) return false;
    json_.push_back(object ? '}' : ']');
    json_first_.pop_back();
    if (!json_first_.empty()) return true;
    AddElement(Value::Json(std::move(json_)));
    json_.clear();
    return true;
  }
  OpenList closed = std::move(lists_.back());
  lists_.pop_back();
  if (!lists_.empty() && !CheckElementType("[" + closed.elements, ec)) return false;
  AddElement(std::move(closed.list));
  return true;
}

bool SqlBodyHandler::StringPart(std::string_view part, ErrorCode& ec) {
  const bool starting = !in_string_;
  in_string_ = true;
  if (depth_ == 0) return NotAnObject(ec);
  if (depth_ == 1) {
    switch (field_) {
      case Field::kSql:
        if (text_.size() + part.size() > limits_.max_sql_length) {
          return Fail(ec, 413, "SQL_TOO_LONG",
                      "SQL is longer than the limit of " + std::to_string(limits_.max_sql_length) +
                          " characters ([limits] max_sql_length); split it into smaller requests");
        }
        break;
      case Field::kNamespace:
        if (text_.size() + part.size() > kMaxNamespaceBytes) {
          return Fail(
              ec, 400, "INVALID_REQUEST",
              "\"namespace_id\" is longer than " + std::to_string(kMaxNamespaceBytes) + " bytes");
        }
        break;
      case Field::kParams:
        return WrongType(ec);
      default:
        return true;
    }
    text_.append(part);
    return true;
  }
  if (!InParams()) return true;
  if (starting) {
    if (InJsonText()) {
      if (!Charge(2, ec)) return false;
      JsonSeparator();
    } else if (!BeginElement('s', 2, ec)) {
      return false;
    }
  }
  if (!Charge(part.size(), ec)) return false;
  text_.append(part);
  return true;
}

bool SqlBodyHandler::EndString(ErrorCode& ec) {
  in_string_ = false;
  std::string text = std::move(text_);
  text_.clear();
  if (depth_ == 1) {
    if (field_ == Field::kSql) request_.sql = std::move(text);
    if (field_ == Field::kNamespace) request_.namespace_id = std::move(text);
    return true;
  }
  if (!InParams()) return true;
  if (InJsonText()) {
    AppendJsonString(json_, text);
    return json_.size() <= limits_.max_param_bytes || TooLarge(ec);  // escaping may grow it
  }
  AddElement(Value::Text(std::move(text)));
  return true;
}

bool SqlBodyHandler::KeyPart(std::string_view part, ErrorCode& ec) {
  if (depth_ == 1) {
    key_too_long_ = key_too_long_ || text_.size() + part.size() > kMaxKnownKeyBytes;
    if (!key_too_long_) text_.append(part);
    return true;
  }
  if (!InParams()) return true;  // keys of an ignored value
  if (!Charge(part.size(), ec)) return false;
  text_.append(part);
  return true;
}

bool SqlBodyHandler::EndKey(ErrorCode& ec) {
  std::string key = std::move(text_);
  text_.clear();
  if (depth_ == 1) {
    const bool too_long = key_too_long_;
    key_too_long_ = false;
    const std::array<std::tuple<std::string_view, Field, bool*>, 3> known = {
        {{"sql", Field::kSql, &seen_sql_},
         {"params", Field::kParams, &seen_params_},
         {"namespace_id", Field::kNamespace, &seen_namespace_}}};
    field_ = Field::kIgnored;
    for (const auto& [name, field, seen] : known) {
      if (too_long || key != name) continue;
      if (*seen) return Fail(ec, 400, "INVALID_REQUEST", "\"" + key + "\" is given twice");
      *seen = true;
      field_ = field;
    }
    return true;
  }
  if (!InParams()) return true;
  if (!Charge(3, ec)) return false;
  JsonSeparator();
  AppendJsonString(json_, key);
  json_.push_back(':');
  json_after_key_ = true;
  return true;
}

bool SqlBodyHandler::Scalar(std::optional<char> kind, Value value, std::string_view text,
                            ErrorCode& ec) {
  if (depth_ == 0) return NotAnObject(ec);
  if (depth_ == 1) {
    const bool null = !kind.has_value();
    if (field_ == Field::kSql || (!null && field_ != Field::kIgnored)) return WrongType(ec);
    return true;  // "params": null and "namespace_id": null mean absent
  }
  if (!InParams()) return true;
  if (InJsonText()) {
    if (!Charge(text.size(), ec)) return false;
    JsonSeparator();
    json_.append(text);
    return true;
  }
  if (!BeginElement(kind, text.size(), ec)) return false;
  AddElement(std::move(value));
  return true;
}

std::variant<SqlRequest, BodyError> SqlBodyHandler::Finish() && {
  if (error_.has_value()) return *std::move(error_);
  if (!seen_sql_) return BodyError{400, "INVALID_REQUEST", "\"sql\" must be a string"};
  return std::move(request_);
}

}  // namespace

std::variant<SqlRequest, BodyError> ParseSqlRequest(std::string_view body,
                                                    const SqlBodyLimits& limits) {
  boost::json::parse_options options;
  options.max_depth = kMaxBodyDepth + 1;  // our own check refuses first, with a clearer message
  boost::json::basic_parser<SqlBodyHandler> parser(options, limits);
  ErrorCode ec;
  const size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec && body.substr(used).find_first_not_of(" \t\r\n") != std::string_view::npos) {
    ec = boost::json::error::extra_data;
  }
  if (ec && !parser.handler().error().has_value()) {
    return BodyError{
        400, "INVALID_REQUEST",
        "request body must be a JSON object like {\"sql\": \"SELECT 1\"} (" + ec.message() + ")"};
  }
  return std::move(parser.handler()).Finish();
}

}  // namespace kalam::api
