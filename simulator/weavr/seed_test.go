package weavr

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
)

// generateConsumers makes n consumers at once, as the store would on a
// full scan.
func generateConsumers(seed int64, n int, p *Programme) []Consumer {
	g := newConsumerSeed(seed, p)
	out := make([]Consumer, n)
	for i := range out {
		out[i] = g.consumer(i)
	}
	return out
}

func TestGeneratedConsumersAreDeterministicAndValid(t *testing.T) {
	p := &Programme{ID: "1", ProfileID: "2", FeeGroups: []string{"DEFAULT"}}
	a, _ := json.Marshal(generateConsumers(7, 500, p))
	b, _ := json.Marshal(generateConsumers(7, 500, p))
	if string(a) != string(b) {
		t.Fatal("same seed produced different consumers")
	}
	c, _ := json.Marshal(generateConsumers(8, 500, p))
	if string(a) == string(c) {
		t.Fatal("different seeds produced the same consumers")
	}
	emails := map[string]bool{}
	for _, cons := range generateConsumers(7, 500, p) {
		if bad := validateUpdate(cons.asUpdate(), 4); len(bad) > 0 {
			t.Fatalf("generated consumer %s breaks a vendor rule: %+v", cons.ID, bad)
		}
		if emails[cons.Email] {
			t.Fatalf("duplicate email %s", cons.Email)
		}
		emails[cons.Email] = true
		if !strings.HasSuffix(cons.Email, ".com") && !strings.HasSuffix(cons.Email, ".net") && !strings.HasSuffix(cons.Email, ".org") ||
			!strings.Contains(cons.Email, "@example.") {
			t.Fatalf("email %s not on a reserved example domain", cons.Email)
		}
		if !digits.MatchString(cons.ID) || cons.Created < 1e12 {
			t.Fatalf("bad id or timestamp: %+v", cons)
		}
	}
}

func TestEmbeddedFixturesLoad(t *testing.T) {
	d, err := loadDataset(fixtures.FS, 1, 10, 4, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if d.consumers.Len() != 17 || d.byKey["sandbox-api-key"] == nil || d.byKey["sandbox-api-key-2"] == nil {
		t.Fatalf("unexpected dataset: %d consumers", d.consumers.Len())
	}
}

func TestFixtureErrorsHavePositions(t *testing.T) {
	const prog = "programmes:\n  - {id: \"1\", apiKey: k, profileId: \"2\"}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", prog + "consumers:\n  - id: \"5\"\n    emial: a@example.com\n", "weavr.yaml: yaml: unmarshal errors:\n  line 5: field emial not found"},
		{"rule broken", prog + "consumers:\n  - id: \"5\"\n    email: a@example.com\n    name: R2D2\n    surname: X\n    mobile: {countryCode: \"+1\", number: \"1\"}\n", `weavr.yaml:4: consumer "a@example.com": .name: REGEX`},
		{"bad id", prog + "consumers:\n  - id: x5\n    email: a@example.com\n", `weavr.yaml:4: consumer "a@example.com": id must be a digit string`},
		{"unknown programme", prog + "consumers:\n  - id: \"5\"\n    programme: \"9\"\n", `weavr.yaml:4: consumer "": unknown programme "9"`},
		{"no programme", "consumers: []\n", "weavr.yaml:1: at least one programme is required"},
		{"bad kycStatus", prog + "consumers:\n  - {id: \"5\", email: a@example.com, name: A, surname: B, mobile: {countryCode: \"+1\", number: \"1\"}, kycStatus: DONE}\n",
			`weavr.yaml:4: consumer "a@example.com": kycStatus "DONE": want one of`},
		{"kycApproved contradicts kycStatus", prog + "consumers:\n  - {id: \"5\", email: a@example.com, name: A, surname: B, mobile: {countryCode: \"+1\", number: \"1\"}, kycApproved: true, kycStatus: REJECTED}\n",
			`weavr.yaml:4: consumer "a@example.com": kycApproved: true contradicts kycStatus: REJECTED`},
		{"bad currency", "programmes:\n  - {id: \"1\", apiKey: k, profileId: \"2\", currencies: [EURO]}\n", `weavr.yaml:2: programme 1: currency "EURO" is not an ISO 4217 code`},
		{"duplicate id", prog + "consumers:\n" + strings.Repeat("  - {id: \"5\", email: a@example.com, name: A, surname: B, mobile: {countryCode: \"+1\", number: \"1\"}}\n", 2), "weavr.yaml: store: duplicate key 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadDataset(fstest.MapFS{FixtureFile: {Data: []byte(tt.yaml)}}, 1, 0, 4, time.Unix(0, 0))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want prefix %q", err, tt.want)
			}
		})
	}
}

