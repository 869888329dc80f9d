#include "engine/system_tables.h"

#include <algorithm>
#include <tuple>

#include <boost/json.hpp>

namespace kalam::engine {
namespace {

using catalog::TableType;
using Rows = SystemRows;

constexpr std::string_view kMasked = "***";

ResultColumn Text(std::string name) {
  return {std::move(name), "TEXT"};
}
ResultColumn JsonColumn(std::string name) {
  return {std::move(name), "JSON"};
}
ResultColumn Int(std::string name) {
  return {std::move(name), "INT"};
}
ResultColumn BigInt(std::string name) {
  return {std::move(name), "BIGINT"};
}
ResultColumn Bool(std::string name) {
  return {std::move(name), "BOOLEAN"};
}
ResultColumn Timestamp(std::string name) {
  return {std::move(name), "TIMESTAMP"};
}

Value OptionalText(const std::string& text) {
  return text.empty() ? Value::Null() : Value::Text(text);
}
Value OptionalMillis(const std::optional<int64_t>& millis) {
  return millis.has_value() ? Value::TimestampMillis(*millis) : Value::Null();
}

std::string OptionsJson(const catalog::TableRecord& table) {
  boost::json::object json;
  const catalog::TableOptions& options = table.options;
  json["storage_id"] = options.storage_id.value();
  if (table.table_type == TableType::kUser) json["use_user_storage"] = options.use_user_storage;
  if (!options.flush_policy.ToString().empty())
    json["flush_policy"] = options.flush_policy.ToString();
  if (options.deleted_retention_hours)
    json["deleted_retention_hours"] = *options.deleted_retention_hours;
  if (options.ttl_seconds) json["ttl_seconds"] = *options.ttl_seconds;
  if (options.access_level) json["access_level"] = catalog::AccessLevelName(*options.access_level);
  return boost::json::serialize(json);
}

std::string PairsJson(const std::vector<std::pair<std::string, std::string>>& pairs) {
  boost::json::object json;
  for (const auto& [key, value] : pairs)
    json[key] = value;
  return boost::json::serialize(json);
}

bool Allows(const MayRead& may_read, std::string_view schema, std::string_view name) {
  return may_read && may_read(schema, name);
}

// Positions of table_name and namespace_id in system.tables' columns.
constexpr size_t kName = 1;
constexpr size_t kNamespace = 2;

// system.tables' columns, which SHOW TABLES also uses.
std::vector<ResultColumn> TablesColumns() {
  return {Text("table_id"),      Text("table_name"),      Text("namespace_id"),
          Text("table_type"),    Timestamp("created_at"), Int("schema_version"),
          Text("table_comment"), Timestamp("updated_at"), JsonColumn("options"),
          Text("access_level")};
}

std::vector<Value> TableRow(const catalog::TableRecord& t) {
  return {Value::Text(t.namespace_id + ":" + t.table_name),
          Value::Text(t.table_name),
          Value::Text(t.namespace_id),
          Value::Text(std::string(TableTypeName(t.table_type))),
          Value::TimestampMillis(t.created_at),
          Value::Int32(t.schema_version),
          OptionalText(t.comment),
          Value::TimestampMillis(t.updated_at),
          Value::Json(OptionsJson(t)),
          t.options.access_level
              ? Value::Text(std::string(AccessLevelName(*t.options.access_level)))
              : Value::Null()};
}

// A view or a system table in system.tables' columns: what a table has and they do not
// (schema version, comment, options, access level) is NULL.
std::vector<Value> ListingRow(const std::string& schema, const std::string& name,
                              std::string_view type, const Value& created_at) {
  return {Value::Text(schema + ":" + name),
          Value::Text(name),
          Value::Text(schema),
          Value::Text(std::string(type)),
          created_at,
          Value::Null(),
          Value::Null(),
          created_at,
          Value::Null(),
          Value::Null()};
}

}  // namespace

SystemTables::SystemTables(catalog::Catalog& catalog, ServerInfo info)
    : catalog_(catalog), info_(std::move(info)), listing_columns_(TablesColumns()) {
  AddSystemTables();
  AddInformationSchema();
}

const SystemTableDef* SystemTables::Find(std::string_view schema, std::string_view name) const {
  for (const SystemTableDef& table : tables_) {
    if (table.schema == schema && table.name == name) return &table;
  }
  return nullptr;
}

Status SystemTables::ForEachReadable(const MayRead& may_read,
                                     const std::optional<std::string>& namespace_id,
                                     const ReadableVisitor& visit) const {
  const auto wanted = [&](const std::string& schema, const std::string& name) {
    return (!namespace_id.has_value() || *namespace_id == schema) && Allows(may_read, schema, name);
  };
  if (visit.table) {
    KALAM_ASSIGN_OR_RETURN(const auto tables, catalog_.ListTables());
    for (const catalog::TableRecord& t : tables) {
      if (wanted(t.namespace_id, t.table_name)) visit.table(t);
    }
  }
  if (visit.view) {
    KALAM_ASSIGN_OR_RETURN(const auto views, catalog_.ListViews());
    for (const catalog::ViewRecord& v : views) {
      if (wanted(v.namespace_id, v.view_name)) visit.view(v);
    }
  }
  if (visit.system_table) {
    for (const SystemTableDef& def : tables_) {
      if (wanted(def.schema, def.name)) visit.system_table(def);
    }
  }
  return Status();
}

Result<SystemRows> SystemTables::Listing(const MayRead& may_read,
                                         const std::optional<std::string>& namespace_id) const {
  Rows rows;
  KALAM_RETURN_IF_ERROR(ForEachReadable(
      may_read, namespace_id,
      {.table = [&](const catalog::TableRecord& t) { rows.push_back(TableRow(t)); },
       .view =
           [&](const catalog::ViewRecord& v) {
             rows.push_back(ListingRow(v.namespace_id, v.view_name, "VIEW",
                                       Value::TimestampMillis(v.created_at)));
           },
       .system_table =
           [&](const SystemTableDef& def) {
             rows.push_back(ListingRow(def.schema, def.name, "SYSTEM", Value::Null()));
           }}));
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a[kNamespace].text, a[kName].text) <
           std::tie(b[kNamespace].text, b[kName].text);
  });
  return rows;
}

