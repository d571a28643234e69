#!/bin/sh
# Says hello to its first argument. `hello.sh --fail` exits 1, so an item can be made to fail on purpose.
if [ "$1" = "--fail" ]; then
  echo "asked to fail" >&2
  exit 1
fi
echo "hello, ${1:-world}"