// TestFixtureKYCStatus: kycStatus seeds any KYC status (kycApproved is
// APPROVED, which also verifies email and mobile); a started KYC has the
// default level and its reference.
func TestFixtureKYCStatus(t *testing.T) {
	const yaml = "programmes:\n  - {id: \"1\", apiKey: k, profileId: \"2\"}\nconsumers:\n" +
		"  - {id: \"5\", email: a@example.com, name: A, surname: B, mobile: {countryCode: \"+1\", number: \"1\"}, kycStatus: PENDING_REVIEW}\n" +
		"  - {id: \"6\", email: b@example.com, name: A, surname: B, mobile: {countryCode: \"+1\", number: \"1\"}, kycApproved: true}\n" +
		"  - {id: \"7\", email: c@example.com, name: A, surname: B, mobile: {countryCode: \"+1\", number: \"1\"}}\n"
	d, err := loadDataset(fstest.MapFS{FixtureFile: {Data: []byte(yaml)}}, 1, 0, 4, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	tbl := d.consumers.Fork()
	for id, want := range map[string]KYC{
		"5": {Status: KYCPendingReview, Level: "KYC_LEVEL_2", Reference: "501"},
		"6": {Status: KYCApproved, Level: "KYC_LEVEL_2", Reference: "601"},
		"7": {Status: KYCNotStarted},
	} {
		c, _ := tbl.Get(id)
		if !reflect.DeepEqual(c.KYC, want) || c.EmailVerified != (id == "6") {
			t.Errorf("consumer %s: %+v (email verified %v), want %+v", id, c.KYC, c.EmailVerified, want)
		}
	}
}

// TestGeneratedConsumersAreMadeOnDemand: loading a large data set makes no
// consumer; a read by id or by email makes just that one, and it is the
// same consumer a full generation gives.
func TestGeneratedConsumersAreMadeOnDemand(t *testing.T) {
	d, err := loadDataset(fixtures.FS, 3, 100_000, 4, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if d.consumers.Made() != 0 {
		t.Fatalf("loading made %d consumers", d.consumers.Made())
	}
	want := newConsumerSeed(3, d.programmes[0]).consumer(76_543)
	tb := d.consumers.Fork()
	got, ok := tb.Get(want.ID)
	if !ok || got.Email != want.Email || got.Name != want.Name {
		t.Fatalf("Get(%s) = %+v %v, want %+v", want.ID, got, ok, want)
	}
	if byEmail := tb.Lookup(indexEmail, emailKey(want.Email)); len(byEmail) != 1 || byEmail[0].ID != want.ID {
		t.Fatalf("Lookup(%s) = %+v", want.Email, byEmail)
	}
	for _, miss := range []string{"x.y.100001@example.com", "x.y.5@example.com", "no-number@example.com", "a.b.0@example.com", "a.b.-3@example.com"} {
		if got := tb.Lookup(indexEmail, miss); len(got) != 0 {
			t.Errorf("Lookup(%s) = %+v", miss, got)
		}
	}
	for _, id := range []string{"110546000000200000", "010546000000100001", "110546000000099999"} {
		if _, ok := tb.Get(id); ok {
			t.Errorf("Get(%s) found a consumer", id)
		}
	}
	// Consumer 76,543 and consumer 4 (the candidate of x.y.5@, checked and
	// refused): nothing else.
	if d.consumers.Made() != 2 {
		t.Errorf("%d consumers made, want 2", d.consumers.Made())
	}
}
