#!/usr/bin/env bash
# Builds termd and termctl for shop PCs (Windows and Linux, amd64 and arm64)
# and packs each platform, with the example configuration and INSTALL.txt,
# into dist/ (git-ignored): a .zip for Windows, a .tar.gz for Linux.
#
#   scripts/release.sh                     every platform
#   scripts/release.sh --only linux/amd64  one platform
#   scripts/release.sh --dry-run           print the commands, build nothing
#
# The version stamped into the binaries (termd --version) is
# `git describe --tags --always --dirty`. Pure Go (CGO_ENABLED=0), so every
# platform builds on any machine with Go.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(windows/amd64 windows/arm64 linux/amd64 linux/arm64)
dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --only) shift; targets=("${1:?--only needs GOOS/GOARCH, e.g. linux/amd64}") ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)

# run prints a command in dry-run mode and runs it otherwise.
run() {
  if [ "$dry" = 1 ]; then printf '%q ' "$@"; echo; else "$@"; fi
}

# install_text writes INSTALL.txt for one platform.
install_text() {
  local goos=$1
  if [ "$goos" = windows ]; then cat <<'EOF'
termd on a Windows shop PC
==========================

1. Copy termd.exe and termctl.exe to C:\Program Files\termd\.
2. Create the configuration first: copy termd.example.yaml to
   C:\ProgramData\termd\termd.yaml and set at least
     device.port    the card terminal's port (COM3) or USB id (termd ports lists them)
     printer.port   the receipt printer's port, if there is one
   Every key is explained in the file; leave the rest as it is.
3. Try it in a console:   termd run --config C:\ProgramData\termd\termd.yaml
   then pay from another: termctl send 010010 "{\"priceAmt\":1000,\"ptxid\":\"first-1\"}"
   (Ctrl-C stops it.)
4. From an administrator PowerShell, install the service (it starts at boot
   and restarts after a failure):
     termd service install --config C:\ProgramData\termd\termd.yaml --dry-run
     termd service install --config C:\ProgramData\termd\termd.yaml
     termd service start
     termd service status
The journal and termd.log are in C:\ProgramData\termd (dataDir).
EOF
  else cat <<'EOF'
termd on a Linux shop PC
========================

1. Copy the programs:     sudo install -m 755 termd termctl /usr/local/bin/
2. Create the configuration first:
     sudo mkdir -p /etc/termd
     sudo cp termd.example.yaml /etc/termd/termd.yaml
   and set at least
     device.port    the card terminal's port (/dev/ttyUSB0) or USB id (termd ports lists them)
     printer.port   the receipt printer's port, if there is one
   Every key is explained in the file; leave the rest as it is.
3. Try it:                sudo termd run --config /etc/termd/termd.yaml
   then pay from another shell:
     termctl send 010010 '{"priceAmt":1000,"ptxid":"first-1"}'
   (Ctrl-C stops it.)
4. Install the service (systemd or SysV init; it starts at boot):
     sudo termd service install --config /etc/termd/termd.yaml --dry-run
     sudo termd service install --config /etc/termd/termd.yaml
     sudo termd service start
     termd service status
The journal and termd.log are in /var/lib/termd (dataDir).
EOF
  fi
}

run mkdir -p dist
for target in "${targets[@]}"; do
  goos=${target%/*} goarch=${target#*/}
  case "$goos" in windows|linux) ;; *) echo "release.sh: $target: only windows and linux" >&2; exit 2 ;; esac
  ext=""; [ "$goos" = windows ] && ext=".exe"
  name="termd-$version-$goos-$goarch"
  stage="dist/$name"
  echo "== $name" >&2
  run rm -rf "$stage"
  run mkdir -p "$stage"
  for cmd in termd termctl; do
    run env CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" \
      go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$stage/$cmd$ext" "./cmd/$cmd"
  done
  run cp scripts/termd.example.yaml "$stage/termd.example.yaml"
  if [ "$dry" = 1 ]; then echo "(write $stage/INSTALL.txt)"; else install_text "$goos" > "$stage/INSTALL.txt"; fi
  if [ "$goos" = windows ]; then
    if command -v zip >/dev/null; then
      run sh -c "cd dist && rm -f '$name.zip' && zip -qr '$name.zip' '$name'"
    else
      run sh -c "cd dist && python3 -m zipfile -c '$name.zip' '$name'"
    fi
  else
    run tar -C dist -czf "dist/$name.tar.gz" "$name"
  fi
  run rm -rf "$stage"
done
if [ "$dry" = 0 ]; then
  (cd dist && sha256sum termd-"$version"-* > "SHA256SUMS-$version")
  ls -l dist/termd-"$version"-* >&2
fi
