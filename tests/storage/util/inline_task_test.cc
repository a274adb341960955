// InlineTaskScope: one task per scope, run when the scope closes, on the
// thread that opened it; everything else is left to the caller's executor.
#include "storage/util/inline_task.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace eventlog::util {
namespace {

TEST(InlineTaskScopeTest, WithoutAScopeNothingIsTaken) {
  bool ran = false;
  absl::AnyInvocable<void()> task = [&ran] { ran = true; };
  EXPECT_FALSE(InlineTaskScope::TryTake(task));
  ASSERT_TRUE(task);  // left to the caller
  task();
  EXPECT_TRUE(ran);
}

TEST(InlineTaskScopeTest, TheFirstTaskRunsWhenTheScopeClosesAndTheSecondIsLeft) {
  std::vector<int> order;
  absl::AnyInvocable<void()> first = [&order] { order.push_back(1); };
  absl::AnyInvocable<void()> second = [&order] { order.push_back(2); };
  {
    InlineTaskScope scope;
    EXPECT_TRUE(InlineTaskScope::TryTake(first));
    EXPECT_FALSE(InlineTaskScope::TryTake(second));
    second();  // the caller's executor, in a real use
    EXPECT_EQ(order, std::vector<int>{2});
  }
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

TEST(InlineTaskScopeTest, ATaskWokenByTheInlineTaskIsLeftToTheCaller) {
  bool nested_taken = true;
  absl::AnyInvocable<void()> nested = [] {};
  absl::AnyInvocable<void()> task = [&] { nested_taken = InlineTaskScope::TryTake(nested); };
  {
    InlineTaskScope scope;
    ASSERT_TRUE(InlineTaskScope::TryTake(task));
  }
  EXPECT_FALSE(nested_taken);
  EXPECT_TRUE(nested);
}

TEST(InlineTaskScopeTest, AnInnerScopeTakesNothingOfItsOwn) {
  bool ran = false;
  absl::AnyInvocable<void()> task = [&ran] { ran = true; };
  {
    InlineTaskScope outer;
    {
      InlineTaskScope inner;
      ASSERT_TRUE(InlineTaskScope::TryTake(task));
    }
    EXPECT_FALSE(ran);  // the outer scope holds it
  }
  EXPECT_TRUE(ran);
}

TEST(InlineTaskScopeTest, AScopeServesOnlyItsOwnThread) {
  InlineTaskScope scope;
  bool taken = true;
  std::thread other([&taken] {
    absl::AnyInvocable<void()> task = [] {};
    taken = InlineTaskScope::TryTake(task);
  });
  other.join();
  EXPECT_FALSE(taken);
}

}  // namespace
}  // namespace eventlog::util
