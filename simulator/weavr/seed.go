package weavr

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sandbox-dev/fintech-sandbox/simulator/fake"
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

// generateConsumers makes n fake consumers of programme p, a pure function of
// seed and n: same inputs, the same consumers byte for byte. Emails are on
// example.com/.net/.org (reserved domains), so no real person is addressed.
func generateConsumers(seed int64, n int, p *Programme) []Consumer {
	f := fake.New(seed)
	countries := seedCountries()
	occupations := occupationValues()
	funds := sourceOfFundsValues()
	domains := []string{"example.com", "example.net", "example.org"}
	epoch := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Consumer, n)
	for i := range out {
		ctry := countries[f.IntRange(0, len(countries)-1)]
		first, last := personName(f.FirstName()), personName(f.LastName())
		dob := f.DateRange(time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2005, 12, 31, 0, 0, 0, 0, time.UTC))
		id := strconv.FormatInt(firstGeneratedID+int64(i), 10)
		out[i] = Consumer{
			ID: id, ProgrammeID: p.ID, ProfileID: p.ProfileID,
			Password: fixturePassword,
			Name:     first, Surname: last,
			Email:  emailSlug(first) + "." + emailSlug(last) + "." + strconv.Itoa(i+1) + "@" + domains[i%len(domains)],
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
			Occupation:    occupations[f.IntRange(0, len(occupations)-1)],
			Created:       epoch.Add(time.Duration(f.IntRange(0, 3*365*24*3600)) * time.Second).UnixMilli(),
			IPAddress:     f.IPv4Address(),
			AcceptedTerms: true,
			BaseCurrency:  ctry.currency,
			FeeGroup:      p.FeeGroups[0],
			SourceOfFunds: funds[f.IntRange(0, len(funds)-1)],
		}
		out[i].KYCApproved = out[i].EmailVerified && out[i].MobileVerified && f.Bool()
	}
	return out
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