void SystemTables::AddSystemTables() {
  catalog::Catalog& catalog = catalog_;
  tables_.push_back(
      {"system",
       "namespaces",
       {Text("namespace_id"), Text("name"), Timestamp("created_at"), JsonColumn("options"),
        Int("table_count")},
       [&catalog](const MayRead&) -> Result<Rows> {
         KALAM_ASSIGN_OR_RETURN(const auto namespaces, catalog.ListNamespaces());
         KALAM_ASSIGN_OR_RETURN(const auto tables, catalog.ListTables());
         Rows rows;
         for (const catalog::NamespaceRecord& ns : namespaces) {
           const auto count = std::count_if(tables.begin(), tables.end(), [&](const auto& t) {
             return t.namespace_id == ns.name;
           });
           rows.push_back({Value::Text(ns.name), Value::Text(ns.name),
                           Value::TimestampMillis(ns.created_at),
                           ns.options.empty() ? Value::Null() : Value::Json(PairsJson(ns.options)),
                           Value::Int32(count)});
         }
         return rows;
       }});
  tables_.push_back(
      {"system",
       "storages",
       {Text("storage_id"), Text("storage_name"), Text("description"), Text("storage_type"),
        Text("base_directory"), Text("credentials"), Text("shared_tables_template"),
        Text("user_tables_template"), Timestamp("created_at"), Timestamp("updated_at")},
       [&catalog](const MayRead&) -> Result<Rows> {
         KALAM_ASSIGN_OR_RETURN(const auto storages, catalog.ListStorages());
         Rows rows;
         for (const catalog::StorageRecord& s : storages) {
           rows.push_back(
               {Value::Text(s.storage_id), Value::Text(s.storage_name), OptionalText(s.description),
                Value::Text(s.storage_type), Value::Text(s.base_directory),
                s.credentials.empty() ? Value::Null() : Value::Text(std::string(kMasked)),
                Value::Text(s.shared_tables_template), Value::Text(s.user_tables_template),
                Value::TimestampMillis(s.created_at), Value::TimestampMillis(s.updated_at)});
         }
         return rows;
       }});
  tables_.push_back(
      {"system", "tables", TablesColumns(), [&catalog](const MayRead&) -> Result<Rows> {
         KALAM_ASSIGN_OR_RETURN(const auto tables, catalog.ListTables());
         Rows rows;
         for (const catalog::TableRecord& t : tables)
           rows.push_back(TableRow(t));
         return rows;
       }});
  tables_.push_back(
      {"system",
       "users",
       {Text("user_id"), Text("username"), Text("password_hash"), Text("role"), Text("email"),
        Text("auth_type"), Timestamp("created_at"), Timestamp("updated_at"),
        Timestamp("deleted_at")},
       [&catalog](const MayRead&) -> Result<Rows> {
         KALAM_ASSIGN_OR_RETURN(const auto users, catalog.ListUsers());
         Rows rows;
         for (const catalog::UserRecord& u : users) {
           rows.push_back(
               {Value::Text(u.user_id), Value::Text(u.username),
                u.password_hash.empty() ? Value::Null() : Value::Text(std::string(kMasked)),
                Value::Text(std::string(RoleName(u.role))), OptionalText(u.email),
                Value::Text(u.auth_type), Value::TimestampMillis(u.created_at),
                Value::TimestampMillis(u.updated_at), OptionalMillis(u.deleted_at)});
         }
         return rows;
       }});
  tables_.push_back(
      {"system",
       "jobs",
       {Text("job_id"), Text("job_type"), Text("namespace_id"), Text("table_name"), Text("status"),
        JsonColumn("parameters"), Text("message"), Text("exception_trace"), Text("idempotency_key"),
        Int("retry_count"), Int("max_retries"), Text("node_id"), Timestamp("created_at"),
        Timestamp("updated_at"), Timestamp("started_at"), Timestamp("completed_at")},
       [&catalog](const MayRead&) -> Result<Rows> {
         KALAM_ASSIGN_OR_RETURN(const auto jobs, catalog.ListJobs());
         Rows rows;
         for (const catalog::JobRecord& j : jobs) {
           rows.push_back(
               {Value::Text(j.job_id), Value::Text(j.job_type), OptionalText(j.namespace_id),
                OptionalText(j.table_name), Value::Text(j.status),
                j.parameters.empty() ? Value::Null() : Value::Json(j.parameters),
                OptionalText(j.message), OptionalText(j.exception_trace),
                OptionalText(j.idempotency_key), Value::Int32(static_cast<int32_t>(j.retry_count)),
                Value::Int32(static_cast<int32_t>(j.max_retries)), Value::Text(j.node_id),
                Value::TimestampMillis(j.created_at), Value::TimestampMillis(j.updated_at),
                OptionalMillis(j.started_at), OptionalMillis(j.completed_at)});
         }
         return rows;
       }});
  tables_.push_back({"system",
                     "live_queries",
                     {Text("live_id"), Text("connection_id"), Text("subscription_id"),
                      Text("user_id"), Text("namespace_id"), Text("table_name"), Text("query"),
                      JsonColumn("options"), Timestamp("created_at"), Timestamp("last_change_at"),
                      BigInt("changes_delivered"), Text("node_id")},
                     [this](const MayRead&) -> Result<Rows> {
                       return live_query_rows_ ? live_query_rows_() : Rows();
                     }});
  tables_.push_back(
      {"system",
       "audit_logs",
       {Text("audit_id"), Timestamp("timestamp"), Text("actor_user_id"), Text("actor_username"),
        Text("action"), Text("target"), Text("details"), Text("ip_address"), Text("request_id")},
       [&catalog](const MayRead&) -> Result<Rows> {
         KALAM_ASSIGN_OR_RETURN(const auto entries, catalog.ListAudit());
         Rows rows;
         for (const catalog::AuditLogRecord& a : entries) {
           rows.push_back({Value::Text(a.audit_id), Value::TimestampMillis(a.timestamp),
                           Value::Text(a.actor_user_id), Value::Text(a.actor_username),
                           Value::Text(a.action), Value::Text(a.target), OptionalText(a.details),
                           OptionalText(a.ip_address), OptionalText(a.request_id)});
         }
         return rows;
       }});
  const ServerInfo info = info_;
  tables_.push_back(
      {"system",
       "stats",
       {Text("metric_name"), Text("metric_value")},
       [&catalog, info](const MayRead&) -> Result<Rows> {
         const catalog::SchemaCacheStats cache = catalog.CacheStats();
         const uint64_t lookups = cache.hits + cache.misses;
         const double hit_rate = lookups == 0 ? 0.0 : static_cast<double>(cache.hits) / lookups;
         const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now() - info.started_at);
         KALAM_ASSIGN_OR_RETURN(const auto tables, catalog.ListTables());
         Rows rows;
         const auto add = [&rows](std::string name, std::string value) {
           rows.push_back({Value::Text(std::move(name)), Value::Text(std::move(value))});
         };
         add("schema_cache_hit_rate", std::to_string(hit_rate));
         add("schema_cache_hits", std::to_string(cache.hits));
         add("schema_cache_misses", std::to_string(cache.misses));
         add("schema_cache_size", std::to_string(cache.entries));
         add("schema_cache_bytes", std::to_string(cache.approximate_bytes));
         add("table_count", std::to_string(tables.size()));
         add("server_uptime_seconds", std::to_string(uptime.count()));
         add("system_schema_version", std::to_string(catalog.system_schema_version()));
         add("node_id", info.node_id);
         add("server_version", info.version);
         return rows;
       }});
}

