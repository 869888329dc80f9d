#include "sql/handlers.h"

namespace kalam::sql {

void SendMessage(ResultSink& sink, std::string_view message) {
  sink.BeginResult({});
  sink.EndResult(0, message);
}

Status SendSystemTable(ResultSink& sink, const engine::SystemTables& tables,
                       std::string_view schema, std::string_view name, int filter_column,
                       const std::string& filter_value) {
  const engine::SystemTableDef* def = tables.Find(schema, name);
  if (def == nullptr) return Status::Internal("missing system table " + std::string(name));
  KALAM_ASSIGN_OR_RETURN(const std::vector<std::vector<Value>> rows, def->rows());
  sink.BeginResult(def->columns);
  uint64_t count = 0;
  for (const std::vector<Value>& row : rows) {
    if (filter_column >= 0 && row[static_cast<size_t>(filter_column)].text != filter_value)
      continue;
    sink.Row(row);
    ++count;
  }
  sink.EndResult(count, "");
  return Status();
}

Result<std::pair<std::string, std::string>> ResolveName(const QualifiedName& name,
                                                        const ExecutionContext& context,
                                                        std::string_view what) {
  std::string namespace_id = context.default_namespace;
  if (name.namespace_id.has_value()) {
    KALAM_ASSIGN_OR_RETURN(namespace_id, catalog::NormalizeName(*name.namespace_id, "namespace"));
  }
  KALAM_ASSIGN_OR_RETURN(std::string object, catalog::NormalizeName(name.name, what));
  return std::make_pair(std::move(namespace_id), std::move(object));
}

}  // namespace kalam::sql
