package main

// The image is FROM scratch: no /etc/ssl/certs. Mozilla's root set, as
// the Go team publishes it, is what crypto/x509 falls back to when the
// system has none, so webhooks to https receivers verify in the container
// (a mounted /etc/ssl/certs/ca-certificates.crt or SSL_CERT_FILE still
// wins: the fallback is used only where no system roots are found).
import _ "golang.org/x/crypto/x509roots/fallback"