void SystemTables::AddInformationSchema() {
  // Both list what the caller may read (ForEachReadable), information_schema itself included.
  tables_.push_back(
      {"information_schema",
       "tables",
       {Text("table_catalog"), Text("table_schema"), Text("table_name"), Text("table_type"),
        Timestamp("created_at"), Timestamp("updated_at"), Int("schema_version"),
        Text("storage_id")},
       [this](const MayRead& may_read) { return InformationSchemaTables(may_read); }});
  tables_.push_back(
      {"information_schema",
       "columns",
       {Text("table_catalog"), Text("table_schema"), Text("table_name"), Text("column_name"),
        Int("ordinal_position"), Text("data_type"), Bool("is_nullable"), Text("column_default"),
        Bool("is_primary_key")},
       [this](const MayRead& may_read) { return InformationSchemaColumns(may_read); }});
}

Result<SystemRows> SystemTables::InformationSchemaTables(const MayRead& may_read) const {
  Rows rows;
  KALAM_RETURN_IF_ERROR(ForEachReadable(
      may_read, std::nullopt,
      {.table =
           [&](const catalog::TableRecord& t) {
             rows.push_back(
                 {Value::Text("kalamdb"), Value::Text(t.namespace_id), Value::Text(t.table_name),
                  Value::Text(std::string(TableTypeName(t.table_type))),
                  Value::TimestampMillis(t.created_at), Value::TimestampMillis(t.updated_at),
                  Value::Int32(t.schema_version), Value::Text(t.options.storage_id.value())});
           },
       .view =
           [&](const catalog::ViewRecord& v) {
             rows.push_back({Value::Text("kalamdb"), Value::Text(v.namespace_id),
                             Value::Text(v.view_name), Value::Text("VIEW"),
                             Value::TimestampMillis(v.created_at),
                             Value::TimestampMillis(v.created_at), Value::Null(), Value::Null()});
           },
       .system_table =
           [&](const SystemTableDef& def) {
             rows.push_back({Value::Text("kalamdb"), Value::Text(def.schema), Value::Text(def.name),
                             Value::Text("SYSTEM"), Value::Null(), Value::Null(), Value::Null(),
                             Value::Null()});
           }}));
  return rows;
}

