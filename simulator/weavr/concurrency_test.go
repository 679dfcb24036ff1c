package weavr_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// TestConcurrentPatchesOnOneConsumer: 64 PATCHes at once on one consumer,
// each changing tag and mobile together. Every one succeeds, the final state
// is one request's whole write (never a mix), and the mobile-change count is
// exactly 64: with a limit of 65, one more change passes and the next fails.
// Run with -race.
func TestConcurrentPatchesOnOneConsumer(t *testing.T) {
	const n = 64
	s := newSandbox(t, withSettings(func(w *weavr.Settings) { w.MobileChangeLimit = n + 1 }))
	tok := s.login("carol@example.com")
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.patch(tok, fmt.Sprintf(`{"tag":"t%d","mobile":{"countryCode":"+353","number":"8%08d"}}`, i, i))
			statuses[i] = r.Status
		}()
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 {
			t.Fatalf("request %d: status %d", i, st)
		}
	}
	final := s.get(tok).JSON(t)
	tag := final["tag"].(string)
	number := final["rootUser"].(map[string]any)["mobile"].(map[string]any)["number"].(string)
	var i int
	if _, err := fmt.Sscanf(tag, "t%d", &i); err != nil || number != fmt.Sprintf("8%08d", i) {
		t.Fatalf("torn update: tag %s with number %s", tag, number)
	}
	expectStatus(t, s.patch(tok, `{"mobile":{"countryCode":"+353","number":"999"}}`), 200)
	expect(t, s.patch(tok, `{"mobile":{"countryCode":"+353","number":"998"}}`), 409, `{"errorCode":"MOBILE_NO_CHANGE_LIMIT_EXCEEDED"}`)
}

// TestConcurrentEmailClaims: 32 consumers race to claim one new email and
// verify it; exactly one ends up owning it.
func TestConcurrentEmailClaims(t *testing.T) {
	s := newSandbox(t)
	emails := []string{"alice@example.com", "carol@example.com", "dave@example.com"}
	toks := make([]string, len(emails))
	for i, e := range emails {
		toks[i] = s.login(e)
		expectStatus(t, s.patch(toks[i], `{"email":"prize@example.com"}`), 200)
	}
	var wg sync.WaitGroup
	codes := make([]int, len(toks))
	for i, tok := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = s.do("POST", "/multi/consumers/verification/email/verify", std(tok), `{"email":"prize@example.com","verificationCode":"123456"}`).Status
		}()
	}
	wg.Wait()
	wins := 0
	for _, c := range codes {
		if c == 204 {
			wins++
		} else if c != 409 {
			t.Errorf("unexpected status %d", c)
		}
	}
	if wins != 1 {
		t.Fatalf("%d consumers own prize@example.com", wins)
	}
}
