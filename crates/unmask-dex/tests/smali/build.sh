#!/bin/sh
# Rebuilds the smali fixtures with Debian's smali (2.5.x).
set -eu
cd "$(dirname "$0")"
smali a --api 15 -o formats.dex Formats.smali
smali a --api 28 -o modern.dex Modern.smali
smali a --api 15 -o strings.dex Strings.smali
smali a --api 15 -o annotated.dex Annotated.smali
