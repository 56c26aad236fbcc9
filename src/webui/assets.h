// webui/assets: the built workspace (web/dist) embedded in the binary at
// build time (embed_assets.cmake writes the table), so `postdesk serve`
// serves the UI with nothing installed beside it.
// Thread-safety: immutable data.
#pragma once

#include <span>
#include <string_view>

namespace postdesk::webui {

struct Asset {
  std::string_view path;  // "/index.html", "/assets/index-3f2a.js"
  std::string_view body;
};

// Every file of web/dist; empty when the workspace was not built.
std::span<const Asset> EmbeddedAssets();

}  // namespace postdesk::webui
