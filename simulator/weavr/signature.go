package weavr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// ErrBadSignature is what VerifySignature's errors wrap: the delivery is
// not one Weavr signed with this key.
var ErrBadSignature = errors.New("weavr: webhook signature does not verify")

// Sign sets the headers Weavr puts on every webhook delivery, so a
// receiver written against Weavr verifies the sandbox's deliveries
// unchanged (Weavr's webhooks document, parameters call-ref,
// published-timestamp, signature and signature-v2):
//
//   - call-ref: callRef, the call's id (the same on every retry);
//   - published-timestamp: published in epoch milliseconds;
//   - signature-v2: base64(HMAC-SHA256(key = secret, message = callRef +
//     body + published-timestamp)), the three concatenated with no
//     separator;
//   - signature (deprecated, still sent): base64(HMAC-SHA256(key = secret,
//     message = published-timestamp));
//   - Content-Type: application/json.
//
// secret is the programme's API key. It is the Sign of the vendor's
// contract.Webhooks.
func Sign(h http.Header, callRef string, body []byte, published time.Time, secret string) {
	ts := strconv.FormatInt(published.UnixMilli(), 10)
	h.Set("Content-Type", "application/json")
	h.Set("call-ref", callRef)
	h.Set("published-timestamp", ts)
	h.Set("signature-v2", mac(secret, []byte(callRef), body, []byte(ts)))
	h.Set("signature", mac(secret, []byte(ts)))
}

// VerifySignature checks a delivery as a Weavr receiver does: h's
// signature-v2 against call-ref, body and published-timestamp, and the
// deprecated signature against published-timestamp, both with secret (the
// programme's API key). The error, wrapping ErrBadSignature, names the
// header that fails. It does not judge the timestamp's age: a receiver
// that refuses stale deliveries compares published-timestamp with its own
// clock.
func VerifySignature(h http.Header, body []byte, secret string) error {
	ts := h.Get("published-timestamp")
	if _, err := strconv.ParseUint(ts, 10, 63); err != nil {
		return fmt.Errorf("%w: published-timestamp %q is not epoch milliseconds", ErrBadSignature, ts)
	}
	if !hmac.Equal([]byte(h.Get("signature-v2")), []byte(mac(secret, []byte(h.Get("call-ref")), body, []byte(ts)))) {
		return fmt.Errorf("%w: signature-v2 is not HMAC-SHA256(call-ref + body + published-timestamp)", ErrBadSignature)
	}
	if !hmac.Equal([]byte(h.Get("signature")), []byte(mac(secret, []byte(ts)))) {
		return fmt.Errorf("%w: signature is not HMAC-SHA256(published-timestamp)", ErrBadSignature)
	}
	return nil
}

// mac is base64(HMAC-SHA256(key, the parts concatenated)).
func mac(key string, parts ...[]byte) string {
	m := hmac.New(sha256.New, []byte(key))
	for _, p := range parts {
		m.Write(p)
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
