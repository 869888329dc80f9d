#include "sql/handlers.h"

namespace kalam::sql {
namespace {

constexpr std::string_view kBuiltInNamespace = "default";

Result<Handled> Create(const CreateNamespace& create, Services& services, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const std::string name, catalog::NormalizeName(create.name, "namespace"));
  if (catalog::IsReservedNamespace(name)) {
    if (name == kBuiltInNamespace && create.if_not_exists) {
      SendMessage(sink, "Namespace 'default' already exists");
      return Handled{};
    }
    return Status::InvalidArgument("Namespace name '" + name + "' is reserved");
  }
  const Status created = services.catalog.CreateNamespace(name);
  if (created.code() == StatusCode::kAlreadyExists && create.if_not_exists) {
    SendMessage(sink, "Namespace '" + name + "' already exists");
    return Handled{};
  }
  KALAM_RETURN_IF_ERROR(created);
  SendMessage(sink, "Namespace '" + name + "' created successfully");
  return Handled{{"CREATE", "NAMESPACE " + name}};
}

Result<Handled> Drop(const DropNamespace& drop, Services& services, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const std::string name, catalog::NormalizeName(drop.name, "namespace"));
  if (name == kBuiltInNamespace) {
    return Status::PermissionDenied("Namespace 'default' is built in and cannot be dropped");
  }
  const Status dropped = services.catalog.DropNamespace(name, drop.cascade, CommitDrop(services));
  if (dropped.code() == StatusCode::kNamespaceNotFound && drop.if_exists) {
    SendMessage(sink, "Namespace '" + name + "' does not exist (skipped)");
    return Handled{};
  }
  KALAM_RETURN_IF_ERROR(dropped);
  SendMessage(sink, "Namespace '" + name + "' dropped successfully");
  return Handled{{"DROP", "NAMESPACE " + name}};
}

Result<Handled> Alter(const AlterNamespace& alter, Services& services, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const std::string name, catalog::NormalizeName(alter.name, "namespace"));
  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& [key, value] : alter.options) {
    std::string lower = key;
    for (char& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    options.emplace_back(std::move(lower), value.text);
  }
  KALAM_RETURN_IF_ERROR(services.catalog.SetNamespaceOptions(name, options));
  SendMessage(sink, "Namespace '" + name + "' altered successfully");
  return Handled{{"ALTER", "NAMESPACE " + name}};
}

Result<Handled> Use(const UseNamespace& use, Services& services, ExecutionContext& context,
                    ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const std::string name, catalog::NormalizeName(use.name, "namespace"));
  KALAM_ASSIGN_OR_RETURN(const auto found, services.catalog.GetNamespace(name));
  if (!found.has_value()) return Status::NamespaceNotFound("Namespace '" + name + "' not found");
  context.default_namespace = name;
  SendMessage(sink, "Using namespace '" + name + "'");
  return Handled{};
}

}  // namespace

Result<Handled> HandleNamespace(const Statement& statement, Services& services,
                                ExecutionContext& context, ResultSink& sink) {
  if (const auto* create = std::get_if<CreateNamespace>(&statement)) {
    return Create(*create, services, sink);
  }
  if (const auto* drop = std::get_if<DropNamespace>(&statement)) return Drop(*drop, services, sink);
  if (const auto* alter = std::get_if<AlterNamespace>(&statement)) {
    return Alter(*alter, services, sink);
  }
  if (const auto* use = std::get_if<UseNamespace>(&statement)) {
    return Use(*use, services, context, sink);
  }
  KALAM_RETURN_IF_ERROR(SendSystemTable(sink, services.system_tables, "system", "namespaces"));
  return Handled{};
}

}  // namespace kalam::sql
