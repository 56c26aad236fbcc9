// webui/workspace: serves the agent workspace, a single-page app, on the
// HTTP port. "/" (sign-in) and every page under /agent/ and /admin/ answer
// with index.html, which loads the hashed files under /assets/ (cached for
// a year: their names change with their content). The pages get the app's
// Content-Security-Policy: scripts, styles and connections only from this
// origin, no inline script, frames only for rendering mail (srcdoc), images
// also from the network (each mail frame narrows that to none until the
// agent allows remote images for that message).
// When the workspace was not built, those pages answer 503 saying so.
// Input trust: paths are matched against the embedded table only; nothing
// reaches the file system. Thread-safety: read-only after registration.
#pragma once

#include <span>
#include <string_view>

#include "http/router.h"
#include "webui/assets.h"

namespace postdesk::webui {

inline constexpr std::string_view kWorkspaceCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "frame-src 'self' about:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// The Content-Type of a file, by its extension.
std::string_view ContentTypeOf(std::string_view path);

void RegisterWorkspace(http::Router& router, std::span<const Asset> assets = EmbeddedAssets());

}  // namespace postdesk::webui
