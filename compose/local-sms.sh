#!/bin/sh
# Local try-out (`--profile local`, demo enabled): text Nudge as the demo
# person, the way Twilio would (a signed webhook to sms-router), and list what
# Nudge sent (the fake Twilio's Messages). Needs curl and openssl.
#
#   compose/local-sms.sh send "remind me to call mom at 5pm"
#   compose/local-sms.sh sent
#
# Reads compose/.env. SMS_FROM and SMS_TO default to the demo person and
# Nudge number; SMS_ROUTER and FAKE_TWILIO to the published ports.
set -eu

env_file="$(dirname "$0")/.env"
[ -f "$env_file" ] || { echo "no $env_file: see compose/README.md" >&2; exit 1; }
setting() { sed -n "s/^$1=//p" "$env_file" | tail -n 1; }
sid=$(setting NUDGE__TWILIO__ACCOUNT_SID)
token=$(setting NUDGE__TWILIO__AUTH_TOKEN)
public=$(setting NUDGE__TWILIO__PUBLIC_BASE_URL)
from=${SMS_FROM:-+15145550100}
to=${SMS_TO:-+15145550199}

case "${1:-}" in
send)
    body=${2:?usage: $0 send "message"}
    message_sid="SM$(openssl rand -hex 16)"
    # Twilio signs the public URL followed by each parameter's name and value,
    # sorted by name: HMAC-SHA1 with the auth token, in base64.
    signature=$(printf '%s' "${public%/}/twilio/smsAccountSid${sid}Body${body}From${from}MessageSid${message_sid}To${to}" |
        openssl dgst -sha1 -hmac "$token" -binary | openssl base64)
    curl -sS --fail-with-body -H "X-Twilio-Signature: $signature" \
        --data-urlencode "AccountSid=$sid" --data-urlencode "Body=$body" --data-urlencode "From=$from" \
        --data-urlencode "MessageSid=$message_sid" --data-urlencode "To=$to" \
        "${SMS_ROUTER:-http://127.0.0.1:8003}/twilio/sms"
    echo
    ;;
sent)
    curl -sS --fail-with-body -u "$sid:$token" \
        "${FAKE_TWILIO:-http://127.0.0.1:8099}/2010-04-01/Accounts/$sid/Messages.json"
    echo
    ;;
*)
    echo "usage: $0 send \"message\" | $0 sent" >&2
    exit 2
    ;;
esac
