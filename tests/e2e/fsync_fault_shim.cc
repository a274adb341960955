// fsync_fault_shim: an LD_PRELOAD library for the end-to-end tests that makes
// fdatasync/fsync of the process (segments, directories, LevelDB) misbehave
// on demand, so the real eventlogd meets a failing or slow disk:
//   EVENTLOG_FSYNC_FAIL_FILE=PATH   while PATH exists, every sync fails with EIO
//   EVENTLOG_FSYNC_DELAY_FILE=PATH  while PATH exists, every sync first sleeps
//                                   the milliseconds written in it
// Nothing else is changed.
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace {

using SyncFn = int (*)(int);

bool FileExists(const char* env) {
  const char* path = std::getenv(env);
  return path != nullptr && ::access(path, F_OK) == 0;
}

void MaybeDelay() {
  const char* path = std::getenv("EVENTLOG_FSYNC_DELAY_FILE");
  if (path == nullptr) return;
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return;
  long ms = 0;
  if (std::fscanf(f, "%ld", &ms) != 1) ms = 0;
  std::fclose(f);
  if (ms <= 0) return;
  timespec ts{ms / 1000, (ms % 1000) * 1000000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int Sync(const char* name, int fd) {
  MaybeDelay();
  if (FileExists("EVENTLOG_FSYNC_FAIL_FILE")) {
    errno = EIO;
    return -1;
  }
  auto real = reinterpret_cast<SyncFn>(::dlsym(RTLD_NEXT, name));
  return real(fd);
}

}  // namespace

extern "C" int fdatasync(int fd) { return Sync("fdatasync", fd); }
extern "C" int fsync(int fd) { return Sync("fsync", fd); }
