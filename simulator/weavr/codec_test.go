package weavr

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store/storetest"
)

// TestConsumerCodecRoundTrips: every fixture, generated consumers and a
// few hundred random records (empty and nil slices and pointers, every
// field at random) decode to the record encoded, exactly.
func TestConsumerCodecRoundTrips(t *testing.T) {
	d, err := loadDataset(fixtures.FS, 1, 300, 4, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var all []Consumer
	d.consumers.Fork().Range(func(c Consumer) bool { all = append(all, c); return true })
	r := rand.New(rand.NewPCG(3, 4))
	for range 400 {
		all = append(all, randomConsumer(r))
	}
	all = append(all, Consumer{}, Consumer{KYC: KYC{Details: []string{}}, Address: &Address{}, DateOfBirth: &Date{}})
	storetest.RoundTrip(t, consumerCodec(), all)
}

// TestConsumerCodecKeepsTimeZones: every time.Time field of Consumer is
// stored in time's binary form (storedTime), which keeps UTC and Local
// apart, not as RFC 3339, which reads a Local time back as UTC.
func TestConsumerCodecKeepsTimeZones(t *testing.T) {
	timeT, rec := reflect.TypeFor[time.Time](), reflect.TypeFor[consumerRecord]()
	for f := range reflect.TypeFor[Consumer]().Fields() {
		if f.Type != timeT {
			continue
		}
		if sf, ok := rec.FieldByName(f.Name); !ok || sf.Type != reflect.TypeFor[storedTime]() {
			t.Errorf("Consumer.%s is a time.Time that consumerRecord does not store as a storedTime", f.Name)
		}
	}
}

func randomConsumer(r *rand.Rand) Consumer {
	str := func() string {
		if r.IntN(4) == 0 {
			return ""
		}
		b := make([]rune, r.IntN(12))
		for i := range b {
			b[i] = rune(r.IntN(0x250))
		}
		return string(b)
	}
	b := func() bool { return r.IntN(2) == 0 }
	tm := func() time.Time {
		if r.IntN(3) == 0 {
			return time.Time{}
		}
		t := time.Unix(r.Int64N(4e9), r.Int64N(1e9)) // a clock's Local time, or UTC
		if r.IntN(2) == 0 {
			t = t.UTC()
		}
		return t
	}
	c := Consumer{
		ID: strconv.Itoa(r.IntN(1 << 30)), ProgrammeID: str(), ProfileID: str(), Tag: str(), Password: str(),
		Name: str(), Surname: str(), Email: str(), PendingEmail: str(), Mobile: Mobile{CountryCode: str(), Number: str()},
		Active: b(), EmailVerified: b(), MobileVerified: b(), Nationality: str(), PlaceOfBirth: str(), Locale: str(),
		Brand: str(), UserTag: str(), Occupation: str(), Created: r.Int64(), IPAddress: str(), AcceptedTerms: b(),
		BaseCurrency: str(), FeeGroup: str(), SourceOfFunds: str(),
		KYC:            KYC{Status: KYCStatus(str()), Level: str(), RejectionComment: str(), Reference: str()},
		SMSOTPEnrolled: b(), MobileChanges: r.IntN(10), EmailChangedAt: tm(), SecurityEventAt: tm(),
	}
	if b() {
		c.DateOfBirth = &Date{Year: r.IntN(3000), Month: r.IntN(13), Day: r.IntN(32)}
	}
	if b() {
		c.Address = &Address{AddressLine1: str(), AddressLine2: str(), City: str(), PostCode: str(), State: str(), Country: str()}
	}
	if k := r.IntN(4); k > 0 {
		c.KYC.Details = make([]string, k-1)
		for i := range c.KYC.Details {
			c.KYC.Details[i] = str()
		}
	}
	return c
}
