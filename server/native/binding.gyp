{
  "targets": [
    {
      "target_name": "fibgmp",
      "sources": ["fibgmp.c"],
      "libraries": ["-lgmp"],
      "cflags": ["-O3", "-Wall", "-Wextra"]
    }
  ]
}
