package weavr_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAccessJournalMasksAndMetrics: the journal of the new operations
// names each by its operation id and never shows a password, a code or a
// nonce in clear; the request metrics count them by operation id.
func TestAccessJournalMasksAndMetrics(t *testing.T) {
	s := newSandbox(t)
	sess := s.sb.Session("masked")
	in := func(tok string) headers { return append(std(tok), "X-Sandbox-Session", sess.Name) }
	tok := s.do("POST", "/multi/login_with_password", in(""), `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`).JSON(t)["token"].(string)
	calls := []struct{ path, body string }{
		{enrol, ""},
		{enrolDone, `{"verificationCode":"123456"}`},
		{pwUpdate, updateBody("Passw0rd!", "N3w-Passw0rd!")},
		{pwStart, `{"email":"alice@example.com"}`},
		{pwResume, resumeBody("alice@example.com", "123456", "Th1rd-Passw0rd!")},
	}
	for _, c := range calls {
		if r := s.do("POST", c.path, in(tok), c.body); r.Status >= 300 {
			t.Fatalf("%s: %d %s", c.path, r.Status, r.Body)
		}
	}
	entries, err := sess.Journal(nil)
	if err != nil {
		t.Fatal(err)
	}
	ops, masked := map[string]bool{}, 0
	for _, e := range entries {
		ops[e.Operation] = true
		masked += strings.Count(e.RequestBody, `"****"`)
		for _, secret := range []string{"Passw0rd!", "N3w-Passw0rd!", "Th1rd-Passw0rd!", "123456"} {
			if strings.Contains(e.RequestBody, secret) || strings.Contains(e.ResponseBody, secret) {
				t.Errorf("%s %s shows %q: %s", e.Method, e.Path, secret, e.RequestBody)
			}
		}
	}
	if masked < 6 { // login, code, two passwords, nonce and new password
		t.Errorf("%d masked values in the journal, want at least 6", masked)
	}
	for _, op := range []string{"weavr.enrolDeviceUsingOtpStepOne", "weavr.enrolDeviceUsingOtpStepTwo", "weavr.passwordUpdate",
		"weavr.lostPasswordInitiate", "weavr.lostPasswordResume"} {
		if !ops[op] {
			t.Errorf("no journal entry of %s (got %v)", op, ops)
		}
	}

	resp, err := s.sb.Client().Get(s.sb.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `operation="weavr.lostPasswordResume",scenario="",status="200"`) {
		t.Errorf("metrics %d lack weavr.lostPasswordResume", resp.StatusCode)
	}
}
