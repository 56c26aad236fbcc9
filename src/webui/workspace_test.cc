#include "webui/workspace.h"

#include <gtest/gtest.h>

namespace postdesk::webui {
namespace {

http::Response Get(const http::Router& router, std::string target) {
  http::Request r;
  r.method = "GET";
  r.target = std::move(target);
  return router.Dispatch(std::move(r));
}

std::string HeaderOf(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(WorkspaceTest, PagesServeIndexWithTheAppsCspAndAssetsByName) {
  static const Asset kFiles[] = {
      {"/index.html", "<!doctype html><script type=module src=/assets/app-1.js></script>"},
      {"/assets/app-1.js", "console.log(1)"},
      {"/assets/app-1.css", "body{}"},
      {"/favicon.svg", "<svg/>"},
  };
  http::Router router;
  RegisterWorkspace(router, kFiles);
  for (std::string path : {"/", "/agent", "/agent/views/all_open", "/agent/tickets/12/events",
                           "/admin/triggers"}) {
    auto r = Get(router, path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("app-1.js"), std::string::npos);
    EXPECT_EQ(HeaderOf(r, "Content-Security-Policy"), kWorkspaceCsp);
  }
  auto js = Get(router, "/assets/app-1.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_NE(HeaderOf(js, "Cache-Control").find("immutable"), std::string::npos);
  EXPECT_EQ(Get(router, "/assets/app-1.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get(router, "/favicon.svg").content_type, "image/svg+xml");
  EXPECT_EQ(Get(router, "/assets/missing.js").status, 404);
  EXPECT_EQ(Get(router, "/assets/..%2Findex.html").status, 404);
  EXPECT_EQ(Get(router, "/index.html").status, 404);
  // The CSP allows no inline script.
  EXPECT_EQ(std::string(kWorkspaceCsp).find("unsafe-inline"), std::string::npos);
}

TEST(WorkspaceTest, WithoutABuiltWorkspacePagesSaySo) {
  http::Router router;
  RegisterWorkspace(router, {});
  auto r = Get(router, "/");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("make build"), std::string::npos);
}

TEST(WorkspaceTest, BundlesAreCachedForAYearAndRootFilesChecked) {
  static const Asset kFiles[] = {{"/assets/mail-frame-8ZAnjZj2.css", "p{}"}, {"/favicon.svg", "<svg/>"}};
  http::Router router;
  RegisterWorkspace(router, kFiles);
  auto css = Get(router, "/assets/mail-frame-8ZAnjZj2.css");
  EXPECT_NE(HeaderOf(css, "Cache-Control").find("immutable"), std::string::npos);
  // The mail frame (a sandbox: another origin) loads it.
  EXPECT_EQ(HeaderOf(css, "Cross-Origin-Resource-Policy"), "cross-origin");
  EXPECT_EQ(HeaderOf(Get(router, "/favicon.svg"), "Cache-Control"), "no-cache");
}

TEST(WorkspaceTest, ContentTypes) {
  EXPECT_EQ(ContentTypeOf("/a/b.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("/x.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeOf("/noext"), "application/octet-stream");
  EXPECT_EQ(ContentTypeOf("/dir.v2/file"), "application/octet-stream");
}

}  // namespace
}  // namespace postdesk::webui
