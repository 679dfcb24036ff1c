// Package weavr simulates Weavr Multi's consumer API (PATCH /multi/consumers
// and what a client needs around it: login, GET, email verification), the
// consumer onboarding journey (create, email send and verify, password,
// KYC start and status, logout), Weavr's sandbox simulator for consumer
// KYC, and the webhooks Weavr sends about consumers (KYC status,
// activation, deactivation) with its signing rule, as described in
// Weavr's documentation of consumers, webhooks and onboarding, and in its
// published OpenAPI documents.
package weavr

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/ratelimit"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// Vendor is the vendor's name in operation ids, catalog names and sessions.
const Vendor = "weavr"

// Settings are the points where the vendor's behaviour is configurable,
// because Weavr does not publish them or they differ between environments.
type Settings struct {
	// Consumers is the number of generated consumers besides the fixtures.
	Consumers int
	// RateLimit is enforced per api-key; empty means off.
	RateLimit ratelimit.Spec
	// TokenTTL: tokens expire this long after their last use (Weavr: 5 min).
	TokenTTL time.Duration
	// EmailChangeWindow blocks a second email change (TOO_FREQUENT_EMAIL_CHANGES);
	// Weavr does not publish its length.
	EmailChangeWindow time.Duration
	// MobileChangeWindow blocks mobile changes after a verified email change or
	// password reset when SMS OTP is enrolled (24 h in Weavr's production).
	MobileChangeWindow time.Duration
	// MobileChangeLimit is how many changes to a different number are allowed
	// before MOBILE_NO_CHANGE_LIMIT_EXCEEDED (3 seen in Weavr's QA suite).
	MobileChangeLimit int
	// CountryCodeMaxLength is mobile.countryCode's maximum length: 4 in the
	// vendor document, the live service accepted up to 6.
	CountryCodeMaxLength int
	// AccessTokenTTL: access tokens (POST /access_token) expire this long
	// after their last use. Weavr says only that the lifetime differs from
	// the auth token's; its value is not published.
	AccessTokenTTL time.Duration
	// OTPExpiry: an SMS one-time password (enrolment, step-up) expires
	// this long after it was sent (Weavr: 5 minutes).
	OTPExpiry time.Duration
	// OTPAttempts is how many wrong codes end a challenge (the last one is
	// CHALLENGE_LIMIT_EXCEEDED, the one before ONE_CHALLENGE_LIMIT_REMAINING);
	// Weavr says only that attempts are limited.
	OTPAttempts int
	// LostPasswordExpiry: a lost-password nonce expires this long after
	// lostPasswordInitiate (410 TOKEN_EXPIRED); not published by Weavr.
	LostPasswordExpiry time.Duration
	// StrictUnknownFields refuses request properties the request schema
	// does not name, at any depth (a wrongly-cased known name included,
	// since names are case-sensitive): 400 BadRequestError with one
	// invalidFields entry per unknown property, params the path of its
	// parent objects and fieldName its name as sent (e.g. params
	// ["address"], fieldName "Cityy"), listed before the rules' entries.
	// The error kind is IN: the document's invalidFields error enum has no
	// "unknown field" kind, and IN (a value outside the allowed set) is the
	// closest documented one, the property's name being outside the
	// schema's set of names (NOT_IN says the opposite: a value in a
	// forbidden set). Off by default: Weavr ignores unknown properties.
	StrictUnknownFields bool
}

// DefaultRateLimit is Weavr's published limit: 100/minute, 1,000/hour, 10,000/day.
func DefaultRateLimit() ratelimit.Spec {
	return ratelimit.Spec{{Limit: 100, Size: time.Minute}, {Limit: 1000, Size: time.Hour}, {Limit: 10000, Size: 24 * time.Hour}}
}

// DefaultSettings are the vendor's documented values.
func DefaultSettings() Settings {
	return Settings{
		Consumers:            1000,
		RateLimit:            DefaultRateLimit(),
		TokenTTL:             5 * time.Minute,
		EmailChangeWindow:    24 * time.Hour,
		MobileChangeWindow:   24 * time.Hour,
		MobileChangeLimit:    3,
		CountryCodeMaxLength: 4,
		AccessTokenTTL:       5 * time.Minute,
		OTPExpiry:            5 * time.Minute,
		OTPAttempts:          3,
		LostPasswordExpiry:   24 * time.Hour,
	}
}

// maxConsumers bounds --consumers: consumers are made on first use, but
// the store keeps one slot per consumer.
const maxConsumers = 1_000_000

func (s Settings) validate() error {
	switch {
	case s.Consumers < 0 || s.Consumers > maxConsumers:
		return fmt.Errorf("weavr: consumers must be 0-%d, got %d", maxConsumers, s.Consumers)
	case s.TokenTTL <= 0:
		return fmt.Errorf("weavr: token TTL must be positive, got %s", s.TokenTTL)
	case s.EmailChangeWindow < 0 || s.MobileChangeWindow < 0:
		return fmt.Errorf("weavr: change windows must not be negative")
	case s.MobileChangeLimit < 1:
		return fmt.Errorf("weavr: mobile change limit must be >= 1, got %d", s.MobileChangeLimit)
	case s.AccessTokenTTL <= 0 || s.OTPExpiry <= 0 || s.LostPasswordExpiry <= 0:
		return fmt.Errorf("weavr: access token TTL, OTP expiry and lost-password expiry must be positive")
	case s.OTPAttempts < 2:
		return fmt.Errorf("weavr: OTP attempts must be >= 2, got %d", s.OTPAttempts)
	case s.CountryCodeMaxLength < 2:
		return fmt.Errorf("weavr: country code max length must be >= 2, got %d", s.CountryCodeMaxLength)
	}
	return nil
}

