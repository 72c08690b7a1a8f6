{
  "targets": [
    {
      "target_name": "hdd_lens_lock",
      "sources": ["native/lock.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "xcode_settings": { "OTHER_CFLAGS": ["-Wall", "-O2"] }
    }
  ]
}
