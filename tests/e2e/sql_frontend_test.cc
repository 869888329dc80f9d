// The SQL front end as a client sees it: lexing, statement classification, batch errors and
// the request fields around the SQL (issue: lexer and error reporting).
#include <boost/json.hpp>

#include "tests/e2e/sql_fixture.h"

namespace kalam::e2e {
namespace {

using ::testing::HasSubstr;

class FrontendTest : public SqlTest {};

// The text of a SELECT is DuckDB's to judge: our lexer passes every operator DuckDB reads.
TEST_F(FrontendTest, DuckDbOperatorsReachDuckDb) {
  Ok("CREATE TABLE " + ns_ + ".t (id INT PRIMARY KEY, body TEXT)");
  Ok("INSERT INTO " + ns_ + ".t VALUES (1, 'SF office'), (2, 'NYC office')");
  const SqlReply regex =
      Ok("SELECT id FROM " + ns_ + ".t WHERE body ~ 'SF.*'");  // ~ matches the whole text
  EXPECT_EQ(boost::json::serialize(regex.Rows()), "[[1]]");
  const SqlReply not_like = Ok("SELECT id FROM " + ns_ + ".t WHERE body !~~ 'SF%' ORDER BY #1");
  EXPECT_EQ(boost::json::serialize(not_like.Rows()), "[[2]]");
  const SqlReply bits = Ok("SELECT 5 & 3, 5 | 3, 2 ^ 3, 2 ** 3, 7 // 2, 1 << 4, 256 >> 2, ~5");
  EXPECT_EQ(boost::json::serialize(bits.Rows()), "[[1,7,8,8,3,16,64,-6]]");
  const SqlReply more =
      Ok("SELECT 'a' || 'b', '7'::INT, string_split('a,b', ',') @> string_split('b', ','), "
         "string_split('c', ',') <@ string_split('a,b', ','), 1=-1, 3-+1, 2 !=1");
  EXPECT_EQ(boost::json::serialize(more.Rows()), R"([["ab",7,true,false,false,2,true]])");
}

}  // namespace
}  // namespace kalam::e2e
