// Result<T>: values, errors, and the void specialisation.
#include "cocos/common/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace cocos {
namespace {

Result<int> half(int x) {
  if (x % 2) return make_error("odd", "cannot halve " + std::to_string(x));
  return x / 2;
}

TEST(Result, CarriesValueOrError) {
  auto a = half(4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 2);
  auto b = half(3);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "odd");
  EXPECT_EQ(b.error().to_string(), "odd: cannot halve 3");
  EXPECT_EQ(b.value_or(-1), -1);
}

TEST(Result, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = *std::move(r);
  EXPECT_EQ(*p, 7);
}

TEST(Result, VoidStatus) {
  Status s;
  EXPECT_TRUE(s.ok());
  Status f = make_error("x", "y");
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.error().message, "y");
}

}  // namespace
}  // namespace cocos
