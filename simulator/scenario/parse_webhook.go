package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// The parts of a scenario file that only webhook scenarios use: the event
// condition (match.webhook) and the delivery fault of a step (webhook,
// with delay, copies or age).

// requestOnlyMatch are the match keys that describe a request; a webhook
// event has none of them (only a path and a body).
var requestOnlyMatch = []string{"operation", "method", "path", "target", "headers", "query"}

// responseOnly are the step keys that describe a response; a webhook step
// changes how an event is delivered, never what it says.
var responseOnly = []string{"error", "status", "headers", "body", "bodyText", "pass", "fault"}

// webhookCond reads match.webhook: a condition on the event path whose
// equals value must name a declared event and whose regex must match one,
// so a typo is a load error rather than a scenario that never fires.
func (p *parser) webhookCond(n *yaml.Node) *Cond {
	c := p.cond(n, "webhook", true)
	at := n
	if n.Kind == yaml.MappingNode {
		if len(n.Content) != 2 {
			return c // cond reported it: give exactly one of equals, regex or present
		}
		at = n.Content[1]
	}
	switch {
	case c.Present != nil:
		p.fail(n, "webhook: every event has a path; give the path or {regex: …}, not present")
	case c.Regex != nil:
		if !slices.ContainsFunc(p.vocab.events, c.Regex.MatchString) {
			p.fail(at, "webhook: regex %q matches no webhook event (%s)", c.Regex, p.vocab.eventList())
		}
	case n.Kind == yaml.MappingNode && valueNode(n, "equals") == nil:
		// cond reported it (an unknown key, a bad regex)
	default:
		if path, _ := c.Equals.(string); !slices.Contains(p.vocab.events, path) {
			p.fail(at, "unknown webhook event %q (%s)", path, p.vocab.eventList())
		}
	}
	return c
}

// eventList names the declared events for an error message.
func (v *vocab) eventList() string {
	if len(v.events) == 0 {
		return "no vendor declares webhook events"
	}
	return "known: " + strings.Join(v.events, ", ")
}

// checkWebhookMatch rejects the request conditions in the match of a
// webhook scenario: they could never hold for an event.
func (p *parser) checkWebhookMatch(n *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; slices.Contains(requestOnlyMatch, k.Value) {
			p.fail(k, "match.%s does not apply to a webhook scenario: it matches events by webhook (the event path) and body", k.Value)
		}
	}
}

// checkKind keeps the two kinds of scenario apart: a webhook scenario's
// every step says webhook: <fault>, a request scenario's none.
func (p *parser) checkKind(webhook bool, respond, sequence *yaml.Node) {
	check := func(n *yaml.Node, what string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		switch v := valueNode(n, "webhook"); {
		case webhook && v == nil:
			p.fail(n, "%s: a webhook scenario's steps say webhook: <fault> (%s)", what, faultNames())
		case !webhook && v != nil:
			p.fail(v, "%s: webhook faults apply to webhook scenarios only: give match.webhook, the event path", what)
		}
	}
	if respond != nil {
		check(respond, "respond")
	}
	if sequence != nil && sequence.Kind == yaml.SequenceNode {
		for i, item := range sequence.Content {
			check(item, fmt.Sprintf("sequence[%d]", i))
		}
	}
}

func faultNames() string {
	names := make([]string, len(webhook.FaultKinds()))
	for i, f := range webhook.FaultKinds() {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// webhookField reads the webhook, copies and age keys of a step.
func (p *parser) webhookField(s *Step, k string, v *yaml.Node, what string) {
	switch k {
	case "webhook":
		s.Webhook = WebhookFault(p.str(v, k))
		if isText(v) && !slices.Contains(webhook.FaultKinds(), s.Webhook) {
			p.fail(v, "%s: unknown webhook fault %q (known: %s)", what, v.Value, faultNames())
		}
	case "copies":
		if s.Copies = p.integer(v, k, 2); s.Copies > maxWebhookCopies {
			p.fail(v, "%s: copies must be at most %d, got %d", what, maxWebhookCopies, s.Copies)
		}
	case "age":
		if s.Age = p.duration(v, k); zeroDuration(v) {
			p.fail(v, "%s: age must be above 0", what)
		}
	}
}

// checkWebhookStep enforces that a webhook step is one delivery fault with
// its own parameters, and fills in their defaults.
func (p *parser) checkWebhookStep(n *yaml.Node, what string, s *Step, has map[string]*yaml.Node) {
	for _, k := range responseOnly {
		if v := has[k]; v != nil {
			p.fail(v, "%s: %s does not apply to a webhook step: webhook faults change the delivery of the vendor's event, not what it says", what, k)
		}
	}
	if !slices.Contains(webhook.FaultKinds(), s.Webhook) {
		return // reported by webhookField
	}
	d := has["delay"]
	switch s.Webhook {
	case webhook.FaultDelay:
		switch {
		case d == nil:
			p.fail(n, "%s: webhook delay needs delay: a duration (5s) or a range {min, max}", what)
		case zeroDuration(d):
			p.fail(d, "%s: webhook delay needs a delay above 0", what)
		}
	case webhook.FaultReorder:
		switch {
		case d == nil:
			s.DelayMin, s.DelayMax = defaultReorderWindow, defaultReorderWindow
		case d.Kind != yaml.ScalarNode:
			p.fail(d, "%s: webhook reorder: delay is the burst window, one duration (not a range)", what)
		case zeroDuration(d):
			p.fail(d, "%s: webhook reorder needs a burst window above 0", what)
		}
	default:
		if d != nil {
			p.fail(d, "%s: delay applies to webhook delay (the wait) and reorder (the burst window), not to %s", what, s.Webhook)
		}
	}
	if s.Webhook == webhook.FaultDuplicate && has["copies"] == nil {
		s.Copies = defaultWebhookCopies
	}
	if s.Webhook == webhook.FaultStaleTimestamp && has["age"] == nil {
		s.Age = defaultStaleAge
	}
	p.checkWebhookParams(what, s, has)
}

// checkWebhookParams rejects copies and age where their fault is not the
// step's (a request step has none).
func (p *parser) checkWebhookParams(what string, s *Step, has map[string]*yaml.Node) {
	if v := has["copies"]; v != nil && s.Webhook != webhook.FaultDuplicate {
		p.fail(v, "%s: copies applies to webhook: duplicate only", what)
	}
	if v := has["age"]; v != nil && s.Webhook != webhook.FaultStaleTimestamp {
		p.fail(v, "%s: age applies to webhook: stale-timestamp only", what)
	}
}

// zeroDuration reports whether n is a valid duration of 0, or a range
// whose max is (a bad one is reported by duration already).
func zeroDuration(n *yaml.Node) bool {
	if n.Kind == yaml.MappingNode {
		m := valueNode(n, "max")
		return m != nil && zeroDuration(m)
	}
	d, err := time.ParseDuration(n.Value)
	return n.Kind == yaml.ScalarNode && err == nil && d == 0
}

// valueNode is the value of key in mapping n (nil when absent).
func valueNode(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
