#include <algorithm>
#include <array>

#include <boost/json.hpp>

#include "sql/handlers.h"

namespace kalam::sql {
namespace {

// Placeholder spellings accepted in path templates, and their canonical form.
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kPlaceholderAliases = {{
    {"{table_name}", "{tableName}"},
    {"{table-id}", "{tableName}"},
    {"{namespace_id}", "{namespace}"},
    {"{namespaceId}", "{namespace}"},
    {"{namespace-id}", "{namespace}"},
    {"{user_id}", "{userId}"},
    {"{user-id}", "{userId}"},
    {"{shard_id}", "{shard}"},
    {"{shard-id}", "{shard}"},
    {"{tableName}", "{tableName}"},
}};

std::string NormalizeTemplate(std::string text) {
  for (const auto& [alias, canonical] : kPlaceholderAliases) {
    for (size_t at = text.find(alias); at != std::string::npos; at = text.find(alias, at)) {
      text.replace(at, alias.size(), canonical);
      at += canonical.size();
    }
  }
  return text;
}

// Checks placeholders and their order: {namespace} < {tableName} < {shard} < {userId}.
Status ValidateTemplate(const std::string& text, bool user_template) {
  const std::string what = user_template ? "USER_TABLES_TEMPLATE" : "SHARED_TABLES_TEMPLATE";
  static constexpr std::array<std::string_view, 4> kOrder = {"{namespace}", "{tableName}",
                                                             "{shard}", "{userId}"};
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    const std::string placeholder =
        text.substr(open, close == std::string::npos ? std::string::npos : close - open + 1);
    if (std::find(kOrder.begin(), kOrder.end(), placeholder) == kOrder.end()) {
      return Status::InvalidArgument(what + " has an unknown placeholder " + placeholder +
                                     "; use {namespace}, {tableName}, {shard}, {userId}");
    }
  }
  size_t last = 0;
  for (const std::string_view placeholder : kOrder) {
    const size_t at = text.find(placeholder);
    if (at == std::string::npos) continue;
    if (at < last) {
      return Status::InvalidArgument(what +
                                     " must order placeholders as {namespace}, "
                                     "{tableName}, {shard}, {userId}");
    }
    last = at;
  }
  if (text.find("{namespace}") == std::string::npos ||
      text.find("{tableName}") == std::string::npos) {
    return Status::InvalidArgument(what + " must contain {namespace} and {tableName}");
  }
  if (user_template && text.find("{userId}") == std::string::npos) {
    return Status::InvalidArgument(
        "USER_TABLES_TEMPLATE must contain {userId}, so that every "
        "user's files are kept apart");
  }
  if (!user_template && text.find("{userId}") != std::string::npos) {
    return Status::InvalidArgument("SHARED_TABLES_TEMPLATE must not contain {userId}");
  }
  return Status();
}

// Applies one property to a storage record; the same keys serve CREATE and ALTER.
Status ApplyProperty(catalog::StorageRecord& storage, const std::string& key,
                     const std::string& value) {
  if (key == "TYPE") {
    std::string type = value;
    for (char& c : type)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type != "filesystem" && type != "s3") {
      return Status::InvalidArgument("storage TYPE must be 'filesystem' or 's3', got '" + value +
                                     "'");
    }
    storage.storage_type = type;
  } else if (key == "NAME") {
    storage.storage_name = value;
  } else if (key == "DESCRIPTION") {
    storage.description = value;
  } else if (key == "BASE_DIRECTORY" || key == "PATH") {
    storage.base_directory = value;
  } else if (key == "BUCKET") {
    storage.base_directory = "s3://" + value;
  } else if (key == "REGION") {
    // Kept with the credentials: it is only meaningful to S3 clients.
    boost::json::object credentials;
    if (!storage.credentials.empty())
      credentials = boost::json::parse(storage.credentials).as_object();
    credentials["region"] = value;
    storage.credentials = boost::json::serialize(credentials);
  } else if (key == "SHARED_TABLES_TEMPLATE") {
    storage.shared_tables_template = NormalizeTemplate(value);
    KALAM_RETURN_IF_ERROR(ValidateTemplate(storage.shared_tables_template, false));
  } else if (key == "USER_TABLES_TEMPLATE") {
    storage.user_tables_template = NormalizeTemplate(value);
    KALAM_RETURN_IF_ERROR(ValidateTemplate(storage.user_tables_template, true));
  } else if (key == "CREDENTIALS") {
    boost::system::error_code error;
    const boost::json::value parsed = boost::json::parse(value, error);
    if (error || !parsed.is_object()) {
      return Status::InvalidArgument("storage CREDENTIALS must be a JSON object");
    }
    storage.credentials = value;
  } else {
    return Status::InvalidArgument("unknown storage property '" + key + "'");
  }
  return Status();
}

