#include "store/group_commit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace postdesk::store {
namespace {

namespace fs = std::filesystem;

// Forwards to a real store and counts the batches it is given; can hold
// batches at a gate so a test controls when the writer makes progress.
class CountingStore final : public Store {
 public:
  explicit CountingStore(Store& inner) : inner_(inner) {}

  Status Write(const TxFn& fn) override { return inner_.Write(fn); }
  Status Read(const TxFn& fn) override { return inner_.Read(fn); }
  std::vector<Status> WriteBatch(const std::vector<TxFn>& fns) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return open_; });
      ++batches_;
      items_ += fns.size();
      largest_ = std::max(largest_, fns.size());
    }
    return inner_.WriteBatch(fns);
  }

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  size_t batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  size_t items() {
    std::lock_guard<std::mutex> lock(mu_);
    return items_;
  }
  size_t largest() {
    std::lock_guard<std::mutex> lock(mu_);
    return largest_;
  }

 private:
  Store& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  size_t batches_ = 0, items_ = 0, largest_ = 0;
};

// Counts completions and lets a test wait for a number of them.
class Completions {
 public:
  GroupCommitWriter::Done Make(Status* slot = nullptr) {
    return [this, slot](Status s) {
      std::lock_guard<std::mutex> lock(mu_);
      if (slot) *slot = s;
      if (s.ok()) ++ok_;
      ++done_;
      cv_.notify_all();
    };
  }
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return done_ >= n; });
  }
  size_t done() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }
  size_t ok() {
    std::lock_guard<std::mutex> lock(mu_);
    return ok_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t done_ = 0, ok_ = 0;
};

TxFn SetSetting(std::string key) {
  return [key](Tx& tx) { return tx.SetSetting(key, "v"); };
}

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "postdesk-gc-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto opened = OpenSqlite(dir_ + "/postdesk.db");
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    counting_ = std::make_unique<CountingStore>(*store_);
  }
  void TearDown() override {
    counting_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  int64_t CountSettings() {
    int64_t n = 0;
    EXPECT_TRUE(store_
                    ->Read([&](Tx& tx) {
                      // Settings have no count; probe the keys the tests use.
                      for (int i = 0; i < 2000; ++i) {
                        if (tx.GetSetting("k" + std::to_string(i)).ok()) ++n;
                      }
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<CountingStore> counting_;
};

TEST_F(GroupCommitTest, ManyThreadsAllCompletedInFewerBatches) {
  constexpr int kThreads = 8, kPerThread = 50;
  Completions completions;
  {
    GroupCommitWriter writer(*counting_);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          writer.Submit(SetSetting("k" + std::to_string(t * kPerThread + i)), completions.Make());
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_TRUE(completions.WaitFor(kThreads * kPerThread));
  }
  EXPECT_EQ(completions.done(), size_t{kThreads * kPerThread});
  EXPECT_EQ(completions.ok(), size_t{kThreads * kPerThread});
  EXPECT_EQ(counting_->items(), size_t{kThreads * kPerThread});
  // Each commit fsyncs; submissions arriving meanwhile share the next one.
  EXPECT_LT(counting_->batches(), size_t{kThreads * kPerThread});
  std::printf("%zu submissions in %zu batches\n", counting_->items(), counting_->batches());
  EXPECT_EQ(CountSettings(), kThreads * kPerThread);
}

TEST_F(GroupCommitTest, PendingWorkIsGroupedAndCapped) {
  Completions completions;
  GroupCommitWriter writer(*counting_, /*max_batch=*/16);
  counting_->Close();  // the writer's first batch waits at the gate
  writer.Submit(SetSetting("k0"), completions.Make());
  // Let the writer take k0 and stop at the gate; the rest queue up behind it.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int i = 1; i <= 40; ++i)
    writer.Submit(SetSetting("k" + std::to_string(i)), completions.Make());
  counting_->Open();
  ASSERT_TRUE(completions.WaitFor(41));
  EXPECT_EQ(completions.ok(), 41u);
  EXPECT_LE(counting_->largest(), 16u);
  // 41 items in batches of at most 16: at least 3 (plus the lone first one),
  // and far fewer than one each.
  EXPECT_GE(counting_->batches(), 3u);
  EXPECT_LE(counting_->batches(), 5u);
}

TEST_F(GroupCommitTest, OneFailingFnDoesNotAffectOthers) {
  constexpr int kCount = 60;
  std::vector<Status> statuses(kCount);
  Completions completions;
  {
    GroupCommitWriter writer(*counting_);
    counting_->Close();  // make them all land in the same batch
    for (int i = 0; i < kCount; ++i) {
      std::string key = "k" + std::to_string(i);
      if (i % 7 == 3) {
        writer.Submit(
            [key](Tx& tx) {
              Status s = tx.SetSetting(key, "v");  // written, then rolled back
              if (!s.ok()) return s;
              return Status::Invalid("rejected " + key);
            },
            completions.Make(&statuses[i]));
      } else if (i == 11) {
        writer.Submit([](Tx&) -> Status { throw std::runtime_error("callback blew up"); },
                      completions.Make(&statuses[i]));
      } else {
        writer.Submit(SetSetting(key), completions.Make(&statuses[i]));
      }
    }
    counting_->Open();
    ASSERT_TRUE(completions.WaitFor(kCount));
  }
  int expected_ok = 0;
  for (int i = 0; i < kCount; ++i) {
    bool should_fail = i % 7 == 3 || i == 11;
    EXPECT_EQ(statuses[i].ok(), !should_fail) << i << ": " << statuses[i].message();
    if (!should_fail) ++expected_ok;
  }
  EXPECT_EQ(statuses[3].kind(), ErrorKind::kInvalid);
  EXPECT_EQ(statuses[3].message(), "rejected k3");
  EXPECT_NE(statuses[11].message().find("blew up"), std::string::npos);
  EXPECT_EQ(CountSettings(), expected_ok);
  EXPECT_TRUE(store_
                  ->Read([](Tx& tx) {
                    EXPECT_FALSE(tx.GetSetting("k3").ok());
                    EXPECT_TRUE(tx.GetSetting("k4").ok());
                    return Status::Ok();
                  })
                  .ok());
}

TEST_F(GroupCommitTest, DestructorDrainsPendingWork) {
  constexpr int kCount = 100;
  Completions completions;
  std::thread opener;
  {
    GroupCommitWriter writer(*counting_, /*max_batch=*/8);
    counting_->Close();
    for (int i = 0; i < kCount; ++i) {
      writer.Submit(SetSetting("k" + std::to_string(i)), completions.Make());
    }
    EXPECT_LT(completions.done(), size_t{kCount});
    // Open the gate only once the destructor is already waiting.
    opener = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      counting_->Open();
    });
  }  // ~GroupCommitWriter: must finish all 100 before returning
  opener.join();
  EXPECT_EQ(completions.done(), size_t{kCount});
  EXPECT_EQ(completions.ok(), size_t{kCount});
  EXPECT_EQ(CountSettings(), kCount);
}

TEST_F(GroupCommitTest, CompletionThatThrowsDoesNotStopTheWriter) {
  Completions completions;
  GroupCommitWriter writer(*counting_);
  writer.Submit(SetSetting("k0"), [](Status) { throw std::runtime_error("bad completion"); });
  writer.Submit(SetSetting("k1"), completions.Make());
  writer.Submit(SetSetting("k2"), nullptr);  // no completion wanted
  writer.Submit(SetSetting("k3"), completions.Make());
  ASSERT_TRUE(completions.WaitFor(2));
  EXPECT_EQ(completions.ok(), 2u);
}

}  // namespace
}  // namespace postdesk::store
