package weavr

import (
	"flag"
	"fmt"
	"io/fs"
	"path"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/ratelimit"
)

// Plugin is Weavr as the sandbox's vendor list names it: the documented
// default settings, their flags, and the constructor of the Vendor.
func Plugin() contract.Plugin { return &plugin{settings: DefaultSettings()} }

type plugin struct{ settings Settings }

func (p *plugin) Name() string       { return Vendor }
func (p *plugin) Settings() any      { return &p.settings }
func (p *plugin) SetGenerated(n int) { p.settings.Consumers = n }

// Flags registers Weavr's flags (the sandbox prefixes them:
// --weavr-rate-limit): the points where its behaviour is not published or
// differs between environments.
func (p *plugin) Flags(fs *flag.FlagSet) {
	w := &p.settings
	fs.IntVar(&w.Consumers, "consumers", w.Consumers, "number of generated Weavr consumers besides the fixtures (at most 1,000,000; each is made on first use, so startup does not grow with it)")
	fs.Func("rate-limit", `Weavr rate limit per api-key, a `+"`SPEC`"+`: "on" (the vendor's 100/1m,1000/1h,10000/24h), "off", or LIMIT/DURATION,… e.g. "5/1m"`, func(v string) error {
		if v == "on" {
			w.RateLimit = DefaultRateLimit()
			return nil
		}
		spec, err := ratelimit.ParseSpec(v)
		w.RateLimit = spec
		return err
	})
	fs.Lookup("rate-limit").DefValue = "on" // a Func flag prints no default of its own
	fs.DurationVar(&w.TokenTTL, "token-ttl", w.TokenTTL, "Weavr token lifetime after last use")
	fs.DurationVar(&w.EmailChangeWindow, "email-change-window", w.EmailChangeWindow, "Weavr: a second email change inside this window is 409 TOO_FREQUENT_EMAIL_CHANGES")
	fs.DurationVar(&w.MobileChangeWindow, "mobile-change-window", w.MobileChangeWindow, "Weavr: mobile changes inside this window after a verified email change or password reset are 409 MOBILE_CHANGE_NOT_ALLOWED (SMS OTP enrolled)")
	fs.IntVar(&w.MobileChangeLimit, "mobile-change-limit", w.MobileChangeLimit, "Weavr: changes to a different mobile number allowed before 409 MOBILE_NO_CHANGE_LIMIT_EXCEEDED")
	fs.BoolVar(&w.StrictUnknownFields, "strict-unknown-fields", w.StrictUnknownFields, "Weavr: refuse request properties the request schema does not name, wrongly-cased names included (400 invalidFields, error IN); the vendor ignores them")
	fs.DurationVar(&w.AccessTokenTTL, "access-token-ttl", w.AccessTokenTTL, "Weavr access token (POST /access_token) lifetime after last use")
	fs.DurationVar(&w.OTPExpiry, "otp-expiry", w.OTPExpiry, "Weavr: an SMS one-time password (enrolment, step-up; always 123456) expires this long after it is sent")
	fs.IntVar(&w.OTPAttempts, "otp-attempts", w.OTPAttempts, "Weavr: wrong one-time passwords that end a challenge (409 CHALLENGE_LIMIT_EXCEEDED)")
	fs.DurationVar(&w.LostPasswordExpiry, "lost-password-expiry", w.LostPasswordExpiry, "Weavr: a lost-password nonce (always 123456) expires this long after it is sent (410 TOKEN_EXPIRED)")
	fs.IntVar(&w.CountryCodeMaxLength, "country-code-max-length", w.CountryCodeMaxLength, "Weavr: maximum length of mobile.countryCode (document: 4; live service: 6)")
}

