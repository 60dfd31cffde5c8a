#!/usr/bin/env bash
# `make install` works: install into a scratch prefix, then build a consumer
# against it twice, through pkg-config and through CMake's find_package.
set -euo pipefail
B=${1:-build}
P=$(mktemp -d)
trap 'rm -rf "$P"' EXIT
cmake --install "$B" --prefix "$P/usr" >/dev/null
cat >"$P/consumer.c" <<'C'
#include <flowtap.h>
#include <stdio.h>
int main(void)
{
	struct ft_config cfg;
	ft_config_init(&cfg);
	printf("%s workers=%u\n", ft_version(), cfg.workers);
	return ft_strerror(FT_EPCAP)[0] == '\0';
}
C
libdir=$(ls -d "$P"/usr/lib*/ | head -1)
# pkg-config: the shared library.
PKG_CONFIG_PATH="$libdir/pkgconfig" cc "$P/consumer.c" -o "$P/c1" \
	$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs flowtap)
LD_LIBRARY_PATH="$libdir" "$P/c1"
mkdir -p "$P/cm"
cat >"$P/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(flowtap REQUIRED)
add_executable(c2 ../consumer.c)
target_link_libraries(c2 PRIVATE flowtap::flowtap)
CM
cmake -S "$P/cm" -B "$P/cm/b" -DCMAKE_PREFIX_PATH="$P/usr" >/dev/null
cmake --build "$P/cm/b" >/dev/null
"$P/cm/b/c2" # CMake: the static library
test -x "$P/usr/bin/flowtap"
echo "install: headers, static and shared library, pkg-config file, CMake package, program: ok"
