#!/bin/bash
# systest.sh GROUPRISE.DEB -- boot Debian 12 with systemd as PID 1 in systemd-nspawn, install
# the package the way an administrator would (nginx, Postfix, preseeded answers) and check
# the site, mail in and out, restarts and an upgrade under load, purge and reinstall; then the
# same install switched to PostgreSQL, an upgrade from the Django grouprise, and Apache with
# Exim. Prints "N passed, N failed"; exits 1 on a failure.
# Needs root on Debian 12 (the host needs no systemd). The base image is cached in
# $SYSTEST_DIR/cache (default /var/cache/grouprise-systest) and rebuilt when missing.
# SYSTEST_SCENARIOS="sqlite postgres django apache" (the default: all) chooses scenarios.
set -euo pipefail

DEB=$(readlink -f "$1")
WORK=${SYSTEST_DIR:-/var/cache/grouprise-systest}
CACHE=$WORK/cache
LOG=$WORK/log
MIRROR=${SYSTEST_MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian)}
# The package's dependencies and what the checks use, baked into the image: the install
# inside runs offline.
BASE_PKGS=systemd,systemd-sysv,dbus,apt,ca-certificates,adduser,debconf,libjs-leaflet,nginx-light,postfix,swaks,curl,procps,iproute2,sqlite3,postgresql,postgresql-client
# The Apache and Exim scenario's packages, downloaded into the image (/srv/extra-debs): Exim
# and Postfix exclude each other, and Apache would take nginx's port.
EXTRA_PKGS="apache2 libapache2-mod-xsendfile exim4-daemon-light"
SCENARIOS=${SYSTEST_SCENARIOS:-sqlite postgres django apache}
KEY=$(echo "bookworm $MIRROR $BASE_PKGS $EXTRA_PKGS v5" | sha256sum | cut -c1-12)
TARBALL=$CACHE/rootfs-$KEY.tar.zst
DOMAIN=grouprise.test
mkdir -p "$CACHE" "$LOG"
: > "$LOG/checks.log"
: > "$LOG/install.log"

missing=""
for t in systemd-nspawn:systemd-container debootstrap:debootstrap zstd:zstd nsenter:util-linux dpkg-deb:dpkg pgrep:procps; do
    command -v "${t%%:*}" >/dev/null || missing="$missing ${t##*:}"
done
if [ -n "$missing" ]; then
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
fi

started=$(date +%s)
if [ ! -s "$TARBALL" ]; then
    B=$(mktemp -d "$WORK/build.XXXX")
    echo "systest: building the Debian 12 image once ($BASE_PKGS)"
    debootstrap --variant=minbase --include="$BASE_PKGS" bookworm "$B" "$MIRROR" > "$LOG/debootstrap.log" 2>&1 \
        || { tail -20 "$LOG/debootstrap.log"; exit 1; }
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" > "$B/etc/apt/sources.list"
    echo systest > "$B/etc/hostname"
    [ -s "$B/etc/resolv.conf" ] || cp /etc/resolv.conf "$B/etc/resolv.conf"
    { chroot "$B" apt-get clean && chroot "$B" apt-get update -q && chroot "$B" env DEBIAN_FRONTEND=noninteractive apt-get install -d -y -q \
        --no-install-recommends $EXTRA_PKGS; } > "$LOG/extra-debs.log" 2>&1 || { tail -20 "$LOG/extra-debs.log"; exit 1; }
    mkdir -p "$B/srv/extra-debs"
    mv "$B"/var/cache/apt/archives/*.deb "$B/srv/extra-debs/"
    chroot "$B" apt-get clean
    rm -rf "$B"/var/lib/apt/lists/*
    chmod 0755 "$B"
    tar -C "$B" --numeric-owner -cf - . | zstd -q -T0 -3 -o "$TARBALL.tmp" && mv "$TARBALL.tmp" "$TARBALL"
    rm -rf "$B"
    # images of earlier package lists are of no further use
    find "$CACHE" -maxdepth 1 -name 'rootfs-*.tar.zst' ! -name "rootfs-$KEY.tar.zst" -delete
    echo "systest: image built in $(( $(date +%s) - started )) s"
fi

# The previous build for the upgrade: this package with a lower version.
PREV=$WORK/grouprise_previous.deb
P=$(mktemp -d "$WORK/prev.XXXX")
dpkg-deb -R "$DEB" "$P"
sed -i 's/^Version: .*/Version: 0.0~systest/' "$P/DEBIAN/control"
dpkg-deb -Zxz -b "$P" "$PREV" >/dev/null
rm -rf "$P"

# The relying party of the OIDC check: a static program on a real OIDC client library.
OIDCLOGIN=$WORK/oidclogin
(cd "$(dirname "$0")/../.." && CGO_ENABLED=0 "$(command -v go || echo /usr/local/go/bin/go)" build -o "$OIDCLOGIN" ./debian/tests/oidclogin)

