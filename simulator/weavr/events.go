package weavr

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// The webhook events the sandbox publishes: their paths under the
// programme's webhook URL, as Weavr's webhooks document names them.
const (
	EventKYC                 = "/consumers/kyc/watch"
	EventConsumerActivated   = "/consumers/consumer_activated/watch"
	EventConsumerDeactivated = "/consumers/consumer_deactivated/watch"
)

// webhooks declares the events Weavr sends for consumers and its signing
// rule (Sign), for the sandbox's delivery machinery and scenario files.
func webhooks() *contract.Webhooks {
	return &contract.Webhooks{
		Events: append([]contract.EventType{
			{Path: EventKYC, Summary: "a consumer's KYC status changed (KycEvent): started, approved by the simulator, or set through the control API"},
			{Path: EventConsumerActivated, Summary: "a consumer was activated through the control API (IdentityActivatedEvent)"},
			{Path: EventConsumerDeactivated, Summary: "a consumer was deactivated through the control API (IdentityDeactivatedEvent)"},
		}, accessEvents()...),
		Sign: Sign,
	}
}

// kycEvent is the webhooks document's KycEvent, fields in its order. The
// deprecated kycLevel and ongoingKycLevel are still sent, as Weavr does;
// details and rejectionComment are always present (empty unless a
// rejection set them); additionalInformation (document expiry, identity
// restriction) has nothing to report in the sandbox and is left out.
type kycEvent struct {
	ConsumerID       string    `json:"consumerId"`
	ConsumerEmail    string    `json:"consumerEmail"`
	Status           KYCStatus `json:"status"`
	Details          []string  `json:"details"`
	RejectionComment string    `json:"rejectionComment"`
	KYCLevel         string    `json:"kycLevel,omitempty"`
	OngoingStatus    KYCStatus `json:"ongoingStatus"`
	OngoingKYCLevel  string    `json:"ongoingKycLevel,omitempty"`
	EventTimestamp   string    `json:"eventTimestamp"`
}

// identityActivatedEvent is IdentityActivatedEvent.
type identityActivatedEvent struct {
	ActionDoneBy string `json:"actionDoneBy"`
	EmailAddress string `json:"emailAddress"`
}

// identityDeactivatedEvent is IdentityDeactivatedEvent.
type identityDeactivatedEvent struct {
	ActionDoneBy string `json:"actionDoneBy"`
	EmailAddress string `json:"emailAddress"`
	ReasonCode   string `json:"reasonCode"`
}

// publishKYC publishes the KYC event of c's current status. Like every
// publish it runs after the change is stored, never inside the write.
func (s *Service) publishKYC(sess *session.Session, cause *http.Request, c *Consumer) {
	details := c.KYC.Details
	if details == nil {
		details = []string{}
	}
	s.publish(sess, cause, EventKYC, c, kycEvent{
		ConsumerID: c.ID, ConsumerEmail: c.Email, Status: c.KYC.Status, Details: details,
		RejectionComment: c.KYC.RejectionComment, KYCLevel: c.KYC.Level,
		OngoingStatus: c.KYC.Status, OngoingKYCLevel: c.KYC.Level,
		EventTimestamp: strconv.FormatInt(sess.Clock().Now().UnixMilli(), 10),
	})
}

// publish sends one event about consumer c, signed with its programme's
// API key, as Weavr signs webhooks.
// cause is the vendor request that caused it (nil for a control action):
// the scenarios it names apply to the delivery.
func (s *Service) publish(sess *session.Session, cause *http.Request, path string, c *Consumer, body any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as sent by Weavr's Java stack: '<' stays '<'
	if err := enc.Encode(body); err != nil {
		panic("weavr: event body: " + err.Error()) // plain structs of strings
	}
	var secret string
	if p := s.data.byID[c.ProgrammeID]; p != nil {
		secret = p.APIKey
	}
	s.events.Publish(sess, contract.Event{Path: path, Body: bytes.TrimSuffix(b.Bytes(), []byte("\n")), Secret: secret, Subject: c.ID, Cause: cause})
}
