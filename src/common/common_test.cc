#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/channel.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/ids.h"
#include "common/role.h"
#include "common/strings.h"

namespace postdesk {
namespace {

TEST(EncodedId, HasShapeAndIsRandom) {
  std::string a = NewEncodedId(), b = NewEncodedId();
  EXPECT_TRUE(LooksLikeEncodedId(a));
  EXPECT_NE(a, b);
  EXPECT_TRUE(LooksLikeEncodedId("k7q2-9xwd"));
  EXPECT_FALSE(LooksLikeEncodedId("K7Q2-9XWU"));  // U is not Crockford
  EXPECT_FALSE(LooksLikeEncodedId("K7Q29XWD"));
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Utf8, SanitizeReplacesInvalidAndDropsNul) {
  EXPECT_TRUE(IsValidUtf8("日本語"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));  // overlong
  EXPECT_EQ(SanitizeUtf8(std::string("a\0b\xff", 4)), "ab\xEF\xBF\xBD");
}

TEST(Email, Parts) {
  EXPECT_EQ(NormalizeEmail(" Alice@Example.COM "), "alice@example.com");
  EXPECT_EQ(EmailDomain("a@b.c"), "b.c");
  EXPECT_EQ(EmailLocalPart("a+x@b.c"), "a+x");
}

TEST(HostPort, Parses) {
  std::string h;
  uint16_t p;
  ASSERT_TRUE(ParseHostPort("127.0.0.1:0", h, p).ok());
  EXPECT_EQ(h, "127.0.0.1");
  EXPECT_EQ(p, 0);
  ASSERT_TRUE(ParseHostPort("[::1]:25", h, p).ok());
  EXPECT_EQ(h, "::1");
  EXPECT_FALSE(ParseHostPort("nohost", h, p).ok());
  EXPECT_FALSE(ParseHostPort("h:99999", h, p).ok());
}

TEST(Base64, EncodeAndLenientDecode) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64DecodeLenient("Zm9v\r\nYmFy"), "foobar");  // line breaks skipped
  EXPECT_EQ(Base64DecodeLenient("Zm9vYg"), "foob");            // truncated: as far as it goes
  EXPECT_EQ(Base64DecodeLenient("Zm8=junk"), "fo");            // stops at padding
  EXPECT_EQ(Base64DecodeLenient("_-8"), Base64DecodeLenient("/+8"));  // URL-safe letters
}

TEST(Time, Iso) { EXPECT_EQ(FormatIsoTime(0), "1970-01-01T00:00:00Z"); }

TEST(RoleTest, NamesAtTheEdgesOnly) {
  EXPECT_EQ(ParseRole("end-user"), Role::kEndUser);
  EXPECT_EQ(ParseRole("end_user"), Role::kEndUser);
  EXPECT_EQ(ParseRole("agent"), Role::kAgent);
  EXPECT_EQ(ParseRole("admin"), Role::kAdmin);
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);  // no silent reading of a typo
  EXPECT_EQ(ParseRole("root"), std::nullopt);
  EXPECT_EQ(RoleName(Role::kEndUser), "end-user");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  EXPECT_FALSE(IsStaff(Role::kEndUser));
  EXPECT_TRUE(IsStaff(Role::kAgent));
  EXPECT_TRUE(IsStaff(Role::kAdmin));
}

TEST(ChannelTest, NamesAndZendeskSynonyms) {
  EXPECT_EQ(ParseChannel("email"), Channel::kEmail);
  EXPECT_EQ(ParseChannel("mail"), Channel::kEmail);
  EXPECT_EQ(ParseChannel("web_form"), Channel::kWeb);
  EXPECT_EQ(ParseChannel("web_service"), Channel::kApi);
  EXPECT_EQ(ParseChannel("fax"), std::nullopt);
  EXPECT_EQ(ChannelName(Channel::kWeb), "web");
  EXPECT_EQ(ChannelName(Channel::kApi), "api");
  EXPECT_EQ(ParseChannel(ChannelName(Channel::kSystem)), Channel::kSystem);
  EXPECT_EQ(static_cast<int>(Channel::kEmail), 4);  // Zendesk's via id
}

}  // namespace
}  // namespace postdesk

namespace postdesk {
namespace {

// Issue 13, defect 8: a Result made from an ok Status used to be a failure
// whose status() said ok, so `if (!r.ok()) return r.status();` returned
// success with nothing done.
TEST(ResultTest, AnOkStatusIsNeverAnOkLookingFailure) {
  Result<int> r = Status::Ok();
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.status().ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kPermanent);
  EXPECT_NE(r.status().message().find("ok status"), std::string::npos);
  Result<int> v = 7;
  EXPECT_TRUE(v.ok() && v.status().ok() && *v == 7);
}

}  // namespace
}  // namespace postdesk
