#!/usr/bin/env bash
# Reproduces the security scans recorded in docs/security.md:
#   bandit over app/, then wapiti3 and sqlmap against a throw-away instance with demo data that
#   listens on 127.0.0.1 only. Nothing but 127.0.0.1 is ever scanned; wapiti's remote endpoints,
#   crash reports and update checks are switched off.
#
#   bench/security_scan.sh            all three (about 25–40 minutes on 2 cores)
#   SCANS="bandit" bench/security_scan.sh     only some: any of bandit wapiti sqlmap
#
# The scanners live in their own venv (SCAN_VENV, default /tmp/scan-venv), not in the project's
# dependencies. Results go to SCAN_DIR (default /tmp/scc-scan): bandit.txt, wapiti.json,
# wapiti.txt, sqlmap/<target>.log and summary.txt.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${PORT:-5077}
HOST=127.0.0.1  # fixed on purpose: the scanners are pointed at this machine and nothing else
BASE="http://$HOST:$PORT"
SCAN_DIR=${SCAN_DIR:-/tmp/scc-scan}
SCAN_VENV=${SCAN_VENV:-/tmp/scan-venv}
SCANS=${SCANS:-"bandit wapiti sqlmap"}
WAPITI_SECONDS=${WAPITI_SECONDS:-900}    # whole wapiti run (crawl + attacks)
WAPITI_ATTACK_SECONDS=${WAPITI_ATTACK_SECONDS:-60}  # per attack module (17 modules)
SQLMAP_SECONDS=${SQLMAP_SECONDS:-600}    # per sqlmap target
SQLMAP_JOBS=${SQLMAP_JOBS:-3}            # sqlmap targets run side by side
SQLMAP_ONLY=${SQLMAP_ONLY:-}             # e.g. "profile login": only these targets
DEMO_PASSWORD=${DEMO_PASSWORD:-smartcity-demo}
PY=$ROOT/.venv/bin/python
FLASK="$ROOT/.venv/bin/flask --app wsgi"

BANDIT_VERSION=1.9.4
WAPITI_VERSION=3.2.3
SQLMAP_VERSION=1.10.10

log() { printf '\n== %s\n' "$*" | tee -a "$SCAN_DIR/summary.txt"; }
wants() { [[ " $SCANS " == *" $1 "* ]]; }

rm -rf "$SCAN_DIR"
mkdir -p "$SCAN_DIR/sqlmap" "$SCAN_DIR/files" "$SCAN_DIR/mail"
: > "$SCAN_DIR/summary.txt"

# -- scanners, in their own venv ------------------------------------------------------------------
if [ ! -x "$SCAN_VENV/bin/sqlmap" ] || [ ! -x "$SCAN_VENV/bin/wapiti" ] || [ ! -x "$SCAN_VENV/bin/bandit" ]; then
    python3 -m venv "$SCAN_VENV"
    "$SCAN_VENV/bin/pip" install --quiet --upgrade pip
    "$SCAN_VENV/bin/pip" install --quiet "bandit==$BANDIT_VERSION" "wapiti3==$WAPITI_VERSION" "sqlmap==$SQLMAP_VERSION"
fi
"$SCAN_VENV/bin/pip" list 2>/dev/null | grep -Ei '^(bandit|wapiti3|sqlmap) ' | tee -a "$SCAN_DIR/summary.txt"

# -- bandit ---------------------------------------------------------------------------------------
if wants bandit; then
    log "bandit -r app/"
    "$SCAN_VENV/bin/bandit" -r app/ -f txt -o "$SCAN_DIR/bandit.txt" >/dev/null 2>&1
    echo "bandit exit status $? (0: no findings)" | tee -a "$SCAN_DIR/summary.txt"
    sed -n '/^Run metrics:/,/^Files skipped/p' "$SCAN_DIR/bandit.txt" | tee -a "$SCAN_DIR/summary.txt"
fi

wants wapiti || wants sqlmap || { echo "done: $SCAN_DIR/summary.txt"; exit 0; }

# -- a throw-away instance with demo data (like `make db`, in its own database) ----------------------
export APP_ENV=development
export DATABASE_URL="sqlite:///$SCAN_DIR/campus.sqlite3"
export FILE_STORAGE_DIR="$SCAN_DIR/files" MAIL_DIR="$SCAN_DIR/mail"
export SECRET_KEY
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
export BASE_URL="$BASE" COURSES_AUTO_RELOAD=0 DEMO_PASSWORD
# The scanners send thousands of login and reset requests: the rate limits (tested elsewhere)
# would answer most of them with 429 and hide what the form does with the input.
export LOGIN_RATE_LIMIT="100000 per minute" PASSWORD_RESET_RATE_LIMIT="100000 per minute" VERIFY_RATE_LIMIT="100000 per minute" \
  API_TOKEN_RATE_LIMIT="100000 per minute" API_ADDRESS_RATE_LIMIT="100000 per minute"

