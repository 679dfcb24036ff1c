package weavr

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// The webhook events of identity and access, as Weavr's webhooks
// document names them.
const (
	// EventAuthFactors: an enrolment was accepted or declined (EnrolmentEvent).
	EventAuthFactors = "/authentication_factors/watch"
	// EventStepUp: a step-up was completed or declined (StepupEvent).
	EventStepUp = "/stepup/watch"
)

// The EnrolmentEventEnrolmentStatus and StepupEventEventStatus values.
const (
	enrolmentActive   = "ACTIVE"
	enrolmentInactive = "INACTIVE"
	stepUpVerified    = "VERIFIED"
	stepUpDeclined    = "DECLINED"
	stepUpExpired     = "EXPIRED"
)

// otpEventType is the events' type of an SMS one-time password (the
// documents leave the string free; this is the sandbox's spelling).
const otpEventType = "SMS_OTP"

// accessEvents are the identity-and-access event types, for webhooks().
func accessEvents() []contract.EventType {
	return []contract.EventType{
		{Path: EventAuthFactors, Summary: "an SMS OTP enrolment was accepted (ACTIVE: verified with 123456) or declined (INACTIVE: its wrong-code attempts ran out) (EnrolmentEvent)"},
		{Path: EventStepUp, Summary: "a step-up challenge was verified (VERIFIED), declined (DECLINED: its wrong-code attempts ran out) or tried after its expiry (EXPIRED) (StepupEvent)"},
	}
}

// enrolmentEvent is EnrolmentEvent, fields in its order.
type enrolmentEvent struct {
	CredentialID       identityID `json:"credentialId"`
	Type               string     `json:"type"`
	Status             string     `json:"status"`
	PublishedTimestamp string     `json:"publishedTimestamp"`
}

// stepUpEvent is StepupEvent, fields in its order; authToken, which the
// document makes optional, is never sent (a token in a webhook body would
// be a secret in the delivery log).
type stepUpEvent struct {
	Credential         identityID `json:"credential"`
	Identity           identityID `json:"identity"`
	ChallengeID        string     `json:"challengeId"`
	Type               string     `json:"type"`
	Status             string     `json:"status"`
	PublishedTimestamp string     `json:"publishedTimestamp"`
}

// publishEnrolment publishes /authentication_factors/watch for the
// consumer's root user with status.
func (s *Service) publishEnrolment(c *gin.Context, cur *Consumer, status string) {
	s.publish(contract.SessionOf(c), c.Request, EventAuthFactors, cur, enrolmentEvent{
		CredentialID: identityID{Type: "ROOT", ID: cur.ID}, Type: otpEventType, Status: status,
		PublishedTimestamp: strconv.FormatInt(s.now(c).UnixMilli(), 10),
	})
}

// publishStepUp publishes /stepup/watch for the consumer's step-up
// challenge with status.
func (s *Service) publishStepUp(c *gin.Context, cur *Consumer, status string) {
	s.publish(contract.SessionOf(c), c.Request, EventStepUp, cur, stepUpEvent{
		Credential: identityID{Type: "ROOT", ID: cur.ID}, Identity: identityID{Type: "CONSUMER", ID: cur.ID},
		ChallengeID: cur.StepUp.ID, Type: otpEventType, Status: status,
		PublishedTimestamp: strconv.FormatInt(s.now(c).UnixMilli(), 10),
	})
}