// FlagAliases keeps the names Weavr's flags had before vendor flags were
// namespaced (--rate-limit for --weavr-rate-limit, SANDBOX_RATE_LIMIT for
// SANDBOX_WEAVR_RATE_LIMIT), so existing command lines keep working.
func (p *plugin) FlagAliases() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"consumers", "rate-limit", "token-ttl", "email-change-window", "mobile-change-window",
		"mobile-change-limit", "strict-unknown-fields", "country-code-max-length"} {
		m[n] = n
	}
	return m
}

func (p *plugin) Build(env contract.Env) (*contract.Vendor, error) {
	s, err := New(Options{Settings: p.settings, Seed: env.Seed, Fixtures: env.Fixtures, Clock: env.Clock,
		MaxBodyBytes: env.MaxBodyBytes, Events: env.Events})
	if err != nil {
		return nil, err
	}
	return s.Vendor()
}

// Vendor declares the built Service to the sandbox.
func (s *Service) Vendor() (*contract.Vendor, error) {
	docs, err := loadDocuments()
	if err != nil {
		return nil, err
	}
	return &contract.Vendor{
		Name:       Vendor,
		Title:      "Weavr",
		Prefixes:   []string{multiPrefix, simulatePrefix},
		Middleware: []gin.HandlerFunc{s.RequestRef},
		Operations: s.operations(),
		Unknown: contract.Unknown{ID: OpUnknown, Summary: "any other path or method under /multi or /simulate",
			Errors: names(ErrNotFound, ErrMethodNotAllowed), Handler: s.UnknownRoute},
		Errors:    s.Errors(),
		World:     s.worldKey.ClockedFactory(s.newWorld),
		Data:      []contract.Collection{s.consumersCollection()},
		Documents: docs,
		Banner:    s.banner,
		Webhooks:  webhooks(),
	}, nil
}

// docServers maps each document to the sandbox prefix its server URL
// stands for (the webhooks document describes no sandbox route).
var docServers = map[string][2]string{
	"weavr-multi-openapi.yml": {"https://sandbox.weavr.io/multi", multiPrefix},
	// The simulator document's server URL, as published, ends in a stray
	// quote, so no request path can match it: its paths are given
	// relative to the host instead.
	"weavr-simulator-openapi.yml": {"https://sandbox.weavr.io", simulatePrefix + "/api"},
}

func loadDocuments() ([]contract.Document, error) {
	names, err := fs.Glob(documents, "openapi/*.yml")
	if err != nil {
		return nil, err
	}
	out := make([]contract.Document, 0, len(names))
	for _, n := range names {
		data, err := documents.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("weavr: %w", err)
		}
		base := path.Base(n)
		srv := docServers[base]
		out = append(out, contract.Document{Name: base, Server: srv[0], Prefix: srv[1], Data: data})
	}
	return out, nil
}

// banner is what a user needs to start: the programmes' api-keys, the
// fixture logins and a ready-to-paste curl line.
func (s *Service) banner(base string) []contract.Line {
	var out []contract.Line
	for _, p := range s.data.programmes {
		out = append(out, contract.Line{Msg: "weavr programme", Attrs: []any{"api-key", p.APIKey, "programme", p.ID, "profile", p.ProfileID}})
	}
	out = append(out, contract.Line{Msg: "weavr logins", Attrs: []any{"emails", "alice@example.com (fresh, email verified: can start KYC), bob@example.com (KYC-approved), carol@, dave@, grace@example.com (email not verified), frank@ (programme 2)", "password", "Passw0rd!"}})
	out = append(out, contract.Line{Msg: "weavr codes", Attrs: []any{"sent", "every code the sandbox sends is 123456: email verification, SMS OTP enrolment, step-up, lost-password nonce"}})
	if len(s.data.programmes) > 0 {
		out = append(out, contract.Line{Msg: "try", Attrs: []any{"curl", fmt.Sprintf(`curl -s -X POST %s/multi/login_with_password -H 'api-key: %s' -H 'Content-Type: application/json' -d '{"email":"alice@example.com","password":{"value":"Passw0rd!"}}'`,
			base, s.data.programmes[0].APIKey)}})
	}
	return out
}