# nspawn brings up the loopback device of a private network namespace only with CAP_NET_ADMIN.
# Inside a container without it (fresh-machine), the test containers share this machine's
# network instead, which then must have the ports of nginx, Postfix and PostgreSQL free.
NETWORK=--private-network
capbnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
if (( ((16#$capbnd) >> 12 & 1) == 0 )); then
    NETWORK=""
    for port in 80 25 5432; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "systest: no CAP_NET_ADMIN here for a private network, and port $port is taken"
            exit 1
        fi
    done
    echo "systest: no CAP_NET_ADMIN here; the containers share this machine's network"
fi

PASSED=0
FAILED=0
# check NAME COMMAND...: run a check, count and report it.
check() {
    local name=$1
    shift
    echo "== $name" >> "$LOG/checks.log"
    if "$@" >> "$LOG/checks.log" 2>&1; then
        PASSED=$((PASSED + 1))
        echo "ok     $name"
    else
        FAILED=$((FAILED + 1))
        echo "FAILED $name (see $LOG/checks.log)"
    fi
}

NSPID=""
ROOT=""
stop() {
    idle
    if [ -n "$NSPID" ] && kill -0 "$NSPID" 2>/dev/null; then
        kill -TERM "$NSPID"
        for _ in $(seq 1 100); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$NSPID" 2>/dev/null && kill -KILL "$NSPID"
        wait "$NSPID" 2>/dev/null || true
    fi
    NSPID=""
    if [ -n "$ROOT" ] && [ -z "${SYSTEST_KEEP:-}" ]; then rm -rf "$ROOT"; fi
}
trap stop EXIT

# boot NAME: a fresh root from the image, booted; IN runs a command inside.
boot() {
    ROOT=$WORK/root-$1
    rm -rf "$ROOT"
    mkdir -p "$ROOT"
    zstd -dc "$TARBALL" | tar -C "$ROOT" --numeric-owner -xf -
    # the image's / came from a mktemp directory (0700): daemons running as their own
    # users could not reach anything
    chmod 0755 "$ROOT"
    mkdir -p "$ROOT/srv/debs"
    cp "$DEB" "$ROOT/srv/debs/grouprise.deb"
    cp "$PREV" "$ROOT/srv/debs/grouprise_previous.deb"
    setsid systemd-nspawn -D "$ROOT" --boot --register=no --keep-unit $NETWORK \
        --console=passive --machine="grouprise-$1" > "$LOG/nspawn-$1.log" 2>&1 < /dev/null &
    NSPID=$!
    LEADER=""
    for _ in $(seq 1 100); do
        LEADER=$(pgrep -P "$NSPID" -x systemd || true)
        [ -n "$LEADER" ] && break
        sleep 0.1
    done
    if [ -z "$LEADER" ]; then
        cat "$LOG/nspawn-$1.log"
        echo "systest: the container did not start"
        exit 1
    fi
    local state=""
    for _ in $(seq 1 150); do
        state=$(IN systemctl is-system-running --wait 2>/dev/null) && break
        case "$state" in running | degraded) break ;; esac
        sleep 0.2
    done
    case "$state" in running | degraded) ;; *) echo "systest: the container did not boot ($state)"; exit 1 ;; esac
}
IN() { nsenter -t "$LEADER" -a "$@"; }
SH() { nsenter -t "$LEADER" -a /bin/sh -ec "$1"; }

want() { [[ " $SCENARIOS " == *" $1 "* ]]; }

preseed() { # [WEBSERVER MTA]
    SH "debconf-set-selections <<EOF
grouprise grouprise/domain string $DOMAIN
grouprise grouprise/configure-webserver select ${1:-nginx}
grouprise grouprise/configure-mta select ${2:-postfix}
grouprise grouprise/https boolean false
EOF"
}

install_deb() {
    SH "DEBIAN_FRONTEND=noninteractive apt-get install -y -q $1" >> "$LOG/install.log" 2>&1
}

purge() {
    SH "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q grouprise" >> "$LOG/install.log" 2>&1
}

# curl through nginx with the site's name.
CURL="curl -sS --max-time 30 -H 'Host: $DOMAIN'"

status_is() { # PATH CODE [CURL-OPTIONS]
    local got
    got=$(SH "$CURL ${3:-} -o /dev/null -w '%{http_code}' http://127.0.0.1$1")
    echo "GET $1: $got"
    [ "$got" = "$2" ]
}

page_has() { # PATH TEXT [CURL-OPTIONS]
    local page # whole, not piped: grep -q would end the pipe early and fail it (pipefail)
    page=$(SH "$CURL ${3:-} http://127.0.0.1$1")
    grep -qF "$2" <<< "$page"
}

wait_for() { # SECONDS COMMAND...
    local until=$(($(date +%s) + $1))
    shift
    while ! "$@"; do
        [ "$(date +%s)" -lt "$until" ] || return 1
        sleep 0.5
    done
}

JAR=/root/cookies
login() { # [USERNAME PASSWORD]
    local code
    code=$(SH "rm -f $JAR; $CURL -c $JAR -b $JAR -o /dev/null -w '%{http_code}' -H 'Origin: http://$DOMAIN' \
        --data-urlencode login=${1:-anna} --data-urlencode password=${2:-anna-password-1} http://127.0.0.1/stadt/login/")
    echo "login: $code"
    [ "$code" = 303 ] && status_is /stadt/settings/ 200 "-b $JAR"
}

units_active() { # [exim]
    local lmtp=/var/spool/postfix/private/grouprise-lmtp group=postfix
    [ "${1:-}" != exim ] || { lmtp=/run/grouprise/lmtp.sock; group=Debian-exim; }
    IN systemctl is-active grouprise-web.socket grouprise-lmtpd.socket grouprise-tasks.service grouprise-tasks.socket
    # the chat bot is installed, not enabled (it needs its configuration first)
    SH '[ "$(systemctl is-enabled grouprise-matrix-commander.service)" = disabled ]'
    SH "test -S /run/grouprise/web.sock && test -S $lmtp"
    SH 'stat -c "%U %G %a" /run/grouprise/web.sock | grep -qx "_grouprise www-data 660"'
    SH "stat -c '%U %G %a' $lmtp | grep -qx '_grouprise $group 660'"
}

static_files() {
    local headers
    headers=$(SH "$CURL -D - -o /dev/null http://127.0.0.1/stadt/static/css/grouprise.css")
    echo "$headers"
    grep -qi '^HTTP/1.1 200' <<< "$headers" && grep -qi '^cache-control: public.*immutable' <<< "$headers"
}

upload_and_download() {
    SH "printf '%%PDF-1.4\n%%%%EOF\n' > /root/plan.pdf"
    local location file
    location=$(SH "$CURL -b $JAR -H 'Origin: http://$DOMAIN' -o /dev/null -w '%{redirect_url}' \
        -F title=Gartenplan -F 'file=@/root/plan.pdf;filename=Gartenplan.pdf' http://127.0.0.1/garten/files/add/")
    echo "upload: $location"
    case "$location" in */garten/gartenplan/) ;; *) return 1 ;; esac
    file=$(SH "$CURL -b $JAR http://127.0.0.1/garten/gartenplan/" | grep -o '/-/files/[a-z0-9]*\.pdf' | head -n 1)
    echo "file: $file"
    [ -n "$file" ]
    SH "$CURL -b $JAR -D /root/headers -o /root/got.pdf http://127.0.0.1$file && cmp /root/plan.pdf /root/got.pdf"
    SH 'grep -i "^content-disposition: attachment; filename=Gartenplan.pdf" /root/headers'
    # internal content: an anonymous visitor is sent to the login
    status_is "$file" 302
}

