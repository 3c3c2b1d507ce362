#!/usr/bin/env bash
# Provide the mediasoup C++ worker binary without needing internet access.
#
# Why this exists: mediasoup's npm postinstall (skipped here: we install with
# --ignore-scripts, and npm 11 does not run unapproved install scripts anyway)
# would download a prebuilt worker from GitHub or build it with meson wraps that
# download their sources. Neither works offline. Instead we build the worker
# against Debian's system libraries, whose versions match what mediasoup 3.12.x
# bundles, and cache the result outside the repository so `npm ci` or a fresh
# clone does not pay the ~3.5 minute build again.
#
# Usage (from the repo root, after `npm install`):  bash scripts/build-worker.sh
# Env:
#   GIAO_BAN_CACHE   cache root (default: $HOME/.cache/giao-ban)
#   GIAO_BAN_SKIP_PREBUILT=1   do not even try mediasoup's prebuilt download
#   MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL   same meaning as in mediasoup's own postinstall
# Needs (for the build path): meson ninja-build pkg-config g++ libssl-dev libuv1-dev
#   libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev
set -euo pipefail

BUILD_PACKAGES="meson ninja-build pkg-config g++ libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev"

die() {
	echo "build-worker: ERROR: $*" >&2
	exit 1
}
log() { echo "build-worker: $*" >&2; }

MS_DIR="node_modules/mediasoup"
[[ -f "$MS_DIR/package.json" ]] ||
	die "$MS_DIR/package.json not found; run this from the repo root after 'npm install' (cwd: $PWD)"
[[ -d "$MS_DIR/worker" ]] || die "$MS_DIR/worker (the worker sources) is missing"

# The version keys the cache, so upgrading mediasoup never reuses a stale binary.
VERSION="$(node -p "require('./$MS_DIR/package.json').version")" ||
	die "could not read the mediasoup version from $MS_DIR/package.json"

CACHE_ROOT="${GIAO_BAN_CACHE:-$HOME/.cache/giao-ban}"
CACHE_DIR="$CACHE_ROOT/mediasoup-worker-$VERSION"
CACHED_BIN="$CACHE_DIR/mediasoup-worker"
TARGET_BIN="$MS_DIR/worker/out/Release/mediasoup-worker"
BUILD_DIR="$CACHE_DIR/build-$VERSION"

mkdir -p "$CACHE_DIR" || die "cannot create cache directory $CACHE_DIR"

# Serialise concurrent callers (e.g. test and bench both running setup), so two
# builds never write the same build dir or cache file at once.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$CACHE_DIR/.lock"
	flock 9 || die "cannot lock $CACHE_DIR/.lock"
fi

