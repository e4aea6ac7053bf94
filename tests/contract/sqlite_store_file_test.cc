// The embedded store's file: what open_store finds at a path and refuses (an empty file, a
// foreign database, a damaged one), what it never creates (IfMissing::Refuse), and several
// processes creating the same fresh store at the same moment, as compose starts replicas.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

#include "core/store/open_store.h"
#include "tests/support/subprocess.h"

using namespace nmcp;

TEST_CASE("store file: a missing store is not created when the caller refuses") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/sub/nessus-mcp.db";
  auto s = store::open_store("sqlite:" + path, store::IfMissing::Refuse);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::NotFound);
  CHECK(s.error().message.find(path) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/sub"));
}

TEST_CASE("store file: a zero-length file is refused, not taken for a new store") {
  testing::TempDir dir;
  const std::string path = dir.file("nessus-mcp.db", "");
  auto s = store::open_store("sqlite:" + path);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::DataLoss);
  CHECK(s.error().message.find("empty") != std::string::npos);
  CHECK(s.error().hint.find("backup") != std::string::npos);
  CHECK(std::filesystem::file_size(path) == 0);  // left as it was
}

TEST_CASE("store file: garbage and damaged files are refused with how to recover") {
  testing::TempDir dir;
  auto garbage = store::open_store("sqlite:" + dir.file("x.db", std::string(8192, 'x')));
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == ErrorCode::DataLoss);
  CHECK(garbage.error().hint.find("admin_cli store check") != std::string::npos);

  // A real store whose pages are then overwritten in the middle.
  const std::string path = dir.path() + "/damaged.db";
  {
    auto s = store::open_store("sqlite:" + path);
    REQUIRE(s);
    for (int i = 0; i < 300; ++i) {
      task::Task t;
      t.id = task::new_task_id();
      t.owner = "local";
      t.pool = "default";
      t.name = std::string(200, 'n');
      t.request_hash = "h";
      REQUIRE((*s)->submit(t));
    }
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    const std::string junk(8192, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto reopened = store::open_store("sqlite:" + path);
  if (reopened) {
    // The header survived: the damage shows on first use, with the same kind of error.
    store::TaskQuery q(store::OwnerScope::everyone());
    q.limit = 1000;
    auto listed = (*reopened)->list(q);
    REQUIRE_FALSE(listed);
    CHECK(listed.error().code == ErrorCode::DataLoss);
  } else {
    CHECK(reopened.error().code == ErrorCode::DataLoss);
  }
}

TEST_CASE("store file: a SQLite file that is not a task store is left untouched") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/other.db";
  {
    // A database of something else entirely, made the way any program would.
    auto s = store::open_store("sqlite:" + dir.path() + "/seed.db");
    REQUIRE(s);
  }
  // user_version 0: copy a fresh store and clear its stamp with the sqlite3 format's header
  // field (offset 60, big-endian).
  std::filesystem::copy_file(dir.path() + "/seed.db", path);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(60);
    const char zero[4] = {0, 0, 0, 0};
    f.write(zero, 4);
  }
  const auto size = std::filesystem::file_size(path);
  auto s = store::open_store("sqlite:" + path);
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("not a nessus-mcp task store") != std::string::npos);
  CHECK(std::filesystem::file_size(path) == size);
}

TEST_CASE("store file: eight processes creating the same fresh store all open it") {
  testing::TempDir dir;
  const std::string spec = "sqlite:" + dir.path() + "/fresh/nessus-mcp.db";
  std::vector<pid_t> children;
  int go[2];
  REQUIRE(::pipe(go) == 0);
  for (int i = 0; i < 8; ++i) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(go[1]);
      char c;
      (void)::read(go[0], &c, 1);  // all start together
      auto s = store::open_store(spec);
      if (!s) {
        std::fprintf(stderr, "child: %s\n", s.error().message.c_str());
        ::_exit(1);
      }
      task::Task t;
      t.id = task::new_task_id();
      t.owner = "local";
      t.pool = "default";
      t.request_hash = "h";
      ::_exit((*s)->submit(t) ? 0 : 3);
    }
    children.push_back(pid);
  }
  ::close(go[0]);
  ::close(go[1]);  // releases every child at once
  int succeeded = 0;
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++succeeded;
  }
  CHECK(succeeded == 8);
  auto s = store::open_store(spec, store::IfMissing::Refuse);
  REQUIRE(s);
  store::TaskQuery q(store::OwnerScope::everyone());
  q.limit = 100;
  auto all = (*s)->list(q);
  REQUIRE(all);
  CHECK(all->tasks.size() == 8);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/fresh")) {
    CHECK(entry.path().filename().string().find(".new-") == std::string::npos);
  }
}

TEST_CASE("store file: the store and its directory are private to the user") {
  testing::TempDir dir;
  const mode_t old = ::umask(022);
  const std::string path = dir.path() + "/private/nessus-mcp.db";
  {
    auto s = store::open_store("sqlite:" + path);
    REQUIRE(s);
  }
  ::umask(old);
  struct stat st {};
  REQUIRE(::stat((dir.path() + "/private").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}