Result<SystemRows> SystemTables::InformationSchemaColumns(const MayRead& may_read) const {
  Rows rows;
  Status failed;
  const auto add_table = [&](const catalog::TableRecord& t) {
    Result<std::shared_ptr<const catalog::CachedTable>> cached =
        catalog_.GetTable(t.namespace_id, t.table_name);
    if (!cached.ok()) {  // dropped since it was listed: not a table now
      if (failed.ok() && cached.status().code() != StatusCode::kTableNotFound) {
        failed = cached.status();
      }
      return;
    }
    int position = 0;
    for (const catalog::ColumnDefinition& c : (*cached)->schema.columns) {
      const std::string default_sql = c.default_value.ToSql();
      rows.push_back({Value::Text("kalamdb"), Value::Text(t.namespace_id),
                      Value::Text(t.table_name), Value::Text(c.name), Value::Int32(++position),
                      Value::Text(c.type.ToSql()), Value::Boolean(c.nullable),
                      OptionalText(default_sql), Value::Boolean(c.primary_key)});
    }
  };
  const auto add_system_table = [&](const SystemTableDef& def) {
    int position = 0;
    for (const ResultColumn& c : def.columns) {
      rows.push_back({Value::Text("kalamdb"), Value::Text(def.schema), Value::Text(def.name),
                      Value::Text(c.name), Value::Int32(++position), Value::Text(c.data_type),
                      Value::Boolean(true), Value::Null(), Value::Boolean(false)});
    }
  };
  // A view's columns are known only by binding it (DESCRIBE): views have no rows here.
  KALAM_RETURN_IF_ERROR(
      ForEachReadable(may_read, std::nullopt,
                      {.table = add_table, .view = nullptr, .system_table = add_system_table}));
  KALAM_RETURN_IF_ERROR(failed);
  return rows;
}

}  // namespace kalam::engine
