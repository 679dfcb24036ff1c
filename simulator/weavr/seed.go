package weavr

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sandbox-dev/fintech-sandbox/simulator/fake"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// firstGeneratedID is the id of the first generated consumer; fixtures use
// lower ids. Weavr ids are 18-digit strings.
const firstGeneratedID = 110546000000100000

// seedCountry is a supported country with its dialling code, currency and
// mobile-number length, so generated consumers satisfy every vendor pattern.
type seedCountry struct {
	iso, dial, currency, locale string
	digits                      int
}

func seedCountries() []seedCountry {
	return []seedCountry{
		{"MT", "+356", "EUR", "en-GB", 8}, {"GB", "+44", "GBP", "en-GB", 10},
		{"IE", "+353", "EUR", "en-GB", 9}, {"DE", "+49", "EUR", "de-DE", 11},
		{"FR", "+33", "EUR", "fr-FR", 9}, {"ES", "+34", "EUR", "es-ES", 9},
		{"IT", "+39", "EUR", "it-IT", 10}, {"NL", "+31", "EUR", "nl-NL", 9},
		{"US", "+1", "USD", "en-US", 10}, {"SE", "+46", "SEK", "sv-SE", 9},
		{"PL", "+48", "PLN", "pl-PL", 9},
	}
}

// consumerSeed makes the generated consumers of programme p, one at a
// time: consumer i is a pure function of the seed and i (its own faker,
// fake.Record), so the store makes each on first use and a large --consumers
// costs nothing at startup. Emails are on example.com/.net/.org (reserved
// domains), so no real person is addressed, and end in ".<i+1>@", which
// makes them unique and lets an email lookup find its consumer by number.
type consumerSeed struct {
	seed                  int64
	p                     *Programme
	countries             []seedCountry
	occupations, funds    []string
	domains               []string
	dobFrom, dobTo, epoch time.Time // birth dates and creation times stay in fixed windows
}

func newConsumerSeed(seed int64, p *Programme) *consumerSeed {
	return &consumerSeed{seed: seed, p: p, countries: seedCountries(), occupations: occupationValues(), funds: sourceOfFundsValues(),
		domains: []string{"example.com", "example.net", "example.org"},
		dobFrom: time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC), dobTo: time.Date(2005, 12, 31, 0, 0, 0, 0, time.UTC),
		epoch: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// generated is the store's lazily made tail of n consumers.
func (g *consumerSeed) generated(n int) store.Generated[string, Consumer] {
	return store.Generated[string, Consumer]{
		N:    n,
		Key:  generatedID,
		Pos:  generatedPos,
		Make: g.consumer,
		Locate: map[string]func(string) []int{indexEmail: func(email string) []int {
			// ".<i+1>@" before the domain: the only consumer that can have it.
			local, _, ok := strings.Cut(email, "@")
			dot := strings.LastIndexByte(local, '.')
			if !ok || dot < 0 {
				return nil
			}
			n, err := strconv.Atoi(local[dot+1:])
			if err != nil || n < 1 {
				return nil
			}
			return []int{n - 1}
		}},
	}
}

func generatedID(i int) string { return strconv.FormatInt(firstGeneratedID+int64(i), 10) }

func generatedPos(id string) (int, bool) {
	if len(id) != 18 || id[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < firstGeneratedID {
		return 0, false
	}
	return int(n - firstGeneratedID), true
}

// consumer makes generated consumer i.
func (g *consumerSeed) consumer(i int) Consumer {
	f := fake.Record(g.seed, i)
	ctry := g.countries[f.IntRange(0, len(g.countries)-1)]
	first, last := personName(f.FirstName()), personName(f.LastName())
	dob := f.DateRange(g.dobFrom, g.dobTo)
	c := Consumer{
		ID: generatedID(i), ProgrammeID: g.p.ID, ProfileID: g.p.ProfileID,
		Password: fixturePassword,
		Name:     first, Surname: last,
		Email:  emailSlug(first) + "." + emailSlug(last) + "." + strconv.Itoa(i+1) + "@" + g.domains[i%len(g.domains)],
		Mobile: Mobile{CountryCode: ctry.dial, Number: f.Numerify(strings.Repeat("#", ctry.digits))},
		Active: true, EmailVerified: f.Bool(), MobileVerified: f.Bool(),
		DateOfBirth: &Date{Year: dob.Year(), Month: int(dob.Month()), Day: dob.Day()},
		Address: &Address{
			AddressLine1: truncate(f.Street(), 150), City: truncate(f.City(), 50),
			PostCode: f.Numerify("#####"), Country: ctry.iso,
		},
		Nationality:   ctry.iso,
		PlaceOfBirth:  f.City(),
		Locale:        ctry.locale,
		Occupation:    g.occupations[f.IntRange(0, len(g.occupations)-1)],
		Created:       g.epoch.Add(time.Duration(f.IntRange(0, 3*365*24*3600)) * time.Second).UnixMilli(),
		IPAddress:     f.IPv4Address(),
		AcceptedTerms: true,
		BaseCurrency:  ctry.currency,
		FeeGroup:      g.p.FeeGroups[0],
		SourceOfFunds: g.funds[f.IntRange(0, len(g.funds)-1)],
	}
	c.KYC.Status = KYCNotStarted
	if c.EmailVerified && c.MobileVerified && f.Bool() {
		c.KYC = KYC{Status: KYCApproved, Level: defaultKYCLevel, Reference: kycReference(c.ID)}
	}
	return c
}

// personName keeps a generated name within Weavr's name rule: letters,
// spaces, apostrophes, dots and hyphens, at most 20 characters.
func personName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || r == ' ' || r == '\'' || r == '-' || r == '.' {
			return r
		}
		return -1
	}, s)
	if s == "" {
		s = "Sam"
	}
	return truncate(s, 20)
}

func emailSlug(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
	if s == "" {
		return "user"
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return strings.TrimSpace(string(r[:n]))
	}
	return s
}
