package scenario_test

import (
	"fmt"
	"testing/fstest"

	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

// ExampleEngine_DecideWebhook: the webhook machinery asks, for each event
// it is about to deliver, whether a scenario active in the session alters
// the delivery. Here KYC approvals are delivered twice, then (times: 1)
// normally again; other events are never touched.
func ExampleEngine_DecideWebhook() {
	vocab := scenario.Vocabulary{Events: []scenario.Event{
		{Vendor: "weavr", Path: "/consumers/kyc/watch"},
		{Vendor: "weavr", Path: "/consumers/consumer_activated/watch"},
	}}
	set, err := scenario.LoadFS(vocab, scenario.Layer{Name: "example", FS: fstest.MapFS{"hooks.yaml": {Data: []byte(`
name: kyc-approved-twice
description: the first KYC approval is delivered twice, with the same call-ref
match:
  webhook: /consumers/kyc/watch
  body: {status: APPROVED}
times: 1
respond:
  webhook: duplicate
`)}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	engine, err := scenario.NewEngine(scenario.Options{Vocabulary: vocab, Set: set})
	if err != nil {
		fmt.Println(err)
		return
	}
	session := engine.NewState()
	if err := session.Activate("kyc-approved-twice"); err != nil {
		fmt.Println(err)
		return
	}
	for _, ev := range []scenario.WebhookRequest{
		{Vendor: "weavr", Path: "/consumers/consumer_activated/watch", Body: []byte(`{}`)},
		{Vendor: "weavr", Path: "/consumers/kyc/watch", Body: []byte(`{"status":"PENDING_REVIEW"}`)},
		{Vendor: "weavr", Path: "/consumers/kyc/watch", Body: []byte(`{"status":"APPROVED"}`)},
		{Vendor: "weavr", Path: "/consumers/kyc/watch", Body: []byte(`{"status":"APPROVED"}`)},
	} {
		if d := engine.DecideWebhook(session, &ev); d != nil {
			fmt.Printf("%s: %s by %s, %d copies\n", ev.Path, d.Fault, d.Scenario, d.Copies)
		} else {
			fmt.Printf("%s: deliver normally\n", ev.Path)
		}
	}
	fmt.Printf("%+v\n", session.Counters())
	// Output:
	// /consumers/consumer_activated/watch: deliver normally
	// /consumers/kyc/watch: deliver normally
	// /consumers/kyc/watch: duplicate by kyc-approved-twice, 2 copies
	// /consumers/kyc/watch: deliver normally
	// [{Scenario:kyc-approved-twice Seen:2 Fired:1}]
}
