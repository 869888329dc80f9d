#include <algorithm>
#include <charconv>
#include <set>

#include "sql/handlers.h"

namespace kalam::sql {
namespace {

using catalog::ColumnDefault;
using catalog::ColumnDefinition;
using catalog::DataType;
using catalog::TableType;

std::string TypeWord(TableType type) {
  switch (type) {
    case TableType::kUser:
      return "User";
    case TableType::kShared:
      return "Shared";
    case TableType::kStream:
      return "Stream";
    case TableType::kSystem:
      return "System";
  }
  return "";
}

Result<uint64_t> ParseUnsigned(const OptionValue& value, std::string_view option, uint64_t max) {
  uint64_t number = 0;
  const auto [end, error] =
      std::from_chars(value.text.data(), value.text.data() + value.text.size(), number);
  if (value.kind != OptionValue::Kind::kNumber || error != std::errc() ||
      end != value.text.data() + value.text.size() || number > max) {
    return Status::InvalidArgument(std::string(option) + " must be a whole number between 0 and " +
                                   std::to_string(max) + ", got '" + value.text + "'");
  }
  return number;
}

Result<bool> ParseBoolean(const OptionValue& value, std::string_view option) {
  if (value.kind == OptionValue::Kind::kBoolean) return value.text == "true";
  return Status::InvalidArgument(std::string(option) + " must be TRUE or FALSE");
}

// 'rows:N' | 'interval:S' | 'rows:N,interval:S'.
Result<catalog::FlushPolicy> ParseFlushPolicy(const std::string& text) {
  catalog::FlushPolicy policy;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, comma - start);
    const size_t colon = part.find(':');
    std::string key = part.substr(0, colon);
    for (char& c : key)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint32_t number = 0;
    const std::string digits = colon == std::string::npos ? "" : part.substr(colon + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
      return Status::InvalidArgument(
          "FLUSH_POLICY must look like 'rows:1000', 'interval:60' or "
          "'rows:1000,interval:60', got '" +
          text + "'");
    }
    if (key == "rows") {
      if (number < 1 || number > 999999) {
        return Status::InvalidArgument("FLUSH_POLICY rows must be between 1 and 999999");
      }
      policy.rows = number;
    } else if (key == "interval") {
      if (number < 1 || number > 86399) {
        return Status::InvalidArgument("FLUSH_POLICY interval must be between 1 and 86399 seconds");
      }
      policy.interval_seconds = number;
    } else {
      return Status::InvalidArgument("FLUSH_POLICY keys are 'rows' and 'interval', got '" + key +
                                     "'");
    }
    start = comma + 1;
  }
  return policy;
}

}  // namespace

Status ApplyTableOption(catalog::TableOptions& options, TableType type, const std::string& key,
                        const OptionValue& value) {
  const auto only_for = [&](bool allowed, std::string_view types) {
    return allowed ? Status()
                   : Status::InvalidArgument(key + " applies to " + std::string(types) +
                                             " tables only");
  };
  if (key == "STORAGE_ID") {
    KALAM_ASSIGN_OR_RETURN(const std::string id, catalog::NormalizeName(value.text, "storage"));
    options.storage_id = StorageId(id);
  } else if (key == "USE_USER_STORAGE") {
    KALAM_RETURN_IF_ERROR(only_for(type == TableType::kUser, "USER"));
    KALAM_ASSIGN_OR_RETURN(options.use_user_storage, ParseBoolean(value, key));
  } else if (key == "FLUSH_POLICY") {
    KALAM_RETURN_IF_ERROR(only_for(type != TableType::kStream, "USER and SHARED"));
    KALAM_ASSIGN_OR_RETURN(options.flush_policy, ParseFlushPolicy(value.text));
  } else if (key == "DELETED_RETENTION_HOURS") {
    KALAM_RETURN_IF_ERROR(only_for(type != TableType::kStream, "USER and SHARED"));
    KALAM_ASSIGN_OR_RETURN(const uint64_t hours, ParseUnsigned(value, key, UINT32_MAX));
    options.deleted_retention_hours = static_cast<uint32_t>(hours);
  } else if (key == "TTL_SECONDS") {
    KALAM_RETURN_IF_ERROR(only_for(type == TableType::kStream, "STREAM"));
    KALAM_ASSIGN_OR_RETURN(const uint64_t ttl, ParseUnsigned(value, key, uint64_t{1} << 40));
    if (ttl == 0) return Status::InvalidArgument("TTL_SECONDS must be greater than 0");
    options.ttl_seconds = ttl;
  } else if (key == "ACCESS_LEVEL") {
    KALAM_RETURN_IF_ERROR(only_for(type == TableType::kShared, "SHARED"));
    const auto level = catalog::ParseAccessLevel(value.text);
    if (!level.has_value()) {
      return Status::InvalidArgument("ACCESS_LEVEL must be PUBLIC, PRIVATE or RESTRICTED, got '" +
                                     value.text + "'");
    }
    options.access_level = level;
  } else {
    return Status::InvalidArgument("Unknown table option '" + key + "'");
  }
  return Status();
}

