# tests/as_user.sh - run a command as an unprivileged user, independent of
# where the checkout lives. Source it, then:
#   ft_as_user_prepare DIR     copy what the run needs (the TSan suppressions)
#                              into DIR, a directory of the test's own
#   ft_as_user USER CMD...     run CMD as USER in a private mount namespace
#                              in which the checkout and the build tree are
#                              hidden (empty tmpfs mounted over them)
# Hiding them makes a test that depends on the checkout's permissions fail
# the same way in every clone, readable by others or not (a clone under
# /root or in a mode-0700 directory is the usual case). Everything CMD needs
# must be in DIR (or installed on the system), and DIR must be readable by
# USER: ft_as_user checks that and fails loudly otherwise. FT_AS_USER_NETNS,
# when set, names a network namespace to run CMD in.
# Commands run as another user only through ft_as_user: scripts/check.sh
# fails when a test switches user any other way.

ft_as_user_prepare() {
	local dir=$1 supp
	chmod 755 "$dir"
	FT_AS_USER_DIR=$dir
	FT_AS_USER_TSAN=${TSAN_OPTIONS:-}
	supp=$(printf '%s\n' "${TSAN_OPTIONS:-}" | tr ' :' '\n\n' | sed -n 's/^suppressions=//p')
	if [ -n "$supp" ]; then
		cp "$supp" "$dir/tsan.supp"
		chmod 644 "$dir/tsan.supp"
		FT_AS_USER_TSAN=$(printf '%s\n' "$TSAN_OPTIONS" | sed "s|suppressions=[^ :]*|suppressions=$dir/tsan.supp|")
	fi
}

# ft_as_user USER CMD... (the command replaces the shell: "$!" of
# "ft_as_user ... &" is the process that becomes CMD)
ft_as_user() {
	local user=$1
	shift
	local uid gid hide="" p
	uid=$(id -u "$user") && gid=$(id -g "$user") || { echo "as_user: no user $user" >&2; return 1; }
	[ -n "${FT_AS_USER_DIR:-}" ] || { echo "as_user: call ft_as_user_prepare first" >&2; return 1; }
	for p in "$FT_AS_USER_DIR" "$@"; do
		case $p in
		/*) [ -e "$p" ] || continue ;;
		*) continue ;;
		esac
		if ! setpriv --reuid="$uid" --regid="$gid" --clear-groups test -r "$p"; then
			echo "as_user: $p is not readable by $user: the test depends on where it runs" >&2
			return 1
		fi
	done
	# The build tree first: it is often inside the checkout, which hides it.
	for p in "${FT_BUILD_DIR:-}" "${FT_SOURCE_DIR:-}"; do
		[ -n "$p" ] && [ -d "$p" ] && hide="$hide $p"
	done
	# shellcheck disable=SC2016
	local exec_sh='for d in $FT_HIDE; do mount -t tmpfs -o size=4k,mode=000 ft-hidden "$d" || exit 97; done
		exec setpriv --reuid="$FT_UID" --regid="$FT_GID" --clear-groups "$@"'
	local netns=()
	[ -n "${FT_AS_USER_NETNS:-}" ] && netns=(ip netns exec "$FT_AS_USER_NETNS")
	FT_HIDE=$hide FT_UID=$uid FT_GID=$gid TSAN_OPTIONS=$FT_AS_USER_TSAN \
		exec "${netns[@]}" unshare -m --propagation private sh -c "$exec_sh" sh "$@"
}
