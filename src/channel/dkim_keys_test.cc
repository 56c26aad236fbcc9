#include "channel/dkim_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "auth/dkim_crypto.h"
#include "common/ids.h"

namespace postdesk::channel {
namespace {

namespace fs = std::filesystem;

class DkimKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dkim_keys_test_" + NewToken().substr(0, 12));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string data() const { return dir_.string(); }
  fs::path dir_;
};

TEST_F(DkimKeysTest, NamesMustBeSafePathComponents) {
  EXPECT_EQ(*ValidDkimName("Example.COM", "domain"), "example.com");
  for (const char* bad : {"", "../etc", "a/b", "-a.example", "a..example", "a b", "ä.example"}) {
    EXPECT_FALSE(ValidDkimName(bad, "domain").ok()) << bad;
  }
  EXPECT_EQ(GenerateKey(data(), "../x", "postdesk").status().kind(), ErrorKind::kInvalid);
  EXPECT_EQ(GenerateKey(data(), "example.com", "postdesk", "dsa").status().message(),
            "unknown algorithm 'dsa' (use rsa or ed25519)");
  EXPECT_FALSE(fs::exists(dir_ / "dkim" / "example.com"));
}

TEST_F(DkimKeysTest, GenerateStoresAPrivateKeyAndListsItsRecord) {
  auto made = GenerateKey(data(), "Example.com", "s1", "ed25519");
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_FALSE(made->replaced);
  EXPECT_EQ(made->path, data() + "/dkim/example.com/s1.pem");
  struct stat st {};
  ASSERT_EQ(::stat(made->path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((data() + "/dkim/example.com").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto keys = ListKeys(data());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].domain, "example.com");
  EXPECT_EQ(keys[0].algorithm, "ed25519");
  EXPECT_EQ(keys[0].txt, made->key.txt);
  EXPECT_EQ(keys[0].txt, "v=DKIM1; k=ed25519; p=" + keys[0].public_key_base64);
  EXPECT_FALSE(keys[0].enabled);
  EXPECT_EQ(DkimRecordName("example.com", "s1"), "s1._domainkey.example.com");
}

TEST_F(DkimKeysTest, ReplacingSwitchesSigningOffAndNeedsConsent) {
  ASSERT_TRUE(GenerateKey(data(), "example.com", "postdesk").ok());
  ASSERT_TRUE(EnableKey(data(), "example.com", "postdesk").ok());
  EXPECT_TRUE(ListKeys(data(), "example.com")[0].enabled);
  auto again = GenerateKey(data(), "example.com", "postdesk");
  EXPECT_EQ(again.status().kind(), ErrorKind::kInvalid);
  EXPECT_NE(again.status().message().find("already exists"), std::string::npos);
  EXPECT_TRUE(ListKeys(data(), "example.com")[0].enabled) << "the refused attempt changed nothing";
  auto replaced = GenerateKey(data(), "example.com", "postdesk", "rsa", /*replace=*/true);
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(replaced->replaced);
  EXPECT_TRUE(replaced->was_enabled);
  EXPECT_FALSE(ListKeys(data(), "example.com")[0].enabled);
}

TEST_F(DkimKeysTest, EnableNeedsAKeyAndDisableSaysWhetherItWasOn) {
  EXPECT_EQ(EnableKey(data(), "example.com", "postdesk").kind(), ErrorKind::kNotFound);
  ASSERT_TRUE(GenerateKey(data(), "example.com", "postdesk").ok());
  ASSERT_TRUE(EnableKey(data(), "example.com", "postdesk").ok());
  EXPECT_TRUE(*DisableKey(data(), "example.com", "postdesk"));
  EXPECT_FALSE(*DisableKey(data(), "example.com", "postdesk"));
}

TEST_F(DkimKeysTest, SignerSignsOnlyEnabledDomainsAndReloads) {
  DkimSigner signer(data());
  const std::string message =
      "From: Support <support@example.com>\r\nTo: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n";
  EXPECT_FALSE(signer.Reload());
  EXPECT_EQ(signer.Sign(message), "");
  ASSERT_TRUE(GenerateKey(data(), "example.com", "postdesk", "ed25519").ok());
  EXPECT_FALSE(signer.Reload()) << "not enabled yet";
  ASSERT_TRUE(EnableKey(data(), "example.com", "postdesk").ok());
  EXPECT_TRUE(signer.Reload());
  EXPECT_FALSE(signer.Reload()) << "nothing changed since";
  std::string header = signer.Sign(message);
  EXPECT_EQ(header.rfind("DKIM-Signature:", 0), 0u) << header;
  EXPECT_NE(header.find("d=example.com"), std::string::npos);
  EXPECT_NE(header.find("s=postdesk"), std::string::npos);
  EXPECT_EQ(signer.Sign("From: x@other.example\r\n\r\nbody\r\n"), "");
  ASSERT_EQ(signer.Signing().size(), 1u);
  ASSERT_TRUE(DisableKey(data(), "example.com", "postdesk").ok());
  EXPECT_TRUE(signer.Reload());
  EXPECT_EQ(signer.Sign(message), "");
}

TEST_F(DkimKeysTest, FromDomainReadsFoldedFields) {
  EXPECT_EQ(FromDomainOfOurMessage("Subject: x\r\nFrom: \"Desk\"\r\n <help@Desk.Example.>\r\n\r\n"),
            "desk.example");
  EXPECT_EQ(FromDomainOfOurMessage("Subject: x\r\n\r\nFrom: a@b.example\r\n"), "");
}

}  // namespace
}  // namespace postdesk::channel