namespace {

Result<TableType> ResolveTableType(const CreateTable& create) {
  std::optional<TableType> from_with;
  for (const auto& [key, value] : create.with) {
    if (key != "TYPE") continue;
    std::string text = value.text;
    for (char& c : text)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (text == "USER")
      from_with = TableType::kUser;
    else if (text == "SHARED")
      from_with = TableType::kShared;
    else if (text == "STREAM")
      from_with = TableType::kStream;
    else
      return Status::InvalidArgument("TYPE must be 'USER', 'SHARED' or 'STREAM', got '" +
                                     value.text + "'");
  }
  if (create.type_prefix && from_with && *create.type_prefix != *from_with) {
    return Status::InvalidArgument("Conflicting table type definitions: CREATE " +
                                   std::string(TableTypeName(*create.type_prefix)) +
                                   " TABLE with TYPE = '" + std::string(TableTypeName(*from_with)) +
                                   "'");
  }
  // USER is the default (ADR 0006): defaulting to SHARED would make a forgotten keyword
  // expose every user's rows to everyone.
  return create.type_prefix.value_or(from_with.value_or(TableType::kUser));
}

// Which defaults suit which column types.
Status CheckDefaultKind(const ColumnDefinition& column) {
  using Kind = DataType::Kind;
  const Kind type = column.type.kind;
  const auto bad = [&](std::string_view what) {
    return Status::InvalidArgument("DEFAULT " + column.default_value.ToSql() +
                                   " does not suit column '" + column.name + "' of type " +
                                   column.type.ToSql() + ": " + std::string(what));
  };
  const bool numeric = type == Kind::kSmallInt || type == Kind::kInt || type == Kind::kBigInt ||
                       type == Kind::kFloat || type == Kind::kDouble || type == Kind::kDecimal;
  const bool textual = type == Kind::kText || type == Kind::kJson;
  switch (column.default_value.kind) {
    case ColumnDefault::Kind::kNone:
      return Status();
    case ColumnDefault::Kind::kNull:
      return column.nullable ? Status() : bad("the column is NOT NULL");
    case ColumnDefault::Kind::kNumber:
      return numeric || textual ? Status() : bad("a number");
    case ColumnDefault::Kind::kBoolean:
      return type == Kind::kBoolean || textual ? Status() : bad("a boolean");
    case ColumnDefault::Kind::kString:
      return Status();  // coerced by CheckColumnDefault
    case ColumnDefault::Kind::kSnowflakeId:
      return type == Kind::kBigInt || type == Kind::kText ? Status() : bad("needs BIGINT or TEXT");
    case ColumnDefault::Kind::kUuidV7:
      return type == Kind::kUuid || type == Kind::kText ? Status() : bad("needs UUID or TEXT");
    case ColumnDefault::Kind::kUlid:
    case ColumnDefault::Kind::kCurrentUser:
      return type == Kind::kText ? Status() : bad("needs TEXT");
    case ColumnDefault::Kind::kNow:
      return type == Kind::kTimestamp || type == Kind::kDateTime || type == Kind::kDate ||
                     type == Kind::kText
                 ? Status()
                 : bad("needs TIMESTAMP, DATETIME, DATE or TEXT");
  }
  return Status();
}

}  // namespace

Status CheckColumnDefault(const ColumnDefinition& column, Services& services,
                          const ExecutionContext& context) {
  KALAM_RETURN_IF_ERROR(CheckDefaultKind(column));
  const ColumnDefault::Kind kind = column.default_value.kind;
  if (kind != ColumnDefault::Kind::kString && kind != ColumnDefault::Kind::kNumber &&
      kind != ColumnDefault::Kind::kBoolean) {
    return Status();  // NULL, none, or a function (evaluated per row)
  }
  // A literal is a value of the column's type (a VARCHAR(n) default fits n), checked now
  // rather than at the first INSERT that needs it.
  return DefaultFor(column, services, context, 0)
      .status()
      .WithContext("DEFAULT " + column.default_value.ToSql());
}

