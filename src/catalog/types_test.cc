#include "catalog/types.h"

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"

namespace kalam::catalog {
namespace {

using Kind = DataType::Kind;

TEST(DataTypeTest, ParsesEverySpellingOfReference) {
  const std::pair<const char*, Kind> cases[] = {
      {"BOOLEAN", Kind::kBoolean},  {"bool", Kind::kBoolean},      {"INT", Kind::kInt},
      {"integer", Kind::kInt},      {"BIGINT", Kind::kBigInt},     {"DOUBLE", Kind::kDouble},
      {"REAL", Kind::kDouble},      {"FLOAT", Kind::kFloat},       {"TEXT", Kind::kText},
      {"VARCHAR", Kind::kText},     {"STRING", Kind::kText},       {"TIMESTAMP", Kind::kTimestamp},
      {"DATE", Kind::kDate},        {"DATETIME", Kind::kDateTime}, {"TIME", Kind::kTime},
      {"JSON", Kind::kJson},        {"BYTES", Kind::kBytes},       {"BLOB", Kind::kBytes},
      {"BYTEA", Kind::kBytes},      {"UUID", Kind::kUuid},         {"SMALLINT", Kind::kSmallInt},
      {"TINYINT", Kind::kSmallInt},
  };
  for (const auto& [name, kind] : cases) {
    ASSERT_OK_AND_ASSIGN(const DataType type, ParseDataType(name, {}));
    EXPECT_EQ(type.kind, kind) << name;
  }
}

TEST(DataTypeTest, ParsesArguments) {
  ASSERT_OK_AND_ASSIGN(const DataType embedding, ParseDataType("EMBEDDING", {384}));
  EXPECT_EQ(embedding.ToSql(), "EMBEDDING(384)");
  EXPECT_EQ(embedding.ToDuckDb(), "FLOAT[384]");
  ASSERT_OK_AND_ASSIGN(const DataType decimal, ParseDataType("decimal", {10, 2}));
  EXPECT_EQ(decimal.ToSql(), "DECIMAL(10,2)");
  ASSERT_OK_AND_ASSIGN(const DataType default_decimal, ParseDataType("DECIMAL", {}));
  EXPECT_EQ(default_decimal.ToSql(), "DECIMAL(38,10)");
  ASSERT_OK_AND_ASSIGN(const DataType varchar, ParseDataType("VARCHAR", {255}));
  EXPECT_EQ(varchar.kind, Kind::kText);
  EXPECT_EQ(varchar.length, 255u);
  ASSERT_OK_AND_ASSIGN(const DataType timestamp, ParseDataType("TIMESTAMP", {6}));
  EXPECT_EQ(timestamp.kind, Kind::kTimestamp);
}

// VARCHAR(n) keeps its length (it used to be read as TEXT); TEXT takes none.
TEST(DataTypeTest, VarcharKeepsItsLength) {
  ASSERT_OK_AND_ASSIGN(const DataType varchar, ParseDataType("varchar", {5}));
  EXPECT_EQ(varchar.ToSql(), "VARCHAR(5)");
  EXPECT_EQ(varchar.ToDuckDb(), "VARCHAR");
  ASSERT_OK_AND_ASSIGN(const DataType fixed, ParseDataType("CHAR", {2}));
  EXPECT_EQ(fixed.ToSql(), "VARCHAR(2)");  // a limit, not blank-padded
  ASSERT_OK_AND_ASSIGN(const DataType unbounded, ParseDataType("VARCHAR", {}));
  EXPECT_EQ(unbounded.ToSql(), "TEXT");
  EXPECT_NE(unbounded, varchar);
  EXPECT_EQ(ParseDataType("TEXT", {5}).status(),
            Status::InvalidArgument(
                "invalid type TEXT: it takes no length; use VARCHAR(n) to limit the length"));
  EXPECT_FALSE(ParseDataType("STRING", {5}).ok());
  EXPECT_FALSE(ParseDataType("VARCHAR", {0}).ok());
  EXPECT_FALSE(ParseDataType("VARCHAR", {int64_t{kMaxVarcharLength} + 1}).ok());
  EXPECT_FALSE(ParseDataType("VARCHAR", {5, 2}).ok());
  EXPECT_OK(ParseDataType("VARCHAR", {kMaxVarcharLength}));
}

TEST(ColumnDefinitionTest, ToSqlStatesTheConstraints) {
  ColumnDefinition column{.name = "age", .type = {.kind = Kind::kInt}};
  EXPECT_EQ(column.ToSql(), "age INT");
  column.nullable = false;
  column.default_value = {ColumnDefault::Kind::kNumber, "0"};
  EXPECT_EQ(column.ToSql(), "age INT NOT NULL DEFAULT 0");
  ColumnDefinition key{
      .name = "id", .type = {.kind = Kind::kBigInt}, .nullable = false, .primary_key = true};
  EXPECT_EQ(key.ToSql(), "id BIGINT PRIMARY KEY");
}

TEST(DataTypeTest, RefusesUnknownAndOutOfRange) {
  EXPECT_EQ(ParseDataType("GEOMETRY", {}).status(),
            Status::InvalidArgument("unsupported data type 'GEOMETRY'"));
  EXPECT_FALSE(ParseDataType("EMBEDDING", {}).ok());
  EXPECT_FALSE(ParseDataType("EMBEDDING", {0}).ok());
  EXPECT_FALSE(ParseDataType("EMBEDDING", {8193}).ok());
  EXPECT_FALSE(ParseDataType("DECIMAL", {39, 2}).ok());
  EXPECT_FALSE(ParseDataType("DECIMAL", {5, 6}).ok());
  EXPECT_FALSE(ParseDataType("INT", {4}).ok());
}

TEST(NameTest, NormalizesAndValidates) {
  ASSERT_OK_AND_ASSIGN(const std::string name, NormalizeName("My_Table1", "table"));
  EXPECT_EQ(name, "my_table1");
  EXPECT_EQ(
      NormalizeName("1abc", "table").status(),
      Status::InvalidArgument("invalid table name '1abc': must start with a letter or underscore"));
  EXPECT_FALSE(NormalizeName("", "namespace").ok());
  EXPECT_FALSE(NormalizeName("a-b", "column").ok());
  EXPECT_FALSE(NormalizeName(std::string(65, 'a'), "column").ok());
  EXPECT_OK(NormalizeName(std::string(64, 'a'), "column"));
}

TEST(NameTest, ReservedNamespaces) {
  for (const char* name : {"system", "SYSTEM", "information_schema", "default", "main"}) {
    EXPECT_TRUE(IsReservedNamespace(name)) << name;
  }
  EXPECT_FALSE(IsReservedNamespace("app"));
}

TEST(RoleTest, ParsesRoleWords) {
  EXPECT_EQ(ParseRole("admin"), Role::kDba);
  EXPECT_EQ(ParseRole("Developer"), Role::kService);
  EXPECT_EQ(ParseRole("readonly"), Role::kUser);
  EXPECT_EQ(ParseRole("system"), Role::kSystem);
  EXPECT_EQ(ParseRole("root"), std::nullopt);
}

}  // namespace
}  // namespace kalam::catalog
