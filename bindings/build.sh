#!/usr/bin/env bash
# Writes the Python and npm packages of sqlite-rnn from a built extension:
#
#   bindings/build.sh dist/rnn.so OUT_DIR
#
# 1. OUT_DIR/python is bindings/python (the package sqlite_rnn, pyproject.toml)
#    with DIST_SO copied to OUT_DIR/python/sqlite_rnn/rnn.so; OUT_DIR/node is
#    bindings/node with DIST_SO copied to OUT_DIR/node/rnn.so.
# 2. @RNN_VERSION@ becomes RNN_VERSION from core/rnn.h, so the packages'
#    versions equal what rnn_version() returns.
# 3. @NPM_CPU@ (package.json's "cpu") becomes the npm name of the ELF
#    machine DIST_SO was compiled for, so npm refuses to install it elsewhere.
# 4. Both directories are removed and written anew on every run (caches such
#    as __pycache__ and node_modules in the templates are not copied): two
#    runs with the same inputs leave the same files. Nothing else in OUT_DIR
#    is touched.
# Exits non-zero, with a message on stderr, when DIST_SO is missing or not a
# little-endian ELF file, or the version cannot be read.
set -euo pipefail

die() { echo "bindings/build.sh: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: bindings/build.sh DIST_SO OUT_DIR"
so=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
header=$here/../core/rnn.h

[ -f "$so" ] || die "$so: no such file (build it with make dist/rnn.so)"
[ "$(head -c 4 "$so" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] ||
  die "$so: not an ELF file"
[ "$(od -An -tu1 -j5 -N1 "$so" | tr -d ' ')" = 1 ] ||
  die "$so: not a little-endian ELF file"

# Rule 3: e_machine, at byte 18 of the ELF header.
machine=$(od -An -tu2 -j18 -N2 "$so" | tr -d ' ')
case "$machine" in
  62) cpu=x64 ;;
  183) cpu=arm64 ;;
  3) cpu=ia32 ;;
  40) cpu=arm ;;
  243) cpu=riscv64 ;;
  *) die "$so: ELF machine $machine has no npm cpu name here" ;;
esac

# Rule 2.
version=$(sed -n 's/^#define RNN_VERSION "\([^"]*\)".*/\1/p' "$header")
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
  die "$header: no #define RNN_VERSION \"X.Y.Z\" (found '$version')"

# Copies template directory $1 to $2 without caches, then fills in rule 2/3.
copy_template() {
  local src=$1 dst=$2
  rm -rf "$dst"
  mkdir -p "$dst"
  tar -C "$src" --exclude=__pycache__ --exclude='*.pyc' --exclude=node_modules \
    --exclude='*.egg-info' --exclude=build --exclude=dist --exclude=rnn.so \
    -cf - . | tar -C "$dst" -xf -
  find "$dst" -type f -exec sed -i -e "s/@RNN_VERSION@/$version/g" \
    -e "s/@NPM_CPU@/$cpu/g" {} +
  if grep -rlE '@(RNN_VERSION|NPM_CPU)@' "$dst" >&2; then
    die "placeholders left in the files above"
  fi
}

mkdir -p "$out"
copy_template "$here/python" "$out/python"
install -m 644 "$so" "$out/python/sqlite_rnn/rnn.so"
copy_template "$here/node" "$out/node"
install -m 644 "$so" "$out/node/rnn.so"