Result<ColumnDefinition> MakeColumn(const ColumnSpec& spec, Services& services,
                                    const ExecutionContext& context) {
  ColumnDefinition column;
  KALAM_ASSIGN_OR_RETURN(column.name, catalog::NormalizeName(spec.name, "column"));
  if (column.name.starts_with('_')) {
    return Status::InvalidArgument("Column name '" + column.name +
                                   "' is reserved: names starting with '_' belong to the system");
  }
  column.type = spec.type;
  column.nullable = !spec.not_null && !spec.primary_key;
  column.primary_key = spec.primary_key;
  column.default_value = spec.default_value;
  if (spec.auto_increment) {
    if (spec.type.kind != DataType::Kind::kBigInt) {
      return Status::InvalidArgument("AUTO_INCREMENT requires a BIGINT column ('" + column.name +
                                     "')");
    }
    if (spec.default_value.kind != ColumnDefault::Kind::kNone) {
      return Status::InvalidArgument("column '" + column.name +
                                     "' cannot have both AUTO_INCREMENT and DEFAULT");
    }
    column.default_value = {ColumnDefault::Kind::kSnowflakeId, ""};
  }
  KALAM_RETURN_IF_ERROR(CheckColumnDefault(column, services, context));
  return column;
}

namespace {

Status CheckPrimaryKeyType(const ColumnDefinition& column) {
  using Kind = DataType::Kind;
  const Kind kind = column.type.kind;
  if (kind == Kind::kEmbedding || kind == Kind::kJson || kind == Kind::kFloat ||
      kind == Kind::kDouble || kind == Kind::kBytes) {
    return Status::InvalidArgument("column '" + column.name + "' of type " + column.type.ToSql() +
                                   " cannot be a PRIMARY KEY");
  }
  return Status();
}

Result<std::vector<ColumnDefinition>> MakeColumns(const CreateTable& create, TableType type,
                                                  Services& services,
                                                  const ExecutionContext& context) {
  if (create.columns.empty()) return Status::InvalidArgument("a table needs at least one column");
  std::vector<ColumnDefinition> columns;
  std::set<std::string> names;
  for (const ColumnSpec& spec : create.columns) {
    KALAM_ASSIGN_OR_RETURN(ColumnDefinition column, MakeColumn(spec, services, context));
    if (!names.insert(column.name).second) {
      return Status::InvalidArgument("column '" + column.name + "' is defined twice");
    }
    columns.push_back(std::move(column));
  }
  if (create.table_primary_key.size() > 1) {
    return Status::InvalidArgument("Composite PRIMARY KEYs are not supported yet");
  }
  if (create.table_primary_key.size() == 1) {
    KALAM_ASSIGN_OR_RETURN(const std::string pk,
                           catalog::NormalizeName(create.table_primary_key[0], "column"));
    auto it = std::find_if(columns.begin(), columns.end(),
                           [&](const ColumnDefinition& c) { return c.name == pk; });
    if (it == columns.end()) {
      return Status::InvalidArgument("PRIMARY KEY column '" + pk + "' is not defined");
    }
    it->primary_key = true;
    it->nullable = false;
  }
  const auto pk_count = std::count_if(columns.begin(), columns.end(),
                                      [](const ColumnDefinition& c) { return c.primary_key; });
  if (pk_count > 1) return Status::InvalidArgument("Composite PRIMARY KEYs are not supported yet");
  if (pk_count == 0 && type != TableType::kStream) {
    return Status::InvalidArgument(std::string(TableTypeName(type)) +
                                   " tables require a PRIMARY KEY column");
  }
  for (const ColumnDefinition& column : columns) {
    if (column.primary_key) KALAM_RETURN_IF_ERROR(CheckPrimaryKeyType(column));
    if (column.primary_key && column.default_value.kind == ColumnDefault::Kind::kNull) {
      return Status::InvalidArgument("PRIMARY KEY column '" + column.name +
                                     "' cannot default to NULL");
    }
  }
  return columns;
}

// Table DDL rights by role and table type.
Status CheckTableDdl(const ExecutionContext& context, auth::Action action, TableType type,
                     const std::string& qualified_name) {
  return auth::Authorize(
      context.role, action,
      {.what = std::string(TableTypeName(type)) + " table " + qualified_name, .table_type = type});
}

Status CheckUsableStorage(Services& services, const StorageId& id) {
  KALAM_ASSIGN_OR_RETURN(const auto storage, services.catalog.GetStorage(id.value()));
  if (!storage.has_value()) return Status::NotFound("Storage '" + id.value() + "' not found");
  if (storage->storage_type == "s3") {
    return Status::InvalidArgument("Storage '" + id.value() +
                                   "' is of type s3, which is not supported in this build; use a "
                                   "filesystem storage");
  }
  return Status();
}

}  // namespace

