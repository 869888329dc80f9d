// ALTER TABLE: the rules of each change, and the checks of the stored rows a stricter
// schema needs, run at the commit point so no concurrent write slips past them (ADR 0017).
#include <algorithm>

#include "sql/handlers.h"
#include "tables/coerce.h"

namespace kalam::sql {
namespace {

using catalog::CachedTable;
using catalog::ColumnDefault;
using catalog::ColumnDefinition;
using catalog::DataType;
using catalog::TableChange;

// Widening changes: every stored value reads under the new type (row_codec's Widen).
// A VARCHAR(n) limit is checked against the stored values separately.
bool IsSafeTypeChange(const DataType& from, const DataType& to) {
  using Kind = DataType::Kind;
  if (from == to || to.kind == Kind::kText) return true;
  const auto rank = [](Kind kind) {
    switch (kind) {
      case Kind::kSmallInt:
        return 1;
      case Kind::kInt:
        return 2;
      case Kind::kBigInt:
        return 3;
      default:
        return 0;
    }
  };
  if (rank(from.kind) > 0 && rank(to.kind) > rank(from.kind)) return true;
  if (from.kind == Kind::kFloat && to.kind == Kind::kDouble) return true;
  if (from.kind == Kind::kDecimal && to.kind == Kind::kDecimal) {
    return to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
  }
  return false;
}

// Whether a stored value of type `from` may be longer than `to` allows.
bool TightensLength(const DataType& from, const DataType& to) {
  if (to.kind != DataType::Kind::kText || to.length == 0) return false;
  return from.kind != DataType::Kind::kText || from.length == 0 || from.length > to.length;
}

// Defaults that give every row a value of its own: they cannot fill the stored rows.
bool IsPerRowDefault(ColumnDefault::Kind kind) {
  return kind == ColumnDefault::Kind::kSnowflakeId || kind == ColumnDefault::Kind::kUuidV7 ||
         kind == ColumnDefault::Kind::kUlid;
}

Status RefuseSystemColumn(const std::string& name) {
  if (!name.starts_with('_')) return Status();
  return Status::InvalidArgument("column '" + name + "' is a system column and cannot be altered");
}

// What every live stored row must satisfy for a change to go ahead.
struct RowCheck {
  enum class Kind : uint8_t {
    kNoRows,   // there is none
    kNotNull,  // the column's value is not NULL
    kLength,   // the column's value fits its VARCHAR(n)
  };
  Kind kind;
  size_t column;        // index in the new schema
  std::string refusal;  // the error's beginning: "cannot make column 'c' NOT NULL"
};

struct AlterPlan {
  TableChange change;
  std::vector<RowCheck> checks;
};

using Columns = std::vector<ColumnDefinition>;

Columns::iterator Find(Columns& columns, const std::string& name) {
  return std::find_if(columns.begin(), columns.end(),
                      [&](const ColumnDefinition& c) { return c.name == name; });
}

Status PlanAdd(const AddColumn& add, AlterPlan& plan, Services& services,
               const ExecutionContext& context) {
  Columns& columns = plan.change.columns;
  KALAM_ASSIGN_OR_RETURN(ColumnDefinition column, MakeColumn(add.column, services, context));
  if (Find(columns, column.name) != columns.end()) {
    return Status::AlreadyExists("column '" + column.name + "' already exists");
  }
  if (column.primary_key) return Status::InvalidArgument("cannot add a PRIMARY KEY column");
  column.column_id = plan.change.next_column_id++;
  const ColumnDefault& fallback = column.default_value;
  if (IsPerRowDefault(fallback.kind)) {
    plan.checks.push_back(
        {RowCheck::Kind::kNoRows, columns.size(),
         "cannot add column '" + column.name + "' with DEFAULT " + fallback.ToSql() +
             " to a table that has rows: that default gives every row its own value, and "
             "stored rows are not rewritten. Add the column without it, then ALTER COLUMN " +
             column.name + " SET DEFAULT " + fallback.ToSql()});
  } else if (fallback.kind == ColumnDefault::Kind::kNone ||
             fallback.kind == ColumnDefault::Kind::kNull) {
    if (!column.nullable) {
      plan.checks.push_back({RowCheck::Kind::kNoRows, columns.size(),
                             "cannot add NOT NULL column '" + column.name +
                                 "' without a DEFAULT to a table that has rows"});
    }
  } else {
    // Evaluated once, now: every stored row reads the same value (NOW() included).
    KALAM_ASSIGN_OR_RETURN(column.fill_value, DefaultFor(column, services, context,
                                                         StatementMicros(services, context)));
  }
  plan.change.description = "ADD COLUMN " + column.ToSql();
  columns.push_back(std::move(column));
  return Status();
}

Status PlanDrop(const DropColumn& drop, AlterPlan& plan) {
  Columns& columns = plan.change.columns;
  KALAM_ASSIGN_OR_RETURN(const std::string name, catalog::NormalizeName(drop.name, "column"));
  KALAM_RETURN_IF_ERROR(RefuseSystemColumn(name));
  const auto it = Find(columns, name);
  if (it == columns.end()) return Status::ColumnNotFound("column '" + name + "' does not exist");
  if (it->primary_key) {
    return Status::InvalidArgument("cannot drop the PRIMARY KEY column '" + name + "'");
  }
  if (columns.size() == 1) return Status::InvalidArgument("cannot drop the last column");
  columns.erase(it);
  plan.change.description = "DROP COLUMN " + name;
  return Status();
}

// MODIFY and ALTER COLUMN: what the statement gives changes, the rest of the column stays.
Status PlanModify(const ModifyColumn& modify, AlterPlan& plan, Services& services,
                  const ExecutionContext& context) {
  Columns& columns = plan.change.columns;
  KALAM_ASSIGN_OR_RETURN(const std::string name, catalog::NormalizeName(modify.name, "column"));
  KALAM_RETURN_IF_ERROR(RefuseSystemColumn(name));
  const auto it = Find(columns, name);
  if (it == columns.end()) return Status::ColumnNotFound("column '" + name + "' does not exist");
  if (it->primary_key) {
    return Status::InvalidArgument("cannot modify the PRIMARY KEY column '" + name + "'");
  }
  ColumnDefinition updated = *it;
  if (modify.type.has_value()) updated.type = *modify.type;
  if (modify.not_null.has_value()) updated.nullable = !*modify.not_null;
  if (modify.default_value.has_value()) updated.default_value = *modify.default_value;
  if (!IsSafeTypeChange(it->type, updated.type)) {
    return Status::InvalidArgument("cannot change column '" + name + "' from " + it->type.ToSql() +
                                   " to " + updated.type.ToSql() +
                                   ": stored values might not convert");
  }
  KALAM_RETURN_IF_ERROR(CheckColumnDefault(updated, services, context));
  const size_t index = static_cast<size_t>(it - columns.begin());
  if (it->nullable && !updated.nullable) {
    plan.checks.push_back(
        {RowCheck::Kind::kNotNull, index, "cannot make column '" + name + "' NOT NULL"});
  }
  if (TightensLength(it->type, updated.type)) {
    plan.checks.push_back({RowCheck::Kind::kLength, index,
                           "cannot change column '" + name + "' to " + updated.type.ToSql()});
  }
  *it = std::move(updated);
  plan.change.description = modify.verb + " COLUMN " + it->ToSql();
  return Status();
}

Status PlanRenameColumn(const RenameColumn& rename, AlterPlan& plan) {
  Columns& columns = plan.change.columns;
  KALAM_ASSIGN_OR_RETURN(const std::string from, catalog::NormalizeName(rename.from, "column"));
  KALAM_ASSIGN_OR_RETURN(const std::string to, catalog::NormalizeName(rename.to, "column"));
  KALAM_RETURN_IF_ERROR(RefuseSystemColumn(from));
  const auto it = Find(columns, from);
  if (it == columns.end()) return Status::ColumnNotFound("column '" + from + "' does not exist");
  if (to.starts_with('_')) return Status::InvalidArgument("Column name '" + to + "' is reserved");
  if (Find(columns, to) != columns.end()) {
    return Status::AlreadyExists("column '" + to + "' already exists");
  }
  it->name = to;
  plan.change.description = "RENAME COLUMN " + from + " TO " + to;
  return Status();
}

// RENAME TO: the same table (id, rows, history, options, creator) under a new name.
Status PlanRenameTable(const RenameTable& rename, AlterPlan& plan) {
  catalog::TableRecord& table = plan.change.table;
  if (rename.to.namespace_id.has_value()) {
    KALAM_ASSIGN_OR_RETURN(const std::string ns,
                           catalog::NormalizeName(*rename.to.namespace_id, "namespace"));
    if (ns != table.namespace_id) {
      return Status::InvalidArgument("RENAME TO cannot move table " + table.namespace_id + "." +
                                     table.table_name + " to namespace '" + ns +
                                     "': a table stays in its namespace");
    }
  }
  KALAM_ASSIGN_OR_RETURN(const std::string name, catalog::NormalizeName(rename.to.name, "table"));
  if (name == table.table_name) {
    return Status::InvalidArgument("table " + table.namespace_id + "." + name +
                                   " already has that name");
  }
  table.table_name = name;
  plan.change.description = "RENAME TO " + table.namespace_id + "." + name;
  return Status();
}

Status PlanProperties(const SetTableProperties& set, AlterPlan& plan, catalog::TableType type) {
  for (const auto& [key, value] : set.properties) {
    if (key == "STORAGE_ID" || key == "TYPE" || key == "USE_USER_STORAGE") {
      return Status::InvalidArgument(key + " cannot be changed after CREATE TABLE");
    }
    KALAM_RETURN_IF_ERROR(ApplyTableOption(plan.change.table.options, type, key, value));
    plan.change.description +=
        (plan.change.description.empty() ? "SET " : ", ") + key + " = " + value.text;
  }
  return Status();
}

Result<AlterPlan> PlanAlter(const AlterTable& alter, const CachedTable& table, Services& services,
                            const ExecutionContext& context) {
  AlterPlan plan{{table.table, table.schema.columns, table.schema.next_column_id, ""}, {}};
  Status planned;
  if (const auto* add = std::get_if<AddColumn>(&alter.action)) {
    planned = PlanAdd(*add, plan, services, context);
  } else if (const auto* drop = std::get_if<DropColumn>(&alter.action)) {
    planned = PlanDrop(*drop, plan);
  } else if (const auto* modify = std::get_if<ModifyColumn>(&alter.action)) {
    planned = PlanModify(*modify, plan, services, context);
  } else if (const auto* rename = std::get_if<RenameColumn>(&alter.action)) {
    planned = PlanRenameColumn(*rename, plan);
  } else if (const auto* rename_table = std::get_if<RenameTable>(&alter.action)) {
    planned = PlanRenameTable(*rename_table, plan);
  } else {
    planned =
        PlanProperties(std::get<SetTableProperties>(alter.action), plan, table.table.table_type);
  }
  KALAM_RETURN_IF_ERROR(planned);
  return plan;
}

// "id = 7", "code = 'a''b'": a primary-key value as SQL.
std::string KeyLiteral(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kInt32:
    case Value::Kind::kInt64:
      return std::to_string(value.integer);
    case Value::Kind::kBoolean:
      return value.boolean ? "true" : "false";
    case Value::Kind::kDecimal:
      return value.text;
    default: {
      std::string quoted = "'";
      for (const char c : value.text) {
        quoted += c == '\'' ? "''" : std::string(1, c);
      }
      return quoted + "'";
    }
  }
}

// How a refusal names a stored row: by primary key (by _seq for keyless events), and whose
// it is. Another user's row is named only to dba and system, who may read it (AS USER);
// the others learn that such a row exists, not its key.
std::string RowName(const CachedTable& table, const tables::RowVersion& row,
                    const ExecutionContext& context) {
  const bool others =
      table.table.table_type != catalog::TableType::kShared && row.scope != context.user_id.value();
  const bool may_see =
      context.role == catalog::Role::kDba || context.role == catalog::Role::kSystem;
  if (others && !may_see) return "a row of another user";
  const ColumnDefinition* pk = table.PrimaryKey();
  std::string name =
      pk != nullptr && tables::HasPrimaryKeyIndex(table.table.table_type)
          ? "the row with " + pk->name + " = " +
                KeyLiteral(row.values[static_cast<size_t>(pk - table.schema.columns.data())])
          : "the event with _seq = " + std::to_string(row.seq);
  if (others) name += " of user '" + row.scope + "'";
  return name;
}

// Why `row` fails `check` ("holds NULL"), or "" when it passes.
std::string Violation(const RowCheck& check, const CachedTable& table,
                      const tables::RowVersion& row) {
  const ColumnDefinition& column = table.schema.columns[check.column];
  const Value& value = row.values[check.column];
  switch (check.kind) {
    case RowCheck::Kind::kNoRows:
      return "exists";
    case RowCheck::Kind::kNotNull:
      return value.kind == Value::Kind::kNull ? "holds NULL" : "";
    case RowCheck::Kind::kLength:
      if (value.kind != Value::Kind::kText) return "";
      if (const size_t length = tables::CharacterLength(value.text); length > column.type.length) {
        return "holds a value of " + std::to_string(length) + " characters";
      }
      return "";
  }
  return "";
}

// Reads every live row of every scope under the new schema `altered` (added columns read
// their fill value, changed types their widened value) and refuses the change at the first
// row that fails a check. REQUIRES: the commit lock is held (TableWriter::CommitSchemaChange),
// so the rows read are all the rows there are until the new schema is written.
Status CheckStoredRows(const std::shared_ptr<const CachedTable>& altered,
                       const std::vector<RowCheck>& checks, Services& services,
                       const ExecutionContext& context) {
  if (checks.empty()) return Status();
  tables::TableReader reader(StatementView(services), {.table = altered, .every_scope = true});
  std::vector<tables::RowVersion> rows;
  for (;;) {
    KALAM_RETURN_IF_ERROR(context.stop.Check());
    KALAM_RETURN_IF_ERROR(reader.Next(1024, rows));
    if (rows.empty()) return Status();
    for (const tables::RowVersion& row : rows) {
      for (const RowCheck& check : checks) {
        const std::string why = Violation(check, *altered, row);
        if (why.empty()) continue;
        if (check.kind == RowCheck::Kind::kNoRows) return Status::InvalidArgument(check.refusal);
        return Status::InvalidArgument(check.refusal + ": " + RowName(*altered, row, context) +
                                       " " + why);
      }
    }
  }
}

}  // namespace

