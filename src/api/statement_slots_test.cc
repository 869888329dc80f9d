#include "api/statement_slots.h"

#include <gtest/gtest.h>

#include "api/result_json.h"

namespace kalam::api {
namespace {

TEST(StatementSlotsTest, EachUserGetsAtMostTheirShareAndSlotsComeBack) {
  StatementSlots slots(2);
  std::optional<StatementSlots::Slot> first = slots.TryAcquire("alice");
  std::optional<StatementSlots::Slot> second = slots.TryAcquire("alice");
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(slots.TryAcquire("alice").has_value());
  EXPECT_TRUE(slots.TryAcquire("bob").has_value());  // another user is unaffected
  first.reset();
  EXPECT_TRUE(slots.TryAcquire("alice").has_value());
}

TEST(JsonResultWriterTest, RowsPastTheByteLimitAreDroppedAndStopTheProducer) {
  JsonResultWriter writer(SIZE_MAX, nullptr, 100);
  writer.BeginResult({});
  EXPECT_TRUE(writer.CheckRoom(50).ok());
  EXPECT_EQ(writer.CheckRoom(200).code(), StatusCode::kLimitExceeded);
  const std::vector<Value> row = {Value::Text(std::string(40, 'a'))};
  writer.Row(row);
  writer.Row(row);
  EXPECT_TRUE(writer.Stopped().ok());
  writer.Row(row);  // 3 × 43 bytes > 100
  EXPECT_EQ(writer.Stopped().code(), StatusCode::kLimitExceeded);
  EXPECT_NE(writer.Stopped().message().find("max_result_bytes=100"), std::string_view::npos);
  writer.EndAtLastCompleteResult();
  EXPECT_EQ(writer.TakeArray(), "[]");  // the result that failed is not reported
}

}  // namespace
}  // namespace kalam::api