send_mail() { # SUBJECT [MESSAGE-ID]
    SH "swaks --server 127.0.0.1 --to garten@$DOMAIN --from anna@mail.test --header 'Subject: $1' \
        --header 'Message-Id: <${2:-$RANDOM.$RANDOM}@mail.test>' --body 'Grüße aus dem Systest' >/dev/null"
}

conversation_arrives() { # SUBJECT
    send_mail "$1"
    wait_for 30 page_has /stadt/groups/1/conversations/ "$1" "-b $JAR"
}

notification_leaves() { # SUBJECT
    wait_for 60 SH "grep -q 'Subject: .*$1' /var/mail/anna"
}

mail_queue_empty() {
    SH 'if command -v exim4 >/dev/null; then [ "$(exim4 -bpc)" = 0 ]; else mailq | grep -q "Mail queue is empty"; fi'
}

conversations_named() { # PATTERN COUNT
    SH "[ \"\$(sqlite3 /var/lib/grouprise/grouprise.sqlite3 \"SELECT COUNT(*) FROM conversations WHERE subject LIKE '$1'\")\" = $2 ]"
}

# Two busy loops for the host's two cores while a check runs: restarts must hold on a busy
# machine too (a slow start makes requests wait, it must not refuse them).
BUSY=""
busy() { for _ in 1 2; do (while :; do :; done) & BUSY="$BUSY $!"; done; }
idle() {
    [ -n "${BUSY:-}" ] || return 0 # (a bare `wait` would wait for the container too)
    kill $BUSY 2>/dev/null || true
    wait $BUSY 2>/dev/null || true
    BUSY=""
}

restart_under_load() {
    busy
    SH "rm -f /root/codes; for i in \$(seq 1 150); do $CURL -o /dev/null -w '%{http_code}\n' http://127.0.0.1/ >> /root/codes; done" &
    local web=$!
    (for i in $(seq 1 12); do send_mail "Neustart $i" "restart$i"; sleep 0.2; done) &
    local mails=$!
    for _ in 1 2 3; do
        sleep 1
        IN systemctl restart grouprise-web grouprise-lmtpd
    done
    wait "$web"
    wait "$mails"
    idle
    echo "HTTP answers: $(SH 'sort /root/codes | uniq -c')"
    if [ "$(SH 'grep -c "^200$" /root/codes')" != 150 ]; then
        web_diagnostics
        return 1
    fi
    mail_arrived 'Neustart %' 12
}

# web_diagnostics: what the web server and the web daemon said, for a refused request.
web_diagnostics() {
    SH 'tail -n 20 /var/log/nginx/error.log 2>/dev/null; tail -n 20 /var/log/apache2/error.log 2>/dev/null
        journalctl -q --no-pager -n 40 -u grouprise-web.service -u grouprise-web.socket' || true
}

# mail_arrived PATTERN COUNT: COUNT conversations match PATTERN within a minute, and the
# MTA's queue is empty; else what is missing and what waits in the queue.
mail_arrived() {
    if wait_for 60 conversations_named "$1" "$2" && wait_for 30 mail_queue_empty; then
        return 0
    fi
    SH "sqlite3 /var/lib/grouprise/grouprise.sqlite3 \"SELECT subject FROM conversations WHERE subject LIKE '$1'\"" || true
    SH 'mailq; journalctl -q --no-pager -n 30 -u grouprise-lmtpd; tail -n 30 /var/log/exim4/mainlog 2>/dev/null || true' || true
    return 1
}

