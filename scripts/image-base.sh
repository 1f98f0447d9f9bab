#!/usr/bin/env bash
# The base filesystem of Halo's images, from Debian's packages: the C library and Debian's base
# files, extracted (not installed: no maintainer script runs, so no shell is needed in the image,
# and none is shipped), a dpkg status that lists them for image scanners, and the non-root user
# 65532. The Java runtime (scripts/image-jre.sh) and the jars go on top.
#
# Usage: scripts/image-base.sh DIR   (as root; needs mmdebstrap and dpkg-deb)
# DEBIAN_SUITE (default bookworm) picks the release; DEBIAN_MIRROR, when set, is passed to
# mmdebstrap as its mirror (a URL, or a sources.list file); unset, mmdebstrap uses Debian's own
# mirror and adds the release's updates and security suites.
set -euo pipefail

out=${1:?usage: scripts/image-base.sh DIR}
suite=${DEBIAN_SUITE:-bookworm}
packages=base-files,libc6
uid=65532

mirrors=()
if [[ -n ${DEBIAN_MIRROR:-} ]]; then
  mirrors=("$DEBIAN_MIRROR")
fi

# The extract variant unpacks the packages and their dependencies and runs none of their scripts.
# Its extract hook sees the downloaded .debs: their control fields become the dpkg status that
# scanners (and dpkg-query --admindir) read to know what the image carries.
# shellcheck disable=SC2016 # $1 is expanded by mmdebstrap's hook, not here
status_hook='for deb in "$1"/var/cache/apt/archives/*.deb; do
  dpkg-deb --field "$deb"; echo "Status: install ok installed"; echo
done > "$1"/var/lib/dpkg/status'

rm -rf "$out"
mmdebstrap --quiet --variant=extract --include="$packages" \
  --extract-hook="$status_hook" "$suite" "$out" "${mirrors[@]}"

cd "$out"
# The build host's name and resolver are no part of the image: the container runtime provides
# both, and /dev, at run time.
rm -f etc/hostname etc/resolv.conf
find dev -mindepth 1 -delete
rm -rf var/cache/apt/* var/lib/apt/lists/* var/log/* etc/apt/apt.conf.d/99mmdebstrap

cat > etc/passwd <<PASSWD
root:x:0:0:root:/root:/usr/sbin/nologin
halo:x:$uid:$uid:halo:/home/halo:/usr/sbin/nologin
PASSWD
cat > etc/group <<GROUP
root:x:0:
halo:x:$uid:
GROUP
# glibc resolves names through files, then DNS (Kubernetes mounts /etc/hosts and resolv.conf).
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > etc/nsswitch.conf
mkdir -p home/halo tmp
chown "$uid:$uid" home/halo
chmod 0750 home/halo
chmod 1777 tmp
