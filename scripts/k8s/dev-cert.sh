#!/usr/bin/env bash
# A self-signed development CA and a certificate for movieweb.local and api.movieweb.local,
# stored as the TLS Secret the chart's Ingresses (and Gateway) use.
#   scripts/k8s/dev-cert.sh [namespace] [secret-name]
# Files go to .data/dev-cert/ (git-ignored); the CA is made once and reused, so you trust it
# once: add .data/dev-cert/ca.crt to your browser or system trust store.
set -euo pipefail
namespace="${1:-movieweb}"
secret="${2:-movieweb-tls}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$repo/.data/dev-cert"
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"

if [[ ! -f ca.key ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -keyout ca.key -out ca.crt -subj "/CN=Movieweb development CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
if [[ ! -f tls.crt ]] || ! openssl x509 -checkend 86400 -noout -in tls.crt >/dev/null; then
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tls.key -out tls.csr \
    -subj "/CN=movieweb.local" 2>/dev/null
  cat > tls.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:movieweb.local,DNS:api.movieweb.local,DNS:*.movieweb.local
EXT
  openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 397 \
    -extfile tls.ext -out tls.crt 2>/dev/null
  rm -f tls.csr tls.ext
fi
chmod 600 ./*.key

if command -v kubectl >/dev/null && kubectl version --request-timeout=5s >/dev/null 2>&1; then
  kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$namespace" create secret tls "$secret" --cert=tls.crt --key=tls.key \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  echo "dev-cert: Secret $namespace/$secret is up to date"
else
  echo "dev-cert: no cluster reachable; certificate in $dir"
fi
echo "dev-cert: trust $dir/ca.crt to browse https://movieweb.local without warnings"