Status RefuseSystemNamespace(const std::string& namespace_id) {
  if (namespace_id == "system" || namespace_id == "information_schema") {
    return Status::PermissionDenied("system tables cannot be created, altered or dropped");
  }
  return Status();
}

Result<Handled> HandleCreateTable(const CreateTable& create, Services& services,
                                  const ExecutionContext& context, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const auto name, ResolveName(create.table, context, "table"));
  const auto& [namespace_id, table_name] = name;
  KALAM_RETURN_IF_ERROR(RefuseSystemNamespace(namespace_id));
  KALAM_ASSIGN_OR_RETURN(const TableType type, ResolveTableType(create));
  const std::string qualified = namespace_id + "." + table_name;
  KALAM_RETURN_IF_ERROR(CheckTableDdl(context, auth::Action::kCreateTable, type, qualified));
  catalog::TableRecord table{
      .namespace_id = namespace_id, .table_name = table_name, .table_type = type};
  table.created_by = context.user_id.value();
  for (const auto& [key, value] : create.with) {
    if (key != "TYPE") KALAM_RETURN_IF_ERROR(ApplyTableOption(table.options, type, key, value));
  }
  if (type == TableType::kStream && !table.options.ttl_seconds.has_value()) {
    return Status::InvalidArgument("STREAM tables must specify 'TTL_SECONDS'");
  }
  if (type == TableType::kShared && !table.options.access_level.has_value()) {
    table.options.access_level = catalog::AccessLevel::kPrivate;
  }
  KALAM_RETURN_IF_ERROR(CheckUsableStorage(services, table.options.storage_id));
  KALAM_ASSIGN_OR_RETURN(std::vector<ColumnDefinition> columns,
                         MakeColumns(create, type, services, context));
  const Result<std::shared_ptr<const catalog::CachedTable>> created =
      services.catalog.CreateTable(std::move(table), std::move(columns));
  if (created.status().code() == StatusCode::kAlreadyExists && create.if_not_exists) {
    SendMessage(sink, "Table " + qualified + " already exists (IF NOT EXISTS)");
    return Handled{};
  }
  KALAM_RETURN_IF_ERROR(created.status());
  SendMessage(sink, TypeWord(type) + " table " + qualified + " created successfully");
  return Handled{{"CREATE", "TABLE " + qualified}};
}

Result<Handled> HandleDropTable(const DropTable& drop, Services& services,
                                const ExecutionContext& context, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const auto name, ResolveName(drop.table, context, "table"));
  const auto& [namespace_id, table_name] = name;
  KALAM_RETURN_IF_ERROR(RefuseSystemNamespace(namespace_id));
  const std::string qualified = namespace_id + "." + table_name;
  const Result<std::shared_ptr<const catalog::CachedTable>> current =
      FindTable(services, context, namespace_id, table_name);
  if (current.status().code() == StatusCode::kTableNotFound && drop.if_exists) {
    SendMessage(sink, "Table " + qualified + " does not exist (skipped)");
    return Handled{};
  }
  KALAM_RETURN_IF_ERROR(current.status());
  if (drop.type_prefix.has_value() && *drop.type_prefix != (*current)->table.table_type) {
    return Status::InvalidArgument("Table " + qualified + " is a " +
                                   std::string(TableTypeName((*current)->table.table_type)) +
                                   " table, not " + std::string(TableTypeName(*drop.type_prefix)));
  }
  KALAM_RETURN_IF_ERROR(services.catalog.DropTable(namespace_id, table_name, CommitDrop(services)));
  SendMessage(sink, "Table " + qualified + " dropped successfully");
  return Handled{{"DROP", "TABLE " + qualified}};
}

}  // namespace kalam::sql