Result<Handled> Create(const CreateStorage& create, Services& services, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const std::string id,
                         catalog::NormalizeName(create.storage_id, "storage"));
  catalog::StorageRecord storage{.storage_id = id,
                                 .storage_name = id,
                                 .shared_tables_template = "{namespace}/{tableName}",
                                 .user_tables_template = "{namespace}/{tableName}/{userId}"};
  for (const auto& [key, value] : create.properties) {
    KALAM_RETURN_IF_ERROR(ApplyProperty(storage, key, value.text));
  }
  if (storage.storage_type.empty()) {
    return Status::InvalidArgument("CREATE STORAGE needs TYPE 'filesystem' or TYPE 's3'");
  }
  if (storage.base_directory.empty()) {
    return Status::InvalidArgument("CREATE STORAGE needs BASE_DIRECTORY (or BUCKET for s3)");
  }
  const Status created = services.catalog.CreateStorage(storage);
  if (created.code() == StatusCode::kAlreadyExists && create.if_not_exists) {
    SendMessage(sink, "Storage '" + id + "' already exists");
    return Handled{};
  }
  KALAM_RETURN_IF_ERROR(created);
  SendMessage(sink, "Storage '" + id + "' created successfully");
  return Handled{{"CREATE", "STORAGE " + id}};
}

Result<Handled> Alter(const AlterStorage& alter, Services& services, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const std::string id, catalog::NormalizeName(alter.storage_id, "storage"));
  KALAM_RETURN_IF_ERROR(services.catalog.AlterStorage(id, [&](catalog::StorageRecord& storage) {
    for (const auto& [key, value] : alter.changes) {
      if (key == "TYPE" || key == "BASE_DIRECTORY" || key == "PATH" || key == "BUCKET") {
        return Status::InvalidArgument("storage " + key +
                                       " cannot be changed: existing files live there");
      }
      KALAM_RETURN_IF_ERROR(ApplyProperty(storage, key, value.text));
    }
    return Status();
  }));
  SendMessage(sink, "Storage '" + id + "' altered successfully");
  return Handled{{"ALTER", "STORAGE " + id}};
}

Result<Handled> Drop(const DropStorage& drop, Services& services, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const std::string id, catalog::NormalizeName(drop.storage_id, "storage"));
  const Status dropped = services.catalog.DropStorage(id);
  if (dropped.code() == StatusCode::kNotFound && drop.if_exists) {
    SendMessage(sink, "Storage '" + id + "' does not exist (skipped)");
    return Handled{};
  }
  KALAM_RETURN_IF_ERROR(dropped);
  SendMessage(sink, "Storage '" + id + "' dropped successfully");
  return Handled{{"DROP", "STORAGE " + id}};
}

}  // namespace

Result<Handled> HandleStorage(const Statement& statement, Services& services, ResultSink& sink) {
  if (const auto* create = std::get_if<CreateStorage>(&statement)) {
    return Create(*create, services, sink);
  }
  if (const auto* alter = std::get_if<AlterStorage>(&statement))
    return Alter(*alter, services, sink);
  if (const auto* drop = std::get_if<DropStorage>(&statement)) return Drop(*drop, services, sink);
  KALAM_RETURN_IF_ERROR(SendSystemTable(sink, services.system_tables, "system", "storages"));
  return Handled{};
}

}  // namespace kalam::sql
