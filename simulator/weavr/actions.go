package weavr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// Names of the control API's actions on a consumer, at POST
// /__sandbox/sessions/{s}/weavr/consumers/{id}/{action}: what Weavr's
// compliance team and admins do, which its API does not offer.
const (
	ActionKYC        = "kyc"
	ActionDeactivate = "deactivate"
	ActionActivate   = "activate"
)

// kycActionBody is the body of the kyc action.
type kycActionBody struct {
	Status           KYCStatus `json:"status"`
	Details          []string  `json:"details"`
	RejectionComment string    `json:"rejectionComment"`
}

// activationBody is the body of deactivate and activate (both optional).
type activationBody struct {
	ReasonCode   string `json:"reasonCode"`
	ActionDoneBy string `json:"actionDoneBy"`
}

// kycActionStatuses are the statuses the kyc action sets: every status a
// started KYC can reach (NOT_STARTED is only ever the initial one).
func kycActionStatuses() []KYCStatus {
	return []KYCStatus{KYCInitiated, KYCPendingReview, KYCApproved, KYCRejected}
}

// deactivationReasons is IdentityDeactivatedReasonCode.
func deactivationReasons() []string {
	return []string{"UNDEFINED_REASON", "ACCOUNT_REVIEW", "ACCOUNT_SECURITY", "TEMPORARY", "ACCOUNT_CLOSURE", "ACCOUNT_ABANDONED"}
}

// actionDoneBy is the ActionDoneBy enum: who (de)activated the identity.
// The control API acts as Weavr's admin (ADMIN) unless told it is the
// programme's owner (INNOVATOR).
func actionDoneBy() []string { return []string{"UNDEFINED", "ADMIN", "INNOVATOR"} }

// consumerActions are the consumers collection's actions. Each answers
// the consumer as the collection's Get shows it and publishes the event
// Weavr sends for the change. An action that changes nothing (the same KYC
// status, details and comment; deactivating an inactive consumer;
// activating an active one) answers the same and publishes nothing: Weavr
// notifies changes, and a repeated control call is not one.
func (s *Service) consumerActions() []contract.Action {
	return []contract.Action{
		{Name: ActionKYC, Summary: "set the consumer's KYC status as Weavr's compliance team would (status " +
			strings.Join(statusNames(kycActionStatuses()), ", ") + "; details from " + strings.Join(kycRejectionReasons(), ", ") +
			"); publishes /consumers/kyc/watch; APPROVED locks the identity fields",
			Example: `{"status":"REJECTED","details":["DOCUMENTS_UNSATISFACTORY"],"rejectionComment":"The document photo is blurred"}`,
			Do:      s.kycAction},
		{Name: ActionDeactivate, Summary: "deactivate the consumer (reasonCode " + strings.Join(deactivationReasons(), ", ") +
			", default UNDEFINED_REASON; actionDoneBy ADMIN or INNOVATOR, default ADMIN): its login is refused (403) and its tokens end (401); publishes /consumers/consumer_deactivated/watch",
			Example: `{"reasonCode":"TEMPORARY"}`, Do: s.deactivateAction},
		{Name: ActionActivate, Summary: "activate the consumer again (actionDoneBy as for deactivate): it can log in; publishes /consumers/consumer_activated/watch",
			Example: `{"actionDoneBy":"ADMIN"}`, Do: s.activateAction},
	}
}