// Options are the dependencies of a Service.
type Options struct {
	Settings     Settings
	Seed         int64
	Fixtures     fs.FS // holds weavr.yaml
	Clock        clock.Clock
	MaxBodyBytes int64 // larger request bodies are 413 PAYLOAD_TOO_LARGE (default 1 MiB)
	// Events takes the webhooks Weavr sends (KYC status changes, consumer
	// deactivation and activation), each after its change is stored; nil
	// drops them (contract.Discard). The sandbox passes its Env.Events.
	Events contract.Publisher
}

// Service is the Weavr simulator: immutable seeded data and configuration
// shared by every session, plus the handlers.
type Service struct {
	settings Settings
	clock    clock.Clock
	maxBody  int64
	events   contract.Publisher
	data     *dataset
	defs     []apierr.Def        // indexed by Code
	worldKey session.Key[*World] // this Service's state in each session

	refPrefix string
	refSeq    atomic.Uint64
}

// New loads the fixtures, generates the seeded consumers and returns the
// Service.
func New(opts Options) (*Service, error) {
	if err := opts.Settings.validate(); err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Events == nil {
		opts.Events = contract.Discard
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxBodyBytes < 1024 {
		return nil, fmt.Errorf("weavr: max body bytes must be >= 1024, got %d", opts.MaxBodyBytes)
	}
	data, err := loadDataset(opts.Fixtures, opts.Seed, opts.Settings.Consumers, opts.Settings.CountryCodeMaxLength, opts.Clock.Now())
	if err != nil {
		return nil, err
	}
	var prefix [6]byte
	_, _ = rand.Read(prefix[:])
	s := &Service{
		settings:  opts.Settings,
		clock:     opts.Clock,
		maxBody:   opts.MaxBodyBytes,
		events:    opts.Events,
		defs:      errorDefs(),
		data:      data,
		worldKey:  session.NewKey[*World](Vendor),
		refPrefix: hex.EncodeToString(prefix[:]),
	}
	return s, nil
}

// World is one session's Weavr state: its fork of the consumers (and the
// consumers created in it), its tokens and its rate-limit windows.
type World struct {
	consumers *consumerTable
	limiter   *ratelimit.Limiter
	tokens    *tokens
}

// newWorld creates a session's state under sc (in memory for the zero
// Scope, else in the shared backend); it forks the seeded consumers in
// O(1). Its rate-limit windows keep the session's time c.
func (s *Service) newWorld(sc state.Scope, c *clock.Session) *World {
	return &World{
		consumers: newConsumerTable(s.data.consumers.ForkIn(sc, consumerCodec(), consumerTableName)),
		limiter:   ratelimit.NewIn(s.settings.RateLimit, c, sc),
		tokens:    newTokens(sc),
	}
}

// world is the request's session World (bound by the sandbox).
func (s *Service) world(c *gin.Context) *World { return s.worldKey.Of(contract.SessionOf(c)) }

// RequestRef sets Weavr's request-ref header: every Weavr response carries a
// unique one.
//
// The value is PREFIX-NNNNNNNNNN (ten digits, zero-padded), built without
// fmt, under the canonical key, so nothing is parsed or canonicalised per
// request.
func (s *Service) RequestRef(c *gin.Context) {
	c.Writer.Header()["Request-Ref"] = []string{requestRef(s.refPrefix, s.refSeq.Add(1))}
}

// requestRef formats one request-ref: prefix, '-', n in at least ten
// digits.
func requestRef(prefix string, n uint64) string {
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], n, 10)
	var b strings.Builder // one allocation: its String does not copy
	b.Grow(len(prefix) + 1 + max(10, len(d)))
	b.WriteString(prefix)
	b.WriteByte('-')
	for i := len(d); i < 10; i++ {
		b.WriteByte('0')
	}
	b.Write(d)
	return b.String()
}

// Programme is a Weavr programme the sandbox knows: its api-key and the
// per-profile rules (fee groups, unsupported countries, the currencies a
// new consumer may take: POST /multi/consumers answers 409
// CURRENCY_UNSUPPORTED outside them; none listed means any).
type Programme struct {
	ID                   string
	APIKey               string
	ProfileID            string
	FeeGroups            []string
	UnsupportedCountries []string
	Currencies           []string
}

// Programmes lists the configured programmes, for the startup banner.
func (s *Service) Programmes() []Programme {
	out := make([]Programme, len(s.data.programmes))
	for i, p := range s.data.programmes {
		out[i] = *p
	}
	return out
}

// now is the request's session time (contract.Now): token idle expiry,
// code and nonce expiry and every timestamp Weavr stamps follow it.
func (s *Service) now(c *gin.Context) time.Time { return contract.Now(c, s.clock) }
