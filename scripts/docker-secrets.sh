#!/bin/sh
# Creates the secret files docker-compose.yml mounts (./secrets, readable by you only), with a
# random PostgreSQL password and admin API key; leaves existing files alone. Prints the key.
set -eu
cd "$(dirname "$0")/.."
umask 077
mkdir -p secrets
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
[ -s secrets/postgres_password ] || random > secrets/postgres_password
[ -s secrets/database_url ] || printf 'postgresql://postgres:%s@postgres:5432/missions\n' "$(cat secrets/postgres_password)" > secrets/database_url
[ -s secrets/bootstrap_admin_key ] || random > secrets/bootstrap_admin_key
echo "secrets in ./secrets; admin API key: $(cat secrets/bootstrap_admin_key)"