# A reinstall of the package (an upgrade to the same version: backup, migrate, restart of
# the daemons) while four clients send requests and mail flows, on a busy machine: at least
# 300 requests during the upgrade, all answered with 200, every mail a conversation, and a
# new web daemon afterwards.
upgrade_under_load() {
    local before after ok=0
    before=$(IN systemctl show -p MainPID --value grouprise-web)
    busy
    SH "rm -f /root/upcodes /root/upgraded
        for client in 1 2 3 4; do
            while [ ! -e /root/upgraded ]; do $CURL -o /dev/null -w '%{http_code}\n' http://127.0.0.1/ >> /root/upcodes; done &
        done
        wait" &
    local web=$!
    (for i in $(seq 1 8); do send_mail "Upgrade $i" "upgrade$i"; sleep 0.5; done) &
    local mails=$!
    sleep 1
    local during
    during=$(SH 'wc -l < /root/upcodes')
    SH "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall /srv/debs/grouprise.deb" >> "$LOG/install.log" 2>&1 \
        || { echo "the reinstall failed"; ok=1; }
    during=$(( $(SH 'wc -l < /root/upcodes') - during ))
    SH 'touch /root/upgraded'
    wait "$web"
    wait "$mails"
    idle
    after=$(IN systemctl show -p MainPID --value grouprise-web)
    echo "HTTP answers: $(SH 'sort /root/upcodes | uniq -c'); $during during the upgrade; web daemon $before, then $after"
    if [ "$(SH 'grep -vc "^200$" /root/upcodes || true')" != 0 ]; then
        ok=1
        web_diagnostics
    fi
    [ "$during" -ge 300 ] || { echo "too few requests during the upgrade"; ok=1; }
    [ "$after" != 0 ] && [ "$after" != "$before" ] || { echo "the web daemon was not restarted"; ok=1; }
    mail_arrived 'Upgrade %' 8 || ok=1
    return $ok
}

# The optional features as an operator turns them on: maps (Leaflet from libjs-leaflet
# through nginx) and the metrics sockets of the daemons.
optional_features() {
    SH 'printf "enabled: true\n" | grouprise settings set geo
        printf "listen: /run/grouprise-metrics/{daemon}.sock\n" | grouprise settings set metrics
        systemctl restart grouprise-web grouprise-lmtpd grouprise-tasks'
    status_is /javascript/leaflet/leaflet.js 200
    page_has /garten/ /javascript/leaflet/leaflet.js
    for d in web lmtpd tasks; do
        wait_for 20 SH "test -S /run/grouprise-metrics/$d.sock" || { echo "no metrics socket for $d"; return 1; }
        SH "curl -sS --unix-socket /run/grouprise-metrics/$d.sock http://localhost/metrics" > "$LOG/metrics-$d.txt"
        grep -q "^grouprise_build_info{.*daemon=\"$d\"" "$LOG/metrics-$d.txt" || { echo "metrics of $d:"; head "$LOG/metrics-$d.txt"; return 1; }
    done
    grep -q '^grouprise_http_requests_total{' "$LOG/metrics-web.txt"
    grep -q '^grouprise_jobs{state="waiting"}' "$LOG/metrics-tasks.txt"
}

# With activitypub.enabled the web server passes WebFinger, the group's actor (the same
# address as its page, asked for as ActivityPub) and the inbox through to the daemon (#21);
# browsers still get the page, and an unsigned inbox POST is refused.
federation() {
    SH 'printf "enabled: true\n" | grouprise settings set activitypub && systemctl restart grouprise-web'
    local jrd actor page code
    jrd=$(SH "$CURL -D - 'http://127.0.0.1/.well-known/webfinger?resource=acct:garten@$DOMAIN'")
    echo "$jrd"
    grep -qi '^content-type: application/jrd+json' <<< "$jrd" && grep -q "\"subject\":\"acct:garten@$DOMAIN\"" <<< "$jrd" \
        && grep -q '"rel":"self"' <<< "$jrd" || return 1
    actor=$(SH "$CURL -D - -H 'Accept: application/activity+json' http://127.0.0.1/garten/")
    echo "$actor" | head -20
    grep -qi '^content-type: application/activity+json' <<< "$actor" && grep -qi '^vary:.*accept' <<< "$actor" \
        && grep -q '"type":"Group"' <<< "$actor" && grep -q '"inbox":"' <<< "$actor" && grep -q '"publicKeyPem":"' <<< "$actor" || return 1
    page=$(SH "$CURL -D - http://127.0.0.1/garten/")
    grep -qi '^content-type: text/html' <<< "$page" || { echo "the page for browsers is not HTML"; return 1; }
    code=$(SH "$CURL -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/activity+json' --data '{}' http://127.0.0.1/garten/-/inbox")
    echo "unsigned POST to the inbox: $code"
    [ "$code" = 401 ]
}

