#include "app/bootstrap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "accounts/passwords.h"
#include "app/commands.h"
#include "channel/recipient_addresses.h"
#include "common/ids.h"
#include "tickets/ticket_fields.h"
#include "tickets/updates.h"
#include "tickets/workflow.h"

namespace postdesk::app {
namespace {

constexpr std::string_view kAdminSetting = "admin_user_id";

Status WriteSecretFile(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Permanent("cannot create " + tmp + ": " + strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Permanent("cannot write " + path + ": " + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<store::Store>> OpenStore(const Config& config) {
  if (!config.db_url.empty() && config.db_url.rfind("sqlite:", 0) != 0) {
    return Status::Invalid("--db " + config.db_url +
                           ": only sqlite: is supported in this version (PostgreSQL is planned)");
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Status::Permanent("cannot create data directory " + config.data_dir + ": " + ec.message());
  return store::OpenSqlite(config.SqlitePath());
}

Result<std::unique_ptr<store::Store>> OpenExistingStore(const Config& config) {
  const std::string path = config.SqlitePath();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound("no database at " + path +
                            " (give the --data or --db that postdesk serve uses)");
  }
  return store::OpenSqlite(path);
}

Result<std::pair<std::string, bool>> EnsureAdminPassword(const Config& config,
                                                         store::Store& store, int64_t admin_id) {
  std::string email, hash;
  Status s = store.Read([&](store::Tx& tx) -> Status {
    auto admin = tx.GetUser(admin_id);
    if (!admin.ok()) return admin.status();
    email = admin->email;
    auto h = tx.GetPasswordHash(admin_id);
    if (!h.ok()) return h.status();
    hash = std::move(h).value();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!hash.empty()) return std::make_pair(email, false);
  std::string password = accounts::RandomPassword();
  auto hashed = accounts::HashPassword(password);
  if (!hashed.ok()) return hashed.status();
  // The file first: a password stored but never written down would lock the
  // admin out.
  if (Status w = WriteSecretFile(config.data_dir + "/admin-password", password + "\n"); !w.ok()) {
    return w;
  }
  s = store.Write([&](store::Tx& tx) { return tx.SetPasswordHash(admin_id, *hashed); });
  if (!s.ok()) return s;
  return std::make_pair(email, true);
}

Result<std::vector<std::string>> StoredSupportAddresses(store::Store& store) {
  std::vector<std::string> out;
  Status s = store.Read([&](store::Tx& tx) {
    auto all = channel::AllAddresses(tx);
    if (!all.ok()) return all.status();
    out = std::move(all).value();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<int64_t> Bootstrap(const Config& config, store::Store& store) {
  int64_t admin_id = 0;
  std::string token;
  Status s = store.Write([&](store::Tx& tx) {
    auto existing = tx.GetSetting(kAdminSetting);
    if (existing.ok()) {
      admin_id = std::stoll(*existing);
      return Status::Ok();
    }
    if (existing.status().kind() != ErrorKind::kNotFound) return existing.status();
    store::User admin;
    admin.name = "Admin";
    // Agents' notifications go to this address: give a real one with --admin-email.
    admin.email = config.admin_email.empty() ? "admin@" + config.domain : config.admin_email;
    admin.role = Role::kAdmin;
    admin.created_at = admin.updated_at = static_cast<int64_t>(time(nullptr));
    auto created = tx.CreateUser(admin);
    if (!created.ok()) return created.status();
    admin_id = created->id;
    token = NewToken();
    // A named token like any other: listed on the Agents page, revocable.
    auto t = tx.AddApiToken({.user_id = admin_id,
                             .description = "first admin (DIR/admin-token)",
                             .token_sha256 = Sha256Hex(token),
                             .created_at = admin.created_at});
    if (!t.ok()) return t.status();
    return tx.SetSetting(kAdminSetting, std::to_string(admin_id));
  });
  if (!s.ok()) return s;
  s = store.Write([&](store::Tx& tx) {
    return tickets::SeedDefaultTriggers(
        tx, static_cast<int64_t>(time(nullptr)),
        rules::LanguageFromCode(config.language).value_or(rules::Language::kEnglish));
  });
  if (!s.ok()) return s;
  s = store.Write([&](store::Tx& tx) {
    // A desk made before views existed gets them on its next start.
    const int64_t now = static_cast<int64_t>(time(nullptr));
    const std::string_view language = rules::LanguageCode(tickets::DeskLanguage(tx));
    if (Status views = tickets::SeedStandardViews(tx, now, language); !views.ok()) return views;
    // The system ticket fields (subject, status, ...), for a new desk or an older one.
    return tickets::SeedSystemTicketFields(tx, now, language);
  });
  if (!s.ok()) return s;
  s = store.Write([&](store::Tx& tx) {
    return channel::EnsureAddresses(tx, SupportAddressesOf(config), config.domain,
                                    static_cast<int64_t>(time(nullptr)));
  });
  if (!s.ok()) return s;
  if (!token.empty()) {
    Status w = WriteSecretFile(config.data_dir + "/admin-token", token + "\n");
    if (!w.ok()) return w;
  }
  return admin_id;
}

}  // namespace postdesk::app