func (s *Service) kycAction(sess *session.Session, id string, body []byte) (any, error) {
	var b kycActionBody
	if err := decodeAction(body, &b, true); err != nil {
		return nil, err
	}
	if !slices.Contains(kycActionStatuses(), b.Status) {
		return nil, badAction("status %q: want one of %s", b.Status, strings.Join(statusNames(kycActionStatuses()), ", "))
	}
	for i, d := range b.Details {
		if !slices.Contains(kycRejectionReasons(), d) {
			return nil, badAction("details[%d] %q: want one of %s", i, d, strings.Join(kycRejectionReasons(), ", "))
		}
	}
	if b.Details == nil {
		b.Details = []string{}
	}
	var changed bool
	next, err := s.actOn(sess, id, func(cur Consumer) Consumer {
		k := cur.KYC
		if b.Status == KYCApproved {
			k = approve(k, cur.ID)
		}
		k.Status, k.Details, k.RejectionComment = b.Status, b.Details, b.RejectionComment
		if k.Level == "" {
			k.Level = defaultKYCLevel
		}
		if k.Reference == "" {
			k.Reference = kycReference(cur.ID)
		}
		changed = k.Status != cur.KYC.Status || !slices.Equal(k.Details, cur.KYC.Details) || k.RejectionComment != cur.KYC.RejectionComment
		cur.KYC = k
		return cur
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.publishKYC(sess, nil, &next)
	}
	return s.sandboxView(&next), nil
}

func (s *Service) deactivateAction(sess *session.Session, id string, body []byte) (any, error) {
	b, err := activation(body, true)
	if err != nil {
		return nil, err
	}
	var changed bool
	next, err := s.actOn(sess, id, func(cur Consumer) Consumer {
		changed, cur.Active = cur.Active, false
		return cur
	})
	if err != nil {
		return nil, err
	}
	s.worldKey.Of(sess).tokens.revokeConsumer(id)
	if changed {
		s.publish(sess, nil, EventConsumerDeactivated, &next, identityDeactivatedEvent{ActionDoneBy: b.ActionDoneBy, EmailAddress: next.Email, ReasonCode: b.ReasonCode})
	}
	return s.sandboxView(&next), nil
}

func (s *Service) activateAction(sess *session.Session, id string, body []byte) (any, error) {
	b, err := activation(body, false)
	if err != nil {
		return nil, err
	}
	var changed bool
	next, err := s.actOn(sess, id, func(cur Consumer) Consumer {
		changed, cur.Active = !cur.Active, true
		return cur
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.publish(sess, nil, EventConsumerActivated, &next, identityActivatedEvent{ActionDoneBy: b.ActionDoneBy, EmailAddress: next.Email})
	}
	return s.sandboxView(&next), nil
}

// actOn applies fn to consumer id of the session in one write; an unknown
// id is a 404.
func (s *Service) actOn(sess *session.Session, id string, fn func(Consumer) Consumer) (Consumer, error) {
	next, err := s.worldKey.Of(sess).consumers.Update(id, func(_ consumerTx, cur Consumer) (Consumer, error) {
		return fn(cur), nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return Consumer{}, &contract.ActionError{Status: http.StatusNotFound, Msg: fmt.Sprintf("weavr: no consumer %q in session %s", id, sess.Name())}
	}
	return next, err
}

// activation reads a deactivate (withReason) or activate body, filling
// the defaults.
func activation(body []byte, withReason bool) (activationBody, error) {
	var b activationBody
	if err := decodeAction(body, &b, false); err != nil {
		return b, err
	}
	if b.ActionDoneBy == "" {
		b.ActionDoneBy = "ADMIN"
	}
	if !slices.Contains(actionDoneBy(), b.ActionDoneBy) {
		return b, badAction("actionDoneBy %q: want one of %s", b.ActionDoneBy, strings.Join(actionDoneBy(), ", "))
	}
	switch {
	case !withReason && b.ReasonCode != "":
		return b, badAction("reasonCode: only deactivate takes a reason")
	case !withReason:
	case b.ReasonCode == "":
		b.ReasonCode = "UNDEFINED_REASON"
	case !slices.Contains(deactivationReasons(), b.ReasonCode):
		return b, badAction("reasonCode %q: want one of %s", b.ReasonCode, strings.Join(deactivationReasons(), ", "))
	}
	return b, nil
}

// decodeAction reads an action's JSON body strictly (unknown properties
// are a 400: the control API is the sandbox's own, a typo must not pass);
// an empty body is {} unless required.
func decodeAction(body []byte, v any, required bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if required {
			return badAction("a JSON body is required")
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badAction("body: %v", err)
	}
	if dec.More() {
		return badAction("body: one JSON object expected")
	}
	return nil
}

func badAction(format string, args ...any) error {
	return &contract.ActionError{Status: http.StatusBadRequest, Msg: "weavr: " + fmt.Sprintf(format, args...)}
}

func statusNames(ss []KYCStatus) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}