# An OIDC client (a wiki) registered by the operator logs anna in through nginx: discovery,
# login, consent, code with PKCE, ID token against the published keys, userinfo; again after
# the signing key was rotated.
oidc_login() {
    SH 'printf "enabled: true\n" | grouprise settings set oidc_provider
        grep -q " grouprise.test" /etc/hosts || echo "127.0.0.1 grouprise.test" >> /etc/hosts
        systemctl restart grouprise-web'
    local secret
    secret=$(SH 'grouprise oidc client add wiki --name Wiki --redirect-uri http://wiki.test/callback' | awk '/^client_secret:/ {print $2}')
    [ -n "$secret" ] || { echo "no client secret"; return 1; }
    cp "$OIDCLOGIN" "$ROOT/usr/local/bin/oidclogin"
    SH "oidclogin http://$DOMAIN/stadt/oauth wiki $secret http://wiki.test/callback anna anna-password-1"
    # the daemon made the signing key in its data path, readable by the service only
    SH 'stat -c "%U %a" /var/lib/grouprise/oidc/*.pem | grep -qx "_grouprise 640"'
    SH 'grouprise oidc rotate-key && [ "$(ls /var/lib/grouprise/oidc/*.pem | wc -l)" = 2 ] && stat -c %U /var/lib/grouprise/oidc/*.pem | sort -u | grep -qx _grouprise'
    SH "oidclogin http://$DOMAIN/stadt/oauth wiki $secret http://wiki.test/callback anna anna-password-1 > /dev/null"
}

# mode PATH WANT: the octal mode of PATH is WANT.
mode() {
    local got
    got=$(SH "stat -c %a $1")
    echo "$1: $got"
    [ "$got" = "$2" ]
}

# The database, its WAL, keys, backups and media are the service's: local accounts read
# none of them, the web server's group only the media (and passes through the data
# directory to them without listing it). Every line must hold (check runs this inside an
# if, where errexit is off).
private_files() {
    SH 'ls -la /var/lib/grouprise /var/lib/grouprise/media /var/backups/grouprise'
    mode /var/lib/grouprise 710 || return 1
    SH '[ "$(stat -c "%U %G" /var/lib/grouprise)" = "_grouprise www-data" ]' || return 1
    mode /var/lib/grouprise/media 2750 || return 1
    SH '[ "$(stat -c %G /var/lib/grouprise/media)" = www-data ]' || return 1
    mode /var/lib/grouprise/grouprise.sqlite3 640 || return 1
    SH 'for f in /var/lib/grouprise/grouprise.sqlite3-wal /var/lib/grouprise/grouprise.sqlite3-shm; do
            [ ! -e "$f" ] || [ "$(stat -c %a "$f")" = 640 ] || { echo "$f: $(stat -c %a "$f")"; exit 1; }
        done' || return 1
    mode /var/lib/grouprise/oidc 750 || return 1
    mode /var/backups/grouprise 750 || return 1
    SH 'ls /var/backups/grouprise/grouprise-* >/dev/null || exit 1
        for f in /var/backups/grouprise/grouprise-*; do
            [ "$(stat -c %a "$f")" = 640 ] || { echo "$f: $(stat -c %a "$f")"; exit 1; }
        done' || return 1
    SH 'open=$(find /var/lib/grouprise /var/backups/grouprise ! -type l -perm /o=rwx)
        [ -z "$open" ] || { echo "open to others: $open"; exit 1; }' || return 1
    SH 'odd=$(find /var/lib/grouprise/media ! -type l \( ! -group www-data -o -type f ! -perm 640 -o -type d ! -perm 2750 \))
        [ -z "$odd" ] || { echo "media not 0640/2750 of www-data: $odd"; exit 1; }' || return 1
    SH 'f=$(find /var/lib/grouprise/media -type f | head -n 1)
        [ -n "$f" ] || exit 1
        runuser -u www-data -- test -r "$f" || { echo "www-data cannot read $f"; exit 1; }' || return 1
    SH 'if runuser -u www-data -- test -r /var/lib/grouprise/grouprise.sqlite3; then echo "www-data reads the database"; exit 1; fi
        if runuser -u www-data -- ls /var/lib/grouprise >/dev/null 2>&1; then echo "www-data lists the data directory"; exit 1; fi
        if runuser -u anna -- test -r /var/lib/grouprise/grouprise.sqlite3; then echo "anna reads the database"; exit 1; fi
        if runuser -u anna -- ls /var/lib/grouprise/media >/dev/null 2>&1; then echo "anna lists the media"; exit 1; fi
        if runuser -u anna -- ls /var/backups/grouprise >/dev/null 2>&1; then echo "anna lists the backups"; exit 1; fi'
}

umbrella_restart() {
    SH 'systemctl is-enabled grouprise.service && systemctl is-active grouprise.service' || return 1
    status_is / 200 || return 1 # the web daemon runs
    SH 'pids() { for u in grouprise-web grouprise-tasks; do systemctl show -p MainPID --value $u; done; }
        before=$(pids)
        case " $before " in *" 0 "*) echo "a daemon does not run: $before"; exit 1;; esac
        systemctl restart grouprise
        after=$(pids)
        echo "main PIDs before: $before; after: $after"
        for p in $before; do case " $after " in *" $p "*) echo "PID $p was not restarted"; exit 1;; esac; done' || return 1
    status_is / 200
}

maintenance_mode() {
    local ok=0
    SH 'touch /etc/grouprise/maintenance_mode'
    page_has / "Gleich wieder da" || { echo "no maintenance page with maintenance_mode"; ok=1; }
    status_is / 503 || ok=1
    SH 'rm /etc/grouprise/maintenance_mode'
    status_is / 200 || { echo "still in maintenance after maintenance_mode was removed"; ok=1; }
    return $ok
}

