#include "core/base/secret_box.h"

#include <sys/stat.h>

#include <fstream>

#include <doctest/doctest.h>

#include "tests/support/subprocess.h"

using nmcp::SecretBox;

TEST_CASE("secret box: sealed text opens with the same key only, and reveals nothing") {
  auto box = SecretBox::from_hex_key(std::string(64, 'a'));
  auto other = SecretBox::from_hex_key(std::string(64, 'b'));
  REQUIRE(box);
  REQUIRE(other);
  const std::string sealed = (*box)->seal("hunter2-secret");
  CHECK(sealed.find("hunter2") == std::string::npos);
  CHECK(sealed != (*box)->seal("hunter2-secret"));  // a fresh nonce every time
  auto opened = (*box)->open_sealed(sealed);
  REQUIRE(opened);
  CHECK(*opened == "hunter2-secret");
  CHECK_FALSE((*other)->open_sealed(sealed));
  std::string tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == '0' ? '1' : '0';
  CHECK_FALSE((*box)->open_sealed(tampered));
  CHECK_FALSE((*box)->open_sealed("v1zz"));
  CHECK_FALSE((*box)->open_sealed(""));
  CHECK((*box)->fingerprint("x") == (*box)->fingerprint("x"));
  CHECK((*box)->fingerprint("x") != (*box)->fingerprint("y"));
  CHECK((*box)->fingerprint("x") != (*other)->fingerprint("x"));
  CHECK_FALSE(SecretBox::from_hex_key("abc"));
}

TEST_CASE("secret box: the key file is created once, private, and reused") {
  nmcp::testing::TempDir dir;
  const std::string path = dir.path() + "/secret.key";
  auto first = SecretBox::open(path);
  REQUIRE(first);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto second = SecretBox::open(path);
  REQUIRE(second);
  CHECK(*(*second)->open_sealed((*first)->seal("same key")) == "same key");
  std::ofstream(dir.path() + "/bad.key") << "not hex\n";
  auto bad = SecretBox::open(dir.path() + "/bad.key");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().hint.find("openssl rand -hex 32") != std::string::npos);
  CHECK_FALSE(SecretBox::open("/proc/no/such/dir/secret.key"));
}
