package scenario

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

func TestParseWebhookValid(t *testing.T) {
	src := `name: kyc-dup
description: KYC events for approved things arrive three times
match:
  webhook: /things/kyc/watch
  body: {status: APPROVED, thing.id: {regex: "^t-"}}
times: 2
respond: {webhook: duplicate, copies: 3}
---
name: burst
description: everything under /things is reordered
match:
  webhook: {regex: "^/things/"}
loop: true
sequence:
  - webhook: reorder
  - {webhook: reorder, delay: 250ms}
  - {webhook: delay, delay: {min: 1s, max: 2s}}
  - webhook: duplicate
  - webhook: stale-timestamp
  - {webhook: stale-timestamp, age: 10m}
  - webhook: drop
  - webhook: bad-signature
---
name: closed
description: the equals form names an event too
match:
  webhook: {equals: /things/closed/watch}
respond: {webhook: delay, delay: 5s}
`
	scs, err := Parse("f.yaml", []byte(src), testVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	dup, burst, closed := scs[0], scs[1], scs[2]
	if !dup.IsWebhook() || dup.Match.Webhook.Equals != "/things/kyc/watch" || dup.Match.Body["status"].Equals != "APPROVED" || dup.Times != 2 {
		t.Errorf("kyc-dup = %+v", dup)
	}
	if s := dup.Steps[0]; s.Webhook != webhook.FaultDuplicate || s.Copies != 3 {
		t.Errorf("kyc-dup step = %+v", s)
	}
	if !burst.IsWebhook() || burst.Match.Webhook.Regex.String() != "^/things/" || !burst.Loop {
		t.Errorf("burst = %+v", burst)
	}
	want := []Step{
		{Webhook: webhook.FaultReorder, DelayMin: time.Second, DelayMax: time.Second},
		{Webhook: webhook.FaultReorder, DelayMin: 250 * time.Millisecond, DelayMax: 250 * time.Millisecond},
		{Webhook: webhook.FaultDelay, DelayMin: time.Second, DelayMax: 2 * time.Second},
		{Webhook: webhook.FaultDuplicate, Copies: 2},
		{Webhook: webhook.FaultStaleTimestamp, Age: time.Hour},
		{Webhook: webhook.FaultStaleTimestamp, Age: 10 * time.Minute},
		{Webhook: webhook.FaultDrop},
		{Webhook: webhook.FaultBadSignature},
	}
	for i, w := range want {
		if got := burst.Steps[i]; fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", w) {
			t.Errorf("burst step %d = %+v, want %+v", i, *got, w)
		}
	}
	if s := closed.Steps[0]; closed.Match.Webhook.Equals != "/things/closed/watch" || s.DelayMin != 5*time.Second || s.DelayMax != 5*time.Second {
		t.Errorf("closed = %+v, step %+v", closed, s)
	}
}