# A usable binary is a non-empty executable ELF file. The cheap run check relies on
# the worker's own contract: started without MEDIASOUP_VERSION in its env it exits
# with code 41 (see worker/src/main.cpp); any other code (e.g. 127 from a missing
# shared library) means it cannot run on this host.
is_elf_exe() {
	[[ -f "$1" && -x "$1" && -s "$1" ]] && [[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" == '177ELF' ]]
}
runs_here() {
	local rc=0
	env -i "$1" </dev/null >/dev/null 2>&1 || rc=$?
	[[ $rc -eq 41 ]]
}

# Install into the cache atomically: a half-written file must never look cached.
install_into_cache() {
	local src="$1" tmp="$CACHE_DIR/.mediasoup-worker.tmp.$$"
	cp "$src" "$tmp" || die "cannot copy $src to $tmp"
	chmod 755 "$tmp"
	mv -f "$tmp" "$CACHED_BIN" || die "cannot move $tmp to $CACHED_BIN"
}

SOURCE=""
START=$SECONDS

# 1. Cache.
if is_elf_exe "$CACHED_BIN" && runs_here "$CACHED_BIN"; then
	SOURCE="cached"
elif [[ -e "$CACHED_BIN" ]]; then
	log "cached binary $CACHED_BIN is unusable here; replacing it"
fi

# 2. mediasoup's prebuilt binary. Same URL as npm-scripts.mjs downloadPrebuiltWorker():
#    <repo>/releases/download/<version>/mediasoup-worker-<version>-<platform>-<arch>.tgz
#    with <platform>/<arch> from Node's os.platform()/os.arch(). curl with hard time
#    limits so an offline machine falls through in seconds instead of hanging.
if [[ -z "$SOURCE" && "${GIAO_BAN_SKIP_PREBUILT:-}" != "1" ]] && command -v curl >/dev/null 2>&1; then
	PLATFORM_ARCH="$(node -p "process.platform + '-' + process.arch")"
	BASE_URL="${MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL:-https://github.com/versatica/mediasoup/releases/download}"
	URL="$BASE_URL/$VERSION/mediasoup-worker-$VERSION-$PLATFORM_ARCH.tgz"
	DL_DIR="$(mktemp -d)"
	log "trying prebuilt worker $URL (15 s limit)"
	if curl -fsSL --connect-timeout 5 --max-time 15 -o "$DL_DIR/worker.tgz" "$URL" 2>"$DL_DIR/curl.err" &&
		tar -xzf "$DL_DIR/worker.tgz" -C "$DL_DIR" 2>/dev/null &&
		is_elf_exe "$DL_DIR/mediasoup-worker" && runs_here "$DL_DIR/mediasoup-worker"; then
		install_into_cache "$DL_DIR/mediasoup-worker"
		SOURCE="prebuilt"
	else
		log "prebuilt worker not available ($(head -c 200 "$DL_DIR/curl.err" 2>/dev/null | tr '\n' ' ')); building from Debian libraries"
	fi
	rm -rf "$DL_DIR"
fi

# 3. Build from Debian system libraries.
if [[ -z "$SOURCE" ]]; then
	for tool in meson ninja pkg-config g++; do
		command -v "$tool" >/dev/null 2>&1 ||
			die "'$tool' not found. Install the build packages first: apt-get install -y $BUILD_PACKAGES"
	done
	for pc in openssl nlohmann_json libuv libsrtp2 usrsctp absl_flat_hash_map absl_strings absl_optional absl_variant; do
		pkg-config --exists "$pc" ||
			die "pkg-config cannot find '$pc'. Install the build packages first: apt-get install -y $BUILD_PACKAGES"
	done

	# Work on a copy: node_modules stays pristine and is wiped by npm ci anyway.
	rm -rf "$BUILD_DIR"
	mkdir -p "$BUILD_DIR"
	SRC="$BUILD_DIR/worker"
	cp -a "$MS_DIR/worker" "$SRC" || die "cannot copy $MS_DIR/worker to $SRC"
	rm -rf "$SRC/out"

	# No wraps: meson must not try to download anything; each subproject below is a
	# local folder that only wraps the system library and exposes the variable names
	# the worker's meson.build (and deps/libwebrtc/meson.build) read via get_variable().
	rm -f "$SRC"/subprojects/*.wrap
	SP="$SRC/subprojects"
	mkdir -p "$SP"/{openssl,nlohmann_json,libuv,libsrtp2,usrsctp,abseil-cpp,catch2}

	cat >"$SP/openssl/meson.build" <<'EOF'
project('openssl', 'c')
openssl_dep = dependency('openssl')
EOF
	cat >"$SP/nlohmann_json/meson.build" <<'EOF'
project('nlohmann_json', 'cpp')
nlohmann_json_dep = dependency('nlohmann_json')
EOF
	# The worker passes these options as default_options, so they must exist.
	cat >"$SP/libuv/meson.build" <<'EOF'
project('libuv', 'c')
libuv_dep = dependency('libuv')
EOF
	cat >"$SP/libuv/meson_options.txt" <<'EOF'
option('build_tests', type : 'boolean', value : false)
option('build_benchmarks', type : 'boolean', value : false)
EOF
	# Debian installs srtp.h under <includedir>/srtp2, the worker includes <srtp.h>.
	cat >"$SP/libsrtp2/meson.build" <<'EOF'
project('libsrtp2', 'c')
_srtp = dependency('libsrtp2')
libsrtp2_dep = declare_dependency(
  dependencies: _srtp,
  include_directories: include_directories(_srtp.get_variable(pkgconfig: 'includedir') / 'srtp2'),
)
EOF
	cat >"$SP/libsrtp2/meson_options.txt" <<'EOF'
option('crypto-library', type : 'string', value : 'openssl')
option('crypto-library-kdf', type : 'feature', value : 'disabled')
option('tests', type : 'feature', value : 'disabled')
EOF
	cat >"$SP/usrsctp/meson.build" <<'EOF'
project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
EOF
	cat >"$SP/usrsctp/meson_options.txt" <<'EOF'
option('sctp_build_programs', type : 'boolean', value : false)
EOF
	cat >"$SP/abseil-cpp/meson.build" <<'EOF'
project('abseil-cpp', 'cpp')
absl_container_dep = dependency('absl_flat_hash_map')
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency(dependencies: [dependency('absl_optional'), dependency('absl_variant')])
EOF
	# Only the worker's own C++ tests use catch2 (not built here); a not-found
	# dependency keeps meson setup happy.
	cat >"$SP/catch2/meson.build" <<'EOF'
project('catch2', 'cpp')
catch2_dep = dependency('catch2', required: false)
EOF

	# Debian 12 ships meson 1.0.1; the worker asks for >= 1.1.0 but builds fine with 1.0.1.
	# link_whole names static-library targets of the downloaded subprojects that our
	# stubs do not have; it is only used by the libmediasoup-worker library target,
	# not the executable, so keep just libwebrtc.
	MB="$SRC/meson.build"
	grep -q "meson_version: '>= 1.1.0'" "$MB" ||
		die "unexpected $MB: no \"meson_version: '>= 1.1.0'\" line (mediasoup $VERSION differs from 3.12.16; update this script)"
	grep -q '^link_whole = \[$' "$MB" ||
		die "unexpected $MB: no 'link_whole = [' block (mediasoup $VERSION differs from 3.12.16; update this script)"
	sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.1'/" "$MB"
	sed -i '/^link_whole = \[$/,/^\]$/c\link_whole = [\n  libwebrtc,\n]' "$MB"

	log "building mediasoup worker $VERSION from Debian libraries in $BUILD_DIR (takes a few minutes)"
	BUILD_LOG="$BUILD_DIR/build.log"
	if ! (cd "$SRC" && meson setup --buildtype release --wrap-mode=nodownload "$BUILD_DIR/out") >"$BUILD_LOG" 2>&1; then
		tail -n 30 "$BUILD_LOG" >&2
		die "meson setup failed; full log: $BUILD_LOG"
	fi
	if ! ninja -C "$BUILD_DIR/out" -j"$(nproc)" mediasoup-worker >>"$BUILD_LOG" 2>&1; then
		tail -n 30 "$BUILD_LOG" >&2
		die "ninja build of mediasoup-worker failed; full log: $BUILD_LOG"
	fi
	BUILT="$BUILD_DIR/out/mediasoup-worker"
	is_elf_exe "$BUILT" || die "build finished but $BUILT is not an executable ELF file"
	runs_here "$BUILT" || die "built $BUILT does not start on this host (expected exit code 41 without MEDIASOUP_VERSION)"
	install_into_cache "$BUILT"
	# The build tree is large and only useful for debugging failures; drop it.
	rm -rf "$BUILD_DIR"
	SOURCE="built from Debian libraries in $((SECONDS - START))s"
fi

# 4. Put it where mediasoup looks by default. A copy, not a symlink: node_modules is
#    disposable, and a copy keeps working even if the cache is cleaned later.
if ! cmp -s "$CACHED_BIN" "$TARGET_BIN" 2>/dev/null; then
	mkdir -p "$(dirname "$TARGET_BIN")"
	cp "$CACHED_BIN" "$TARGET_BIN.tmp.$$" || die "cannot copy $CACHED_BIN into $(dirname "$TARGET_BIN")"
	chmod 755 "$TARGET_BIN.tmp.$$"
	mv -f "$TARGET_BIN.tmp.$$" "$TARGET_BIN"
fi

echo "mediasoup worker $VERSION: $SOURCE -> $TARGET_BIN"