log "instance: $DATABASE_URL on $BASE"
$FLASK db upgrade >"$SCAN_DIR/setup.log" 2>&1
# tables of features whose migration is not written yet (create_all adds only what is missing)
"$PY" -c 'from app import create_app; from app.extensions import db
app = create_app()
with app.app_context(): db.create_all()' >>"$SCAN_DIR/setup.log" 2>&1
$FLASK courses import courses/ >>"$SCAN_DIR/setup.log" 2>&1
$FLASK demo seed >>"$SCAN_DIR/setup.log" 2>&1 || { cat "$SCAN_DIR/setup.log"; exit 1; }
# A graduate with a certificate, so that the verify page has a real "valid" answer to compare with.
CERTIFICATE=$("$PY" - <<'PYTHON' 2>>"$SCAN_DIR/setup.log"
from sqlalchemy import select
from app import create_app
from app.accounts.models import Role
from app.accounts.services import create_user
from app.catalogue.models import Module
from app.certificates.models import Certificate
from app.cohorts.models import Cohort, Enrolment
from app.demo import DEMO_COHORT
from app.extensions import db
from app.progress.services import complete_item, initialise_enrolment, required_items

app = create_app()
with app.app_context(), app.test_request_context():
    user = create_user("absolvent@example.org", "Alex Absolvent", Role.LEARNER, app.config["DEMO_PASSWORD"])
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
    enrolment = Enrolment(user=user, cohort=cohort)
    db.session.add(enrolment)
    db.session.flush()
    initialise_enrolment(enrolment)
    for module_id, items in sorted(required_items(cohort.course).items()):
        for item_type, item_id in sorted(items, key=lambda i: (i[0].value, i[1])):
            complete_item(enrolment, item_type, item_id, db.session.get(Module, module_id))
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    db.session.commit()
    print(certificate.number, certificate.code)
PYTHON
)
read -r CERT_NUMBER CERT_CODE <<<"$CERTIFICATE"
[ -n "${CERT_CODE:-}" ] || { echo "no demo certificate"; cat "$SCAN_DIR/setup.log"; exit 1; }

$FLASK run --host "$HOST" --port "$PORT" >"$SCAN_DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null' EXIT
for _ in $(seq 60); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 1
done
curl -fs "$BASE/healthz" >/dev/null || { echo "server did not start"; cat "$SCAN_DIR/server.log"; exit 1; }

