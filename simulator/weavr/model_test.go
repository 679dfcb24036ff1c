package weavr

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
)

// TestAppendConsumerMatchesTheSchemaEncoding: the hand-written body is
// byte for byte encoding/json's rendering of the vendor schema, for every
// fixture, a thousand generated consumers and edge cases (empty optional
// fields, an empty address, characters encoding/json escapes).
func TestAppendConsumerMatchesTheSchemaEncoding(t *testing.T) {
	d, err := loadDataset(fixtures.FS, 1, 1000, 4, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var all []Consumer
	d.consumers.Fork().Range(func(c Consumer) bool { all = append(all, c); return true })
	edge := all[0]
	edge.Tag, edge.UserTag, edge.Brand, edge.Occupation = `<x> & "y"`, "t\u2028", "brand\\", ""
	edge.Name, edge.Address, edge.DateOfBirth = "Zoë", &Address{}, nil
	bare := Consumer{ID: "1"}
	for _, c := range append(all, edge, bare) {
		want, err := json.Marshal(c.wire())
		if err != nil {
			t.Fatal(err)
		}
		if got := appendConsumer(nil, &c); string(got) != string(want) {
			t.Fatalf("consumer %s:\n got %s\nwant %s", c.ID, got, want)
		}
	}
}

func BenchmarkAppendConsumer(b *testing.B) {
	c := generateConsumers(1, 1, &Programme{ID: "1", ProfileID: "2", FeeGroups: []string{"DEFAULT"}})[0]
	b.ReportAllocs()
	for range b.N {
		_ = appendConsumer(make([]byte, 0, 1024), &c)
	}
}

// consumerJSON is the Consumer schema of the vendor document, fields in the
// vendor's order, rendered by encoding/json: the oracle of appendConsumer.
type consumerJSON struct {
	ID                identityID   `json:"id"`
	ProfileID         string       `json:"profileId"`
	Tag               string       `json:"tag,omitempty"`
	RootUser          rootUserJSON `json:"rootUser"`
	CreationTimestamp int64        `json:"creationTimestamp"`
	IPAddress         string       `json:"ipAddress"`
	AcceptedTerms     bool         `json:"acceptedTerms"`
	BaseCurrency      string       `json:"baseCurrency,omitempty"`
	FeeGroup          string       `json:"feeGroup,omitempty"`
	SourceOfFunds     string       `json:"sourceOfFunds,omitempty"`
}

// rootUserJSON is ConsumerRootUser.
type rootUserJSON struct {
	ID                   identityID `json:"id"`
	Name                 string     `json:"name"`
	Surname              string     `json:"surname"`
	Email                string     `json:"email"`
	Mobile               Mobile     `json:"mobile"`
	Occupation           string     `json:"occupation,omitempty"`
	Active               bool       `json:"active"`
	EmailVerified        bool       `json:"emailVerified"`
	MobileNumberVerified bool       `json:"mobileNumberVerified"`
	DateOfBirth          *Date      `json:"dateOfBirth,omitempty"`
	Address              *Address   `json:"address,omitempty"`
	Nationality          string     `json:"nationality,omitempty"`
	PlaceOfBirth         string     `json:"placeOfBirth,omitempty"`
	Tag                  string     `json:"tag,omitempty"`
	Locale               string     `json:"locale,omitempty"`
	Brand                string     `json:"brand,omitempty"`
}

// wire is the consumer in the schema types.
func (c *Consumer) wire() consumerJSON {
	id := identityID{Type: "CONSUMER", ID: c.ID}
	return consumerJSON{
		ID:        id,
		ProfileID: c.ProfileID,
		Tag:       c.Tag,
		RootUser: rootUserJSON{
			ID: id, Name: c.Name, Surname: c.Surname, Email: c.Email, Mobile: c.Mobile,
			Occupation: c.Occupation, Active: c.Active, EmailVerified: c.EmailVerified,
			MobileNumberVerified: c.MobileVerified, DateOfBirth: c.DateOfBirth, Address: c.Address,
			Nationality: c.Nationality, PlaceOfBirth: c.PlaceOfBirth, Tag: c.UserTag,
			Locale: c.Locale, Brand: c.Brand,
		},
		CreationTimestamp: c.Created,
		IPAddress:         c.IPAddress,
		AcceptedTerms:     c.AcceptedTerms,
		BaseCurrency:      c.BaseCurrency,
		FeeGroup:          c.FeeGroup,
		SourceOfFunds:     c.SourceOfFunds,
	}
}
