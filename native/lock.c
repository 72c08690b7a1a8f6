/*
 * hdd-lens byte-range locks: the fcntl locks QEMU takes on an image (block/file-posix.c), so that hdd-lens and
 * QEMU see each other's use of a file. Node has no fcntl; this Node-API addon (ABI-stable: the same build loads
 * in Node and in Electron's extension host) exposes just two calls on an open descriptor:
 *
 *   setLock(fd, start, length, type)  type 0 = unlock, 1 = shared (F_RDLCK), 2 = exclusive (F_WRLCK); never waits.
 *                                     Returns 0, or the errno (EAGAIN/EACCES: another owner holds a conflicting lock).
 *   testLock(fd, start, length, type) null when `type` could be taken, else { type, pid, start, length } of a
 *                                     conflicting lock (pid is -1 for an open-file-description lock on Linux).
 *   ofd                               true when the locks are Linux open-file-description locks (F_OFD_*), which
 *                                     belong to the descriptor, as QEMU's do; false for POSIX process locks (macOS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <node_api.h>

#if defined(F_OFD_SETLK) && defined(F_OFD_GETLK)
#define SETLK F_OFD_SETLK
#define GETLK F_OFD_GETLK
#define USES_OFD 1
#else
#define SETLK F_SETLK
#define GETLK F_GETLK
#define USES_OFD 0
#endif

static const short TYPES[] = { F_UNLCK, F_RDLCK, F_WRLCK };

/* Reads the four arguments; false (with a pending JS exception) when they are not what the calls take. */
static int read_args(napi_env env, napi_callback_info info, int32_t *fd, int64_t *start, int64_t *length, int32_t *type) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_type_error(env, NULL, "expected (fd, start, length, type)");
    return 0;
  }
  double s, l;
  if (napi_get_value_int32(env, argv[0], fd) != napi_ok || napi_get_value_double(env, argv[1], &s) != napi_ok ||
      napi_get_value_double(env, argv[2], &l) != napi_ok || napi_get_value_int32(env, argv[3], type) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected numbers (fd, start, length, type)");
    return 0;
  }
  /* Offsets must be exact integers an off_t holds: a rounded double would lock other bytes than asked. */
  if (s < 0 || l < 0 || s > 9007199254740991.0 || l > 9007199254740991.0 || s != (double)(int64_t)s || l != (double)(int64_t)l ||
      *type < 0 || *type > 2 || *fd < 0) {
    napi_throw_range_error(env, NULL, "lock range or type out of bounds");
    return 0;
  }
  *start = (int64_t)s;
  *length = (int64_t)l;
  return 1;
}

static void fill(struct flock *fl, int64_t start, int64_t length, int32_t type) {
  memset(fl, 0, sizeof *fl);
  fl->l_type = TYPES[type];
  fl->l_whence = SEEK_SET;
  fl->l_start = (off_t)start;
  fl->l_len = (off_t)length;
  fl->l_pid = 0; /* must be 0 for the F_OFD_* commands */
}

/* The arguments as a descriptor and a struct flock; false (with a pending JS exception) when they are wrong. */
static int prepare(napi_env env, napi_callback_info info, int32_t *fd, struct flock *fl) {
  int32_t type;
  int64_t start, length;
  if (!read_args(env, info, fd, &start, &length, &type)) return 0;
  fill(fl, start, length, type);
  return 1;
}

static napi_value set_lock(napi_env env, napi_callback_info info) {
  int32_t fd;
  struct flock fl;
  if (!prepare(env, info, &fd, &fl)) return NULL;
  int err = 0;
  while (fcntl(fd, SETLK, &fl) == -1) {
    if (errno != EINTR) {
      err = errno;
      break;
    }
  }
  napi_value result;
  napi_create_int32(env, err, &result);
  return result;
}

static napi_value test_lock(napi_env env, napi_callback_info info) {
  int32_t fd;
  struct flock fl;
  if (!prepare(env, info, &fd, &fl)) return NULL;
  napi_value result;
  if (fcntl(fd, GETLK, &fl) == -1) {
    napi_value code;
    napi_create_int32(env, errno, &code);
    napi_create_object(env, &result);
    napi_set_named_property(env, result, "errno", code);
    return result;
  }
  if (fl.l_type == F_UNLCK) {
    napi_get_null(env, &result);
    return result;
  }
  napi_value v;
  napi_create_object(env, &result);
  napi_create_int32(env, fl.l_type == F_WRLCK ? 2 : 1, &v);
  napi_set_named_property(env, result, "type", v);
  napi_create_int32(env, (int32_t)fl.l_pid, &v);
  napi_set_named_property(env, result, "pid", v);
  napi_create_double(env, (double)fl.l_start, &v);
  napi_set_named_property(env, result, "start", v);
  napi_create_double(env, (double)fl.l_len, &v);
  napi_set_named_property(env, result, "length", v);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn, ofd;
  napi_create_function(env, "setLock", NAPI_AUTO_LENGTH, set_lock, NULL, &fn);
  napi_set_named_property(env, exports, "setLock", fn);
  napi_create_function(env, "testLock", NAPI_AUTO_LENGTH, test_lock, NULL, &fn);
  napi_set_named_property(env, exports, "testLock", fn);
  napi_get_boolean(env, USES_OFD, &ofd);
  napi_set_named_property(env, exports, "ofd", ofd);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
