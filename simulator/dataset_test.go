package simulator_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
)

// TestMillionRecordDataSets: the largest data sets start (records are made
// on first use), the last generated consumer can log in and be patched,
// the last generated customer can be read and updated, the control API
// pages to the end, and one record more than each bound is refused at
// startup.
func TestMillionRecordDataSets(t *testing.T) {
	s := newSandbox(t, func(c *simulator.Config) {
		weavrSettings(c).Consumers, loanproSettings(c).Customers = 1_000_000, 1_000_000
	})

	r := s.raw("GET", "/__sandbox/sessions/default/weavr/consumers?offset=1000006&limit=5", "")
	var list struct {
		Total     int `json:"total"`
		Consumers []struct {
			ID, Email, Password string
		} `json:"consumers"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 || list.Total != 1_000_007 || len(list.Consumers) != 1 {
		t.Fatalf("consumer listing: %d %s", r.status, r.body)
	}
	last := list.Consumers[0]
	if last.ID != "110546000001099999" {
		t.Fatalf("last consumer id %s", last.ID)
	}
	h := s.weavr(last.Email)
	if r := s.do("PATCH", "/multi/consumers", `{"tag":"last"}`, h...); r.status != 200 || !strings.Contains(string(r.body), `"tag":"last"`) || !strings.Contains(string(r.body), last.ID) {
		t.Fatalf("PATCH the last consumer: %d %s", r.status, r.body)
	}

	const lastCustomer = "/api/public/api/1/odata.svc/Customers(1000005)"
	if r := s.do("PUT", lastCustomer, `{"firstName":"Zed"}`, lpHeaders()...); r.status != 200 || !strings.Contains(string(r.body), `"firstName":"Zed"`) {
		t.Fatalf("PUT the last customer: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/api/public/api/1/odata.svc/Customers(1000006)", "", lpHeaders()...); r.status != 409 || !strings.Contains(string(r.body), "EntityNotFoundException") {
		t.Fatalf("one past the last customer: %d %s", r.status, r.body)
	}

	for _, tt := range []struct {
		name string
		cfg  func(*simulator.Config)
		want string
	}{
		{"consumers", func(c *simulator.Config) { weavrSettings(c).Consumers = 1_000_001 }, "weavr: consumers must be 0-1000000, got 1000001"},
		{"customers", func(c *simulator.Config) { loanproSettings(c).Customers = 1_000_001 }, "loanpro: customers 1000001: want 0-1000000"},
	} {
		cfg := simulator.DefaultConfig()
		tt.cfg(&cfg)
		if _, err := simulator.New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestConcurrentFirstReadsOfGeneratedRecords is meant for -race: many
// requests make the same untouched records at once (by id, by a full
// $filter scan, by the control API listing) and all see the same values.
func TestConcurrentFirstReadsOfGeneratedRecords(t *testing.T) {
	s := newSandbox(t, func(c *simulator.Config) { weavrSettings(c).Consumers, loanproSettings(c).Customers = 300, 300 })
	const list = "/api/public/api/1/odata.svc/Customers?$filter=lastName%20ne%20'x'&$top=400&$select=id,email,ssn"
	results := make([]string, 8)
	var wg sync.WaitGroup
	for g := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := 300; id > 5; id -= 7 {
				if r := s.raw("GET", fmt.Sprintf("/api/public/api/1/odata.svc/Customers(%d)", id), "", lpHeaders()...); r.status != 200 {
					t.Errorf("Customers(%d): %d", id, r.status)
				}
			}
			if r := s.raw("GET", "/__sandbox/sessions/default/weavr/consumers?email=example&limit=500", ""); r.status != 200 {
				t.Errorf("consumer listing: %d", r.status)
			}
			results[g] = string(s.raw("GET", list, "", lpHeaders()...).body)
		}()
	}
	wg.Wait()
	for g, r := range results {
		if r != results[0] || !strings.Contains(r, `"total":305`) {
			t.Fatalf("listing %d differs or is incomplete:\n%.300s\n%.300s", g, r, results[0])
		}
	}
}
