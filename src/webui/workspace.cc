#include "webui/workspace.h"

#include <map>
#include <string>

#include "common/strings.h"

namespace postdesk::webui {

namespace {

http::Response NotBuilt() {
  http::Response r;
  r.status = 503;
  r.content_type = "text/plain; charset=utf-8";
  r.body =
      "The agent workspace is not part of this build: web/dist was empty when postdesk was "
      "compiled. Run `make build` (it builds web/ with npm), then restart postdesk serve. "
      "The API under /api/v2 works without it.\n";
  return r;
}

http::Response Page(const Asset* index) {
  if (!index) return NotBuilt();
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(index->body);
  r.AddHeader("Content-Security-Policy", std::string(kWorkspaceCsp));
  r.AddHeader("Cache-Control", "no-cache");
  return r;
}

}  // namespace

std::string_view ContentTypeOf(std::string_view path) {
  static const std::map<std::string, std::string_view, std::less<>> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  size_t dot = path.rfind('.');
  if (dot != std::string_view::npos && path.find('/', dot) == std::string_view::npos) {
    auto it = kTypes.find(ToLower(path.substr(dot)));
    if (it != kTypes.end()) return it->second;
  }
  return "application/octet-stream";
}

void RegisterWorkspace(http::Router& router, std::span<const Asset> assets) {
  const Asset* index = nullptr;
  auto files = std::make_shared<std::map<std::string, const Asset*, std::less<>>>();
  for (const Asset& a : assets) {
    if (a.path == "/index.html") index = &a;
    (*files)[std::string(a.path)] = &a;
  }
  http::RouteOptions page_options{.requires_auth = false, .json_suffix = false};
  auto page = [index](const http::Request&) { return Page(index); };
  router.Get("/", page, page_options);
  // The app's own routes (it reads the rest of the path itself).
  for (std::string_view root : {"/agent", "/admin"}) {
    std::string pattern(root);
    router.Get(pattern, page, page_options);
    for (std::string_view seg : {"/{a}", "/{b}", "/{c}", "/{d}"}) {
      pattern += seg;
      router.Get(pattern, page, page_options);
    }
  }
  auto file = [files](const http::Request& req) {
    auto it = files->find(req.path);
    if (it == files->end()) {
      return http::ErrorResponse(404, "RecordNotFound", "No such file in the workspace.");
    }
    http::Response r;
    r.content_type = std::string(ContentTypeOf(req.path));
    r.body = std::string(it->second->body);
    // Vite names everything under /assets/ by its content hash (the web
    // app keeps no public/assets): kept a year. Root files are checked.
    r.AddHeader("Cache-Control", req.path.starts_with("/assets/")
                                     ? "public, max-age=31536000, immutable"
                                     : "no-cache");
    // Public files: the mail frame (a sandbox, so another origin) loads its
    // stylesheet from here.
    r.AddHeader("Cross-Origin-Resource-Policy", "cross-origin");
    return r;
  };
  router.Get("/assets/{file}", file, page_options);
  // Files at the root of dist (favicon and the like), but never index.html
  // itself outside the page routes.
  for (const auto& [path, asset] : *files) {
    if (path.find('/', 1) == std::string::npos && path != "/index.html") {
      router.Get(path, file, page_options);
    }
  }
}

}  // namespace postdesk::webui