Result<Handled> HandleAlterTable(const AlterTable& alter, Services& services,
                                 const ExecutionContext& context, ResultSink& sink) {
  KALAM_ASSIGN_OR_RETURN(const auto name, ResolveName(alter.table, context, "table"));
  const std::string& namespace_id = name.first;  // not a structured binding: lambdas name it
  const std::string& table_name = name.second;
  KALAM_RETURN_IF_ERROR(RefuseSystemNamespace(namespace_id));
  KALAM_ASSIGN_OR_RETURN(const auto current,
                         FindTable(services, context, namespace_id, table_name));
  KALAM_RETURN_IF_ERROR(
      auth::Authorize(context.role, auth::Action::kAlterTable, TableTarget(*current, context)));
  // The catalog plans the change under the DDL lock; the commit point checks the stored rows
  // and writes the new schema with every commit held off (DDL, then commit: the lock order of
  // DROP too), so a row committed concurrently is either seen by the checks or refused for
  // the schema it was prepared against.
  std::vector<RowCheck> checks;
  KALAM_ASSIGN_OR_RETURN(
      const auto altered,
      services.catalog.AlterTable(
          namespace_id, table_name,
          [&](const CachedTable& table) -> Result<TableChange> {
            KALAM_RETURN_IF_ERROR(auth::Authorize(context.role, auth::Action::kAlterTable,
                                                  TableTarget(table, context)));
            KALAM_ASSIGN_OR_RETURN(AlterPlan plan, PlanAlter(alter, table, services, context));
            checks = std::move(plan.checks);
            return std::move(plan.change);
          },
          [&](storage::WriteBatch& batch, const std::shared_ptr<const CachedTable>& table,
              const std::function<void()>& written) {
            return services.writer.CommitSchemaChange(
                batch, *table, [&] { return CheckStoredRows(table, checks, services, context); },
                written);
          }));
  if (services.live != nullptr) services.live->TableChanged(altered->table.table_id, "altered");
  const std::string qualified = namespace_id + "." + table_name;
  SendMessage(sink, "Table " + qualified + " altered successfully: " + altered->schema.change +
                        " (version " + std::to_string(altered->schema.version) + ")");
  return Handled{{"ALTER", "TABLE " + qualified}};
}

}  // namespace kalam::sql
