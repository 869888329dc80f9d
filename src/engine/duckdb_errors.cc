#include "engine/duckdb_errors.h"

#include <string>
#include <utility>

namespace kalam::engine {
namespace {

// DuckDB's message prefixes and the kinds they stand for, as ExceptionTypeToString names
// them.
constexpr std::pair<std::string_view, duckdb_error_type> kPrefixes[] = {
    {"Binder Error: ", DUCKDB_ERROR_BINDER},
    {"Catalog Error: ", DUCKDB_ERROR_CATALOG},
    {"Conversion Error: ", DUCKDB_ERROR_CONVERSION},
    {"Mismatch Type Error: ", DUCKDB_ERROR_MISMATCH_TYPE},
    {"Invalid Input Error: ", DUCKDB_ERROR_INVALID_INPUT},
    {"Out of Range Error: ", DUCKDB_ERROR_OUT_OF_RANGE},
    {"Parser Error: ", DUCKDB_ERROR_PARSER},
    {"Not implemented Error: ", DUCKDB_ERROR_NOT_IMPLEMENTED},
    {"Permission Error: ", DUCKDB_ERROR_PERMISSION},
    {"Out of Memory Error: ", DUCKDB_ERROR_OUT_OF_MEMORY},
    {"IO Error: ", DUCKDB_ERROR_IO},
    {"INTERNAL Error: ", DUCKDB_ERROR_INTERNAL},
    {"FATAL Error: ", DUCKDB_ERROR_FATAL},
    {"INTERRUPT Error: ", DUCKDB_ERROR_INTERRUPT},
};

// The message without DuckDB's excerpt of the query it ran ("\n\nLINE 1: …" and the caret
// line), which is our rewritten SQL, not the user's.
std::string_view WithoutExcerpt(std::string_view message) {
  const size_t excerpt = message.find("\nLINE ");
  if (excerpt != std::string_view::npos) message = message.substr(0, excerpt);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  return message;
}

std::string_view WithoutPrefix(std::string_view message) {
  for (const auto& [prefix, type] : kPrefixes) {
    if (message.starts_with(prefix)) return message.substr(prefix.size());
  }
  return message;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A bind error about a name that does not resolve to a column.
bool IsUnknownColumn(std::string_view text) {
  return (text.starts_with("Referenced column ") && Contains(text, " not found")) ||
         Contains(text, " does not have a column named ") ||
         (text.starts_with("Referenced table ") && Contains(text, " not found"));
}

// A bind error about argument or operand types.
bool IsTypeMismatch(std::string_view text) {
  return text.starts_with("No function matches the given name and argument types") ||
         text.starts_with("Could not choose a best candidate function") ||
         text.starts_with("Cannot compare values of type") ||
         text.starts_with("Cannot mix values of type");
}

// Names DuckDB gives our per-table subqueries ("Values list \"m\"") read as tables.
std::string Polished(std::string_view text) {
  std::string out(text);
  static constexpr std::string_view kValuesList = "Values list ";
  if (out.starts_with(kValuesList)) out.replace(0, kValuesList.size(), "Table ");
  return out;
}

}  // namespace

Status StatusFromDuckDbError(duckdb_error_type type, std::string_view message) {
  const std::string text = Polished(WithoutPrefix(WithoutExcerpt(message)));
  switch (type) {
    case DUCKDB_ERROR_PERMISSION:
      return Status::PermissionDenied(text);
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return Status::ResourceExhausted(text);
    case DUCKDB_ERROR_INTERRUPT:
      return Status::Unavailable(text);
    case DUCKDB_ERROR_IO:
      return Status::IOError(text);
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_FATAL:
      return Status::Internal(text);
    case DUCKDB_ERROR_CONVERSION:
    case DUCKDB_ERROR_MISMATCH_TYPE:
      return Status::TypeMismatch(text);
    case DUCKDB_ERROR_BINDER:
      if (IsUnknownColumn(text)) return Status::ColumnNotFound(text);
      if (IsTypeMismatch(text)) return Status::TypeMismatch(text);
      return Status::InvalidArgument(text);
    default:
      return Status::InvalidArgument(text);
  }
}

Status StatusFromDuckDbMessage(std::string_view message) {
  for (const auto& [prefix, type] : kPrefixes) {
    if (message.starts_with(prefix)) return StatusFromDuckDbError(type, message);
  }
  return StatusFromDuckDbError(DUCKDB_ERROR_INVALID, message);
}

}  // namespace kalam::engine