# The session cookie of a demo account, by logging in through the form (CSRF token included).
session_cookie() {
    local jar="$SCAN_DIR/jar-$1" token
    token=$(curl -s -c "$jar" -b "$jar" "$BASE/anmelden" | grep -o 'name="csrf_token" type="hidden" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
    curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
        --data-urlencode "email=$1" --data-urlencode "password=$DEMO_PASSWORD" "$BASE/anmelden"
    # A page with a form puts the CSRF secret into the session: wapiti sends this cookie unchanged,
    # and without the secret every form it submits would be refused with 400 before any check.
    curl -s -o /dev/null -c "$jar" -b "$jar" "$BASE/profil"
    awk '$6 == "scc_session" { print $7 }' "$jar" | tail -1
}
LEARNER=$(session_cookie learner@example.org)
ADMIN=$(session_cookie admin@example.org)
AGENCY=$(session_cookie agency@example.org)
status=$(curl -s -o /dev/null -w '%{http_code}' -b "scc_session=$LEARNER" "$BASE/lernstand")
[ "$status" = 200 ] || { echo "demo learner login failed ($status)"; exit 1; }

# -- wapiti ---------------------------------------------------------------------------------------
if wants wapiti; then
    # Modules that need no host but ours (ssrf/xxe/log4shell report to a remote endpoint, wapp and
    # nikto download databases, ssl/takeover look beyond the app: all left out).
    MODULES=xss,permanentxss,sql,timesql,exec,file,redirect,crlf,csrf,upload,ldap,http_headers,cookieflags,csp,methods,backup,htaccess
    log "wapiti ($WAPITI_SECONDS s) as the demo learner"
    # wapiti checks --max-scan-time between steps; the outer bound leaves room for every module
    timeout $((WAPITI_SECONDS + 17 * WAPITI_ATTACK_SECONDS + 600)) "$SCAN_VENV/bin/wapiti" -u "$BASE/" --scope folder -m "$MODULES" \
        -C "scc_session=$LEARNER" -x "$BASE/abmelden" -x "$BASE/meine-daten/loeschen" -x "$BASE/sprache" \
        --max-scan-time "$WAPITI_SECONDS" --max-attack-time "$WAPITI_ATTACK_SECONDS" -d 6 --max-links-per-page 60 \
        --endpoint "http://127.0.0.1:9/" --no-bugreport --flush-session --store-session "$SCAN_DIR/wapiti-session" \
        -f json -o "$SCAN_DIR/wapiti.json" -v 1 >"$SCAN_DIR/wapiti.log" 2>&1
    echo "wapiti exit status $?" | tee -a "$SCAN_DIR/summary.txt"
    "$PY" - "$SCAN_DIR/wapiti.json" <<'EOF' | tee "$SCAN_DIR/wapiti.txt" | tee -a "$SCAN_DIR/summary.txt"
import json, sys
report = json.load(open(sys.argv[1]))
info = report.get("infos", {})
print(f"crawled {info.get('crawled_pages_nbr', '?')} pages; target {info.get('target')}")
for section in ("vulnerabilities", "anomalies", "additionals"):
    for name, items in sorted(report.get(section, {}).items()):
        for item in items:
            print(f"{section[:-1]}: {name}: {item.get('method')} {item.get('path')} {item.get('parameter') or ''} – {item.get('info')}")
EOF
fi

# -- sqlmap ---------------------------------------------------------------------------------------
SQLMAP_NAMES=()
SQLMAP_PIDS=()
sqlmap_target() {  # name cookie url [extra sqlmap options…] — runs in the background, SQLMAP_JOBS at a time
    local name=$1 cookie=$2 url=$3
    shift 3
    [ -z "$SQLMAP_ONLY" ] || [[ " $SQLMAP_ONLY " == *" $name "* ]] || return 0
    local auth=()
    [ -n "$cookie" ] && auth=(--cookie "scc_session=$cookie")
    while [ "$(for pid in "${SQLMAP_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && echo "$pid"; done | wc -l)" -ge "$SQLMAP_JOBS" ]; do
        sleep 2
    done
    # --dbms SQLite: the scanned instance runs on SQLite; the payloads of other databases only cost time
    ( timeout "$SQLMAP_SECONDS" "$SCAN_VENV/bin/sqlmap" -u "$url" "${auth[@]}" "$@" --batch --level 3 --risk 2 \
        --dbms SQLite --threads 1 --time-sec 2 --flush-session --output-dir "$SCAN_DIR/sqlmap/out-$name" \
        --disable-coloring >"$SCAN_DIR/sqlmap/$name.log" 2>&1
      echo $? >"$SCAN_DIR/sqlmap/$name.rc" ) &
    SQLMAP_PIDS+=($!)
    SQLMAP_NAMES+=("$name")
}

sqlmap_verdict() {
    local name=$1 code verdict
    code=$(cat "$SCAN_DIR/sqlmap/$name.rc" 2>/dev/null || echo "?")
    if grep -q "is vulnerable\|sqlmap identified the following injection point" "$SCAN_DIR/sqlmap/$name.log"; then
        verdict="INJECTABLE"
    elif grep -q "all tested parameters do not appear to be injectable" "$SCAN_DIR/sqlmap/$name.log"; then
        verdict="not injectable (all tested parameters)"
    elif [ "$code" = 124 ]; then
        verdict="time bound of ${SQLMAP_SECONDS}s reached; no injection found up to then"
    else
        verdict="exit $code; see sqlmap/$name.log"
    fi
    printf '%-22s %s\n' "$name" "$verdict" | tee -a "$SCAN_DIR/summary.txt"
}

if wants sqlmap; then
    log "sqlmap --level 3 --risk 2 (${SQLMAP_SECONDS} s per target)"
    CSRF=(--csrf-token csrf_token)
    sqlmap_target verify-query "$LEARNER" "$BASE/verify?number=$CERT_NUMBER&code=$CERT_CODE" --ignore-code 404
    sqlmap_target verify-path "$LEARNER" "$BASE/verify/$CERT_CODE*" --ignore-code 404
    sqlmap_target course-path "$LEARNER" "$BASE/kurse/smart-city-manager*"
    sqlmap_target directory "$LEARNER" "$BASE/netzwerk?land=12&topic=open+data"
    sqlmap_target profile "$LEARNER" "$BASE/profil" --data "name=Lena+Lernende&municipality=Potsdam&district_ags=12054&position=IT&csrf_token=x" \
        "${CSRF[@]}" --csrf-url "$BASE/profil" --skip csrf_token
    sqlmap_target login "" "$BASE/anmelden" --data "email=learner%40example.org&password=$DEMO_PASSWORD&csrf_token=x" \
        "${CSRF[@]}" --csrf-url "$BASE/anmelden" --skip csrf_token --ignore-code 401
    sqlmap_target forgot-password "" "$BASE/passwort-vergessen" --data "email=learner%40example.org&csrf_token=x" \
        "${CSRF[@]}" --csrf-url "$BASE/passwort-vergessen" --skip csrf_token
    # admin searches (LIKE queries), with the demo admin's cookie
    sqlmap_target admin-users "$ADMIN" "$BASE/admin/benutzer?q=lena&rolle=learner&seite=1"
    sqlmap_target audit-log "$ADMIN" "$BASE/admin/protokoll?action=login&page=1"
    # the agency's filters (period, Land, district, course, cohort) and the register
    sqlmap_target reporting "$AGENCY" "$BASE/berichte?von=2026-01-01&bis=2027-12-31&land=12&kreis=12054&kurs=1&kohorte=1&raster=month"
    sqlmap_target register "$AGENCY" "$BASE/berichte/register?kreis=12054&seite=1"
    wait "${SQLMAP_PIDS[@]}"
    for name in "${SQLMAP_NAMES[@]}"; do sqlmap_verdict "$name"; done
fi

echo
echo "done: $SCAN_DIR/summary.txt"