maintenance() {
    IN systemctl stop grouprise-web.socket grouprise-web.service
    local ok=0
    page_has / "Gleich wieder da" || { echo "no maintenance page"; ok=1; }
    status_is / 503 || ok=1
    IN systemctl start grouprise-web.socket
    # back within seconds (the first connection starts the daemon)
    if ! wait_for 10 status_is / 200; then
        ok=1
        SH 'systemctl status --no-pager grouprise-web.socket grouprise-web.service; tail -n 20 /var/log/nginx/error.log' || true
    fi
    return $ok
}

# The backup directory explains itself from the first installation on (D3).
backup_readme() {
    SH 'grep -q "grouprise restore" /var/backups/grouprise/README'
}

# The site's own files at /-/site/, from /var/lib/grouprise/site-data (D9).
site_data() {
    SH 'test -s /var/lib/grouprise/site-data/README && echo "site-data-$$" > /var/lib/grouprise/site-data/systest.txt'
    local headers
    headers=$(SH "$CURL -D - http://127.0.0.1/-/site/systest.txt")
    echo "$headers"
    SH 'rm /var/lib/grouprise/site-data/systest.txt'
    grep -qi '^HTTP/1.1 200' <<< "$headers" && grep -q '^site-data-' <<< "$headers" \
        && grep -qi '^cache-control: public, no-cache' <<< "$headers"
}

# dbshell answers on the configured database, as root and as the service user (D16).
dbshell() {
    SH 'echo "select 40+2;" | grouprise dbshell | grep -x " *42"'
    SH 'echo "select 40+2;" | runuser -u _grouprise -- grouprise dbshell | grep -x " *42"'
}

# Anybody but root and _grouprise is refused, with exit status 1 and one line (D16).
others_refused() {
    local args out code
    for args in "user list" dbshell migrate check; do
        code=0
        # shellcheck disable=SC2086 # the words of the command
        out=$(IN runuser -u anna -- grouprise $args < /dev/null 2>&1) || code=$?
        echo "grouprise $args as anna: exit $code: $out"
        [ "$code" = 1 ] && [ "$(wc -l <<< "$out")" = 1 ] && grep -q 'only root and' <<< "$out" || return 1
    done
}

# maintenance_mode in the configuration: the daemon's own 503 page (D14).
maintenance_key() {
    local ok=0
    SH 'echo true | grouprise settings set maintenance_mode && systemctl restart grouprise-web'
    page_has / "Die Seite wird gerade gewartet" || { echo "no maintenance page with maintenance_mode: true"; ok=1; }
    status_is / 503 || ok=1
    SH 'echo false | grouprise settings set maintenance_mode && systemctl restart grouprise-web'
    status_is / 200 || { echo "still in maintenance after maintenance_mode: false"; ok=1; }
    return $ok
}

purged() {
    SH '! getent passwd _grouprise'
    SH '[ ! -e /etc/grouprise ] && [ ! -e /var/lib/grouprise ] && [ ! -e /etc/nginx/sites-enabled/grouprise ]'
    SH '[ -z "$(systemctl list-unit-files "grouprise*" --no-legend)" ]'
    SH '! postconf -h transport_maps | grep -q grouprise'
    SH 'ls /var/backups/grouprise/grouprise-*.sqlite3'
}

if want sqlite; then
echo "systest: SQLite, nginx, Postfix"
boot sqlite
preseed
SH 'useradd -m anna && postconf -e "mydestination = \$myhostname, localhost, mail.test" && systemctl reload postfix'
check "install the previous build" install_deb /srv/debs/grouprise_previous.deb
SH 'printf "anna-password-1\n" | grouprise user create --username anna --email anna@mail.test --password-stdin && grouprise group create --name Garten --creator anna' >> "$LOG/checks.log" 2>&1
check "upgrade to this build" install_deb /srv/debs/grouprise.deb
check "the upgrade copied the database" SH 'ls /var/backups/grouprise/grouprise-*.sqlite3'
check "units active, sockets owned by the web server's and the MTA's group" units_active
check "the start page through nginx" status_is / 200
check "the group page keeps its data" page_has /garten/ Garten
check "a login" login
check "a static file served by nginx" static_files
check "an upload, its download through nginx, refused to an outsider" upload_and_download
check "mail to the group address becomes a conversation" conversation_arrives "Systest Hallo"
check "the notification leaves through Postfix" notification_leaves "Systest Hallo"
check "restarts under load lose no request and no mail" restart_under_load
check "an upgrade under load refuses no request and loses no mail" upgrade_under_load
check "grouprise check" SH 'grouprise check'
check "maps and metrics when an operator turns them on" optional_features
check "WebFinger, the group's actor and its inbox through nginx when federation is on" federation
check "an OIDC client completes a login against the installed package" oidc_login
check "database, WAL, keys, backups and media closed to local accounts; media readable by the web server" private_files
check "systemd-analyze verify accepts the units" SH 'systemd-analyze verify --man=no /lib/systemd/system/grouprise-*.socket /lib/systemd/system/grouprise-*.service /lib/systemd/system/grouprise.service && [ -s /usr/share/man/man8/grouprise.8.gz ]'
check "systemctl restart grouprise restarts every running daemon" umbrella_restart
check "the maintenance page while the daemon is down" maintenance
check "the maintenance page while /etc/grouprise/maintenance_mode exists" maintenance_mode
check "the daemon's maintenance page with maintenance_mode: true" maintenance_key
check "the backup directory has its README" backup_readme
check "/-/site/ serves the site data through nginx" site_data
check "grouprise dbshell answers on SQLite" dbshell
check "other users than root and _grouprise are refused with exit 1" others_refused
check "purge" purge
check "purge leaves no unit, user or configuration" purged
check "reinstall" install_deb /srv/debs/grouprise.deb
check "the start page after reinstalling" status_is / 200
stop
fi

