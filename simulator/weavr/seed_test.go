package weavr

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
)

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
	if d.consumers.Len() != 16 || d.byKey["sandbox-api-key"] == nil || d.byKey["sandbox-api-key-2"] == nil {
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
