# The container runtime's part of a pod, for a process on this machine (run by root, as
#   unshare --mount --propagation private sh -c "$(cat pod-sandbox.sh)" pod TMP_BYTES WORKDIR UID GID COMMAND...):
# in the fresh mount namespace every mount becomes read-only (readOnlyRootFilesystem), except the
# kernel's own (/proc, /sys, /dev and below, as a container has them); /tmp becomes an empty tmpfs
# of TMP_BYTES owned by group GID (the emptyDir with fsGroup); then COMMAND runs in WORKDIR as
# UID:GID with no supplementary groups, no capabilities and no_new_privs
# (capabilities drop ALL, allowPrivilegeEscalation: false). The process keeps this shell's pid
# (exec), so a signal sent to it reaches COMMAND.
set -eu
tmp_bytes=$1 workdir=$2 uid=$3 gid=$4
shift 4
# findmnt -r escapes blanks in a target (\x20), so one target is one word
for target in $(findmnt -rno TARGET); do
  case "$target" in
    /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) ;;
    *) mount -o remount,bind,ro "$target" ;;
  esac
done
mount -t tmpfs -o "size=$tmp_bytes,mode=2777,gid=$gid" emptydir /tmp
cd "$workdir"
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@"