if want postgres; then
echo "systest: PostgreSQL"
boot postgres
preseed
SH 'useradd -m anna && postconf -e "mydestination = \$myhostname, localhost, mail.test" && systemctl reload postfix'
# What `apt install postgresql` leaves on a machine (debootstrap's chroot made no cluster).
SH '[ -d /etc/postgresql/15/main ] || pg_createcluster 15 main >/dev/null; systemctl start postgresql@15-main' >> "$LOG/checks.log" 2>&1
check "install" install_deb /srv/debs/grouprise.deb
check "switch to PostgreSQL as README.Debian says" SH '
    runuser -u postgres -- createuser _grouprise
    runuser -u postgres -- createdb --owner=_grouprise grouprise
    printf "engine: postgresql\nname: grouprise\n" | grouprise settings set database
    runuser -u _grouprise -- grouprise migrate
    systemctl restart grouprise-web grouprise-lmtpd grouprise-tasks
    printf "anna-password-1\n" | grouprise user create --username anna --email anna@mail.test --password-stdin
    grouprise group create --name Garten --creator anna
    grouprise check'
check "the start page on PostgreSQL" status_is / 200
check "a login on PostgreSQL" login
check "grouprise dbshell answers on PostgreSQL" dbshell
check "mail becomes a conversation on PostgreSQL" conversation_arrives "Hallo PostgreSQL"
check "upgrade on PostgreSQL takes a pg_dump" SH 'dpkg-reconfigure -f noninteractive grouprise 2>&1; ls /var/backups/grouprise/*.pgdump'
check "the pg_dump is closed to others" SH 'for f in /var/backups/grouprise/*.pgdump; do [ "$(stat -c %a "$f")" = 640 ] || { echo "$f: $(stat -c %a "$f")"; exit 1; }; done'
stop
fi

if want django; then
echo "systest: upgrade from the Django grouprise"
FIXTURE=$(dirname "$0")/../../internal/djangoimport/testdata
boot django
preseed
# What the Django grouprise's package leaves behind: its user, its configuration, its SQLite
# database and media (a real site written by grouprise 5.5).
SH 'addgroup --system _grouprise >/dev/null && adduser --system --ingroup _grouprise --home /var/lib/grouprise \
        --no-create-home --disabled-password _grouprise >/dev/null
    mkdir -p /etc/grouprise/conf.d /var/lib/grouprise/media /var/backups/grouprise
    printf "secret_key: \x27django-secret-key-of-the-old-site-0123456789\x27\ndomain: grouprise.test\nbackup_path: /var/backups/grouprise\nfile_download_backend: nginx\n" \
        > /etc/grouprise/conf.d/100-package.yaml
    chown root:_grouprise /etc/grouprise/conf.d/100-package.yaml && chmod 0640 /etc/grouprise/conf.d/100-package.yaml
    useradd -m bob && postconf -e "mydestination = \$myhostname, localhost, example.org" && systemctl reload postfix'
cp "$FIXTURE/django-grouprise-5.5.sqlite3" "$ROOT/var/lib/grouprise/grouprise.sqlite3"
cp "$FIXTURE"/django-grouprise-5.5-media/* "$ROOT/var/lib/grouprise/media/"
SH 'chown -R _grouprise:_grouprise /var/lib/grouprise /var/backups/grouprise && chmod -R u+rwX,go+rX /var/lib/grouprise'

django_converted() {
    SH 'ls /var/lib/grouprise/grouprise.sqlite3.django-*'
    SH '[ "$(sqlite3 /var/lib/grouprise/grouprise.sqlite3 "SELECT COUNT(*) FROM contributions")" = 23 ]'
}

imported_download() {
    local file
    file=$(SH "$CURL http://127.0.0.1/fahrradwerkstatt/preisliste-ersatzteile/" | grep -o '/-/files/[a-z0-9]*\.pdf' | head -n 1)
    echo "file: $file"
    [ "$file" = /-/files/wbb4dzubxc8lkupn.pdf ]
    SH "$CURL -o /root/got.pdf http://127.0.0.1$file && cmp /root/got.pdf /var/lib/grouprise/media/wbb4dzubxc8lkupn.pdf"
}

old_reply_address() {
    # bob's reply address from a notification mail the Django grouprise sent
    SH "swaks --server 127.0.0.1 --to reply+lb3g7sfn113wlnp@$DOMAIN --from bob@example.org \
        --header 'Subject: Re: Gießplan' --header 'Message-Id: <old-reply@example.org>' --body 'Antwort auf eine alte Mail' >/dev/null"
    wait_for 30 SH '[ "$(sqlite3 /var/lib/grouprise/grouprise.sqlite3 "SELECT COUNT(*) FROM contributions WHERE content_id = 17")" = 5 ]'
}

check "install over the Django grouprise's data" install_deb /srv/debs/grouprise.deb
check "its database converted in place, the original kept beside" django_converted
check "old pages keep their addresses" page_has /stadtgarten/giessplan-fuer-den-sommer/ "Gießplan für den Sommer 2027"
check "an old account logs in with its old password" login alice peer-password
check "an imported file downloads through nginx" imported_download
check "an old notification's reply address still works" old_reply_address
check "the Django grouprise's files closed to others, its media given to the web server's group" SH '
    ls -la /var/lib/grouprise /var/lib/grouprise/media
    [ "$(stat -c "%a %G" /var/lib/grouprise)" = "710 www-data" ] || exit 1
    [ "$(stat -c "%a %G" /var/lib/grouprise/media)" = "2750 www-data" ] || exit 1
    open=$(find /var/lib/grouprise /var/backups/grouprise ! -type l -perm /o=rwx)
    [ -z "$open" ] || { echo "open to others: $open"; exit 1; }
    [ -z "$(find /var/lib/grouprise/media ! -group www-data)" ] || exit 1
    for f in /var/lib/grouprise/grouprise.sqlite3 /var/lib/grouprise/grouprise.sqlite3.django-*; do
        [ "$(stat -c %a "$f")" = 640 ] || { echo "$f: $(stat -c %a "$f")"; exit 1; }
    done'
stop
fi

if want apache; then
echo "systest: SQLite, Apache, Exim"
boot apache
preseed apache2 exim4

# What an administrator who runs Apache and Exim has: nginx and Postfix replaced, Exim as
# Debian sets it up (local delivery, its single configuration file), mail.test local.
apache_and_exim() {
    SH 'export DEBIAN_FRONTEND=noninteractive
        apt-get purge -y -q nginx-light nginx-common postfix
        apt-get install -y -q --no-install-recommends /srv/extra-debs/*.deb
        sed -i "s/^dc_other_hostnames=.*/dc_other_hostnames='"'systest:mail.test'"'/" /etc/exim4/update-exim4.conf.conf
        update-exim4.conf && systemctl restart exim4
        useradd -m anna
        systemctl is-active apache2 exim4'
}

