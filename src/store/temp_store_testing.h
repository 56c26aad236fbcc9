// store/temp_store_testing: a fresh SQLite store in its own temporary
// directory, removed with it. For tests only (uses GoogleTest).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/ids.h"
#include "store/store.h"

namespace postdesk::store::testing {

struct TempStore {
  TempStore() {
    dir = std::filesystem::temp_directory_path() / ("postdesk-test-" + NewToken().substr(0, 12));
    std::filesystem::create_directories(dir);
    auto opened = OpenSqlite((dir / "postdesk.db").string());
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    if (opened.ok()) store = std::move(opened).value();
  }
  ~TempStore() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
};

}  // namespace postdesk::store::testing