// TestParseWebhookErrors: every mistake particular to webhook scenarios
// is the only error reported, at its position.
func TestParseWebhookErrors(t *testing.T) {
	const known = "(known: /other/watch, /things/closed/watch, /things/kyc/watch)"
	head := "name: x\ndescription: d\nmatch:\n  webhook: /things/kyc/watch\n" // lines 1-4
	web := func(match string) string {
		return "name: x\ndescription: d\nmatch:\n  webhook: " + match + "\nrespond: {webhook: drop}\n"
	}
	step := func(lines ...string) string { return head + "respond:\n  " + strings.Join(lines, "\n  ") + "\n" }
	tests := []struct{ name, src, want string }{
		{"unknown event", web("/things/kyc"), `f.yaml:4:12: unknown webhook event "/things/kyc" ` + known},
		{"unknown event, equals form", web("{equals: /nope}"), `f.yaml:4:21: unknown webhook event "/nope" ` + known},
		{"event as a number", web("42"), `f.yaml:4:12: unknown webhook event "42" ` + known},
		{"regex matching no event", web(`{regex: "^/nope"}`), `f.yaml:4:20: webhook: regex "^/nope" matches no webhook event ` + known},
		{"bad regex", web(`{regex: "("}`), "f.yaml:4:20: webhook: bad regex \"(\": error parsing regexp: missing closing ): `(`"},
		{"present", web("{present: true}"), `f.yaml:4:12: webhook: every event has a path; give the path or {regex: …}, not present`},
		{"two tests", web("{equals: /things/kyc/watch, regex: x}"), `f.yaml:4:12: webhook: give exactly one of equals, regex or present`},
		{"webhook step in a request scenario", "name: x\ndescription: d\nmatch:\n  operation: acme.update\nrespond:\n  webhook: drop\n",
			`f.yaml:6:12: respond: webhook faults apply to webhook scenarios only: give match.webhook, the event path`},
		{"webhook step without match", "name: x\ndescription: d\nrespond: {webhook: drop}\n",
			`f.yaml:3:20: respond: webhook faults apply to webhook scenarios only: give match.webhook, the event path`},
		{"request step in a webhook scenario", step("error: acme.TAKEN"),
			`f.yaml:6:3: respond: a webhook scenario's steps say webhook: <fault> (delay, duplicate, reorder, drop, bad-signature, stale-timestamp)`},
		{"request step in a webhook sequence", head + "sequence:\n  - webhook: drop\n  - pass: true\n",
			`f.yaml:7:5: sequence[1]: a webhook scenario's steps say webhook: <fault>`},
		{"unknown webhook fault", step("webhook: explode"),
			`f.yaml:6:12: respond: unknown webhook fault "explode" (known: delay, duplicate, reorder, drop, bad-signature, stale-timestamp)`},
		{"webhook fault not a string", step("webhook: [drop]"), `f.yaml:6:12: webhook must be a string, got a list`},
		{"delay without delay", step("webhook: delay"), `f.yaml:6:3: respond: webhook delay needs delay: a duration (5s) or a range {min, max}`},
		{"delay of 0", step("webhook: delay", "delay: 0s"), `f.yaml:7:10: respond: webhook delay needs a delay above 0`},
		{"delay range of 0", step("webhook: delay", "delay: {min: 0s, max: 0s}"), `f.yaml:7:10: respond: webhook delay needs a delay above 0`},
		{"bad delay", step("webhook: delay", "delay: soon"), `f.yaml:7:10: delay: bad duration "soon" (use Go durations such as 250ms, 2s, 1m)`},
		{"reorder window a range", step("webhook: reorder", "delay: {min: 1s, max: 2s}"), `f.yaml:7:10: respond: webhook reorder: delay is the burst window, one duration (not a range)`},
		{"reorder window of 0", step("webhook: reorder", "delay: 0s"), `f.yaml:7:10: respond: webhook reorder needs a burst window above 0`},
		{"delay with drop", step("webhook: drop", "delay: 1s"), `f.yaml:7:10: respond: delay applies to webhook delay (the wait) and reorder (the burst window), not to drop`},
		{"copies with drop", step("webhook: drop", "copies: 3"), `f.yaml:7:11: respond: copies applies to webhook: duplicate only`},
		{"one copy", step("webhook: duplicate", "copies: 1"), `f.yaml:7:11: copies must be at least 2, got 1`},
		{"too many copies", step("webhook: duplicate", "copies: 101"), `f.yaml:7:11: respond: copies must be at most 100, got 101`},
		{"copies not a number", step("webhook: duplicate", "copies: two"), `f.yaml:7:11: copies must be an integer, got "two"`},
		{"age with duplicate", step("webhook: duplicate", "age: 1h"), `f.yaml:7:8: respond: age applies to webhook: stale-timestamp only`},
		{"age of 0", step("webhook: stale-timestamp", "age: 0s"), `f.yaml:7:8: respond: age must be above 0`},
		{"bad age", step("webhook: stale-timestamp", "age: old"), `f.yaml:7:8: age: bad duration "old" (use Go durations such as 250ms, 2s, 1m)`},
		{"copies in a request step", "name: x\ndescription: d\nrespond:\n  pass: true\n  copies: 2\n", `f.yaml:5:11: respond: copies applies to webhook: duplicate only`},
		{"age in a request step", "name: x\ndescription: d\nrespond:\n  pass: true\n  age: 1h\n", `f.yaml:5:8: respond: age applies to webhook: stale-timestamp only`},
	}
	for _, k := range []struct{ line, col string }{
		{"error: acme.TAKEN", "10"}, {"status: 500", "11"}, {"headers: {X-A: b}", "12"}, {"body: {a: 1}", "9"},
		{"bodyText: x", "13"}, {"pass: true", "9"}, {"fault: reset", "10"},
	} {
		key, _, _ := strings.Cut(k.line, ":")
		tests = append(tests, struct{ name, src, want string }{"webhook step with " + key, step("webhook: drop", k.line),
			"f.yaml:7:" + k.col + ": respond: " + key + " does not apply to a webhook step: webhook faults change the delivery of the vendor's event, not what it says"})
	}
	for _, k := range []struct{ line, col string }{
		{"operation: acme.update", "3"}, {"method: GET", "3"}, {"path: /things", "3"}, {"target: t-1", "3"}, {"headers: {X-A: b}", "3"}, {"query: {q: 1}", "3"},
	} {
		key, _, _ := strings.Cut(k.line, ":")
		tests = append(tests, struct{ name, src, want string }{"webhook match with " + key, head + "  " + k.line + "\nrespond: {webhook: drop}\n",
			"f.yaml:5:" + k.col + ": match." + key + " does not apply to a webhook scenario: it matches events by webhook (the event path) and body"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.src), testVocab(t))
			if err == nil {
				t.Fatalf("accepted, want %s", tt.want)
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.want) || strings.Contains(got, "\n") {
				t.Errorf("errors:\n%s\nwant exactly one, starting %s", got, tt.want)
			}
		})
	}
	t.Run("no events declared", func(t *testing.T) {
		v := testVocab(t)
		v.Events = nil
		_, err := Parse("f.yaml", []byte(web("/things/kyc/watch")), v)
		if want := `f.yaml:4:12: unknown webhook event "/things/kyc/watch" (no vendor declares webhook events)`; err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	})
}