exim_routes() {
    SH 'grep -x "dc_use_split_config='"'true'"'" /etc/exim4/update-exim4.conf.conf'
    SH 'grep "^dc_relay_domains=" /etc/exim4/update-exim4.conf.conf | grep -q grouprise.test'
    local routes
    routes=$(SH 'exim4 -bt garten@grouprise.test reply+abc@grouprise.test')
    echo "$routes"
    [ "$(grep -c "transport = grouprise_lmtp" <<< "$routes")" = 2 ]
}

# Exim's RCPT checks, as for a mail from another host on the internet (exim4 -bh runs the
# SMTP session's checks without delivering).
exim_accepts_from_outside() {
    local session
    session=$(SH "printf 'EHLO mail.example.org\r\nMAIL FROM:<bob@example.org>\r\nRCPT TO:<garten@$DOMAIN>\r\nQUIT\r\n' | exim4 -bh 192.0.2.25 2>/dev/null")
    grep -v "^>>>" <<< "$session"
    grep -q "^250 Accepted" <<< "$session"
}

xsendfile() {
    SH 'grep -x "file_download_backend: apache" /etc/grouprise/conf.d/100-package.yaml'
    upload_and_download
}

purged_exim() {
    SH '[ ! -e /etc/exim4/conf.d/router/190_grouprise ] && [ ! -e /etc/exim4/conf.d/main/00_grouprise ]'
    SH '! grep "^dc_relay_domains=" /etc/exim4/update-exim4.conf.conf | grep -q grouprise.test'
    SH 'update-exim4.conf && exim4 -bV >/dev/null && systemctl is-active exim4'
    SH '[ ! -e /etc/apache2/sites-enabled/grouprise.conf ] && apache2ctl configtest'
}

check "Apache, Exim and mod_xsendfile in place of nginx and Postfix" apache_and_exim
check "install" install_deb /srv/debs/grouprise.deb
SH 'printf "anna-password-1\n" | grouprise user create --username anna --email anna@mail.test --password-stdin && grouprise group create --name Garten --creator anna' >> "$LOG/checks.log" 2>&1
check "Exim reads the split configuration and routes the domain to grouprise" exim_routes
check "Exim accepts mail for the domain from other hosts" exim_accepts_from_outside
check "units active, sockets owned by the web server's and the MTA's group" units_active exim
check "the start page through Apache" status_is / 200
check "a login through Apache" login
check "a static file served by Apache" static_files
check "an upload, its download by X-Sendfile, refused to an outsider" xsendfile
check "mail through Exim becomes a conversation" conversation_arrives "Exim Hallo"
check "the notification leaves through Exim" notification_leaves "Exim Hallo"
check "restarts under load lose no request and no mail (Apache, Exim)" restart_under_load
check "an upgrade under load refuses no request and loses no mail (Apache, Exim)" upgrade_under_load
check "Apache's maintenance page while the daemon is down" maintenance
check "Apache's maintenance page while /etc/grouprise/maintenance_mode exists" maintenance_mode
check "WebFinger, the group's actor and its inbox through Apache when federation is on" federation
check "/-/site/ serves the site data through Apache" site_data
check "purge" purge
check "purge takes grouprise out of Exim and Apache" purged_exim
stop
fi

echo "systest: $PASSED passed, $FAILED failed ($(( $(date +%s) - started )) s)"
[ "$FAILED" = 0 ]
