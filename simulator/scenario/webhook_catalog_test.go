package scenario_test

import (
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/scenarios"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// TestShippedWebhookScenarios: the catalog loads with the vendors' real
// vocabulary and holds one webhook scenario per fault on Weavr's KYC
// event, each deciding its fault for a KYC delivery and nothing for
// another event or a request.
func TestShippedWebhookScenarios(t *testing.T) {
	cfg := sandboxtest.Config()
	sandboxtest.WithData(0)(&cfg)
	vocab, err := simulator.Vocabulary(cfg)
	if err != nil {
		t.Fatal(err)
	}
	set, err := scenario.LoadFS(vocab, scenario.Layer{Name: "scenarios", FS: scenarios.FS})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]scenario.WebhookDecision{
		"webhook-delay":           {Fault: webhook.FaultDelay, Delay: 5 * time.Second},
		"webhook-duplicate":       {Fault: webhook.FaultDuplicate, Copies: 2},
		"webhook-reorder":         {Fault: webhook.FaultReorder, Delay: 2 * time.Second},
		"webhook-drop":            {Fault: webhook.FaultDrop},
		"webhook-bad-signature":   {Fault: webhook.FaultBadSignature},
		"webhook-stale-timestamp": {Fault: webhook.FaultStaleTimestamp, Age: time.Hour},
	}
	n := 0
	for _, sc := range set.All() {
		if sc.IsWebhook() {
			n++
			if _, ok := want[sc.Name]; !ok {
				t.Errorf("webhook scenario %s is not checked here", sc.Name)
			}
		}
	}
	if n != len(want) {
		t.Errorf("%d webhook scenarios shipped, want %d", n, len(want))
	}
	kyc := &scenario.WebhookRequest{Vendor: "weavr", Path: "/consumers/kyc/watch", Body: []byte(`{"consumerId":"1","status":"APPROVED"}`)}
	other := &scenario.WebhookRequest{Vendor: "weavr", Path: "/consumers/consumer_activated/watch", Body: []byte(`{}`)}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			e, err := scenario.NewEngine(scenario.Options{Vocabulary: vocab, Set: set, Active: []string{name}})
			if err != nil {
				t.Fatal(err)
			}
			st := e.NewState()
			if d := e.DecideWebhook(st, other); d != nil {
				t.Errorf("another event: %+v", d)
			}
			w.Scenario = name
			if d := e.DecideWebhook(st, kyc); d == nil || *d != w {
				t.Errorf("KYC event: %+v, want %+v", d, w)
			}
		})
	}
}
