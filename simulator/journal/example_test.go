package journal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
)

// A journal keeps the newest entries and counts what it dropped.
func ExampleJournal_Add() {
	j := journal.New(2, nil)
	for _, path := range []string{"/a", "/b", "/c"} {
		j.Add(journal.Entry{Method: "GET", Path: path, Status: 200})
	}
	for _, e := range j.Entries(journal.Filter{}) {
		fmt.Println(e.Seq, e.Method, e.Path)
	}
	fmt.Println("dropped:", j.Dropped())
	// Output:
	// 2 GET /b
	// 3 GET /c
	// dropped: 1
}

// A verify request arrives as JSON and is checked against the journal.
func ExampleJournal_Verify() {
	j := journal.New(0, nil)
	for _, status := range []int{409, 200, 409, 409} {
		j.Add(journal.Entry{Operation: "weavr.consumerUpdate", Status: status})
	}
	x, err := journal.ParseExpectation([]byte(`{"operation":"weavr.consumerUpdate","status":409,"exactly":2}`), time.Now())
	if err != nil {
		panic(err)
	}
	v := j.Verify(x)
	fmt.Println(v.OK, v.Matched)
	fmt.Println(v.Message)
	// Output:
	// false 3
	// expected exactly 2 requests matching operation=weavr.consumerUpdate status=409, got 3
}

// Query parameters select entries; durations count back from now.
func ExampleParseFilter() {
	now := time.Date(2024, 1, 2, 15, 4, 5, 0, time.UTC)
	q, _ := url.ParseQuery("vendor=loanpro&status=4xx&since=5m&limit=10")
	f, err := journal.ParseFilter(q, now)
	fmt.Println(f, err)

	_, err = journal.ParseFilter(url.Values{"stauts": {"409"}}, now)
	fmt.Println(err)
	// Output:
	// vendor=loanpro status=4xx since=2024-01-02T14:59:05Z limit=10 <nil>
	// unknown query parameter "stauts"; known parameters: after, limit, method, operation, path, scenario, since, status, until, vendor
}

// Credentials are masked before a request is journaled.
func ExampleMaskHeaders() {
	h := journal.MaskHeaders(http.Header{
		"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"},
		"Api-Key":       {"sandbox-api-key"},
		"Content-Type":  {"application/json"},
	})
	fmt.Println(h.Get("Authorization"))
	fmt.Println(h.Get("Api-Key"))
	fmt.Println(h.Get("Content-Type"))
	// Output:
	// Bearer ****
	// ****-key
	// application/json
}

// Secrets in JSON bodies are masked; long bodies are cut.
func ExampleMaskBody() {
	login := []byte(`{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`)
	fmt.Println(journal.MaskBody("application/json", login, 0))
	fmt.Println(journal.MaskBody("application/json", login, 20))
	fmt.Println(journal.MaskBody("image/png", []byte{0x89, 'P', 'N', 'G', 0}, 0))
	// Output:
	// {"email":"alice@example.com","password":{"value":"****"}}
	// {"email":"alice@exam…(truncated, 62 bytes)
	// (5 bytes binary)
}
