package weavr

import (
	"net/http"
	"reflect"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// defaultKYCLevel is the level KYC starts at when consumerKycStart names
// none: KYC_LEVEL_2, full due diligence, the level fullDueDiligence
// reports on.
const defaultKYCLevel = "KYC_LEVEL_2"

// kycLevels is the KycLevel enum of the vendor documents.
func kycLevels() []string { return []string{"KYC_LEVEL_1", "KYC_LEVEL_2"} }

// kycStatuses are the statuses a consumer can be in (KyiStatus).
func kycStatuses() []KYCStatus {
	return []KYCStatus{KYCNotStarted, KYCInitiated, KYCPendingReview, KYCApproved, KYCRejected}
}

// kycRejectionReasons is the KycRejectionReason enum of the webhooks
// document: the details of a KYC event.
func kycRejectionReasons() []string {
	return []string{"UNDEFINED_KYC_FAILURE_REASON", "DOCUMENTS_UNSATISFACTORY", "SUPPLIED_DATA_AND_DOCUMENTS_MISMATCH",
		"LANGUAGE_IN_DOCUMENTS_UNSUPPORTED", "SELFIE_UNSATISFACTORY", "SELFIE_AND_DOCUMENTS_MISMATCH", "OTHER",
		"UNSUPPORTED_COUNTRY", "PEP_STATUS", "REJECTED_DUPLICATE", "EXPIRED_KYC_DOCUMENTS"}
}

// kycReference is the reference consumerKycStart answers for a consumer
// (digits, as the document's pattern): a function of the id, so it is the
// same on every start and every run.
func kycReference(id string) string { return id + "01" }

// kycStartRequest is ConsumerKycLevelRequest (the body is optional).
type kycStartRequest struct {
	KYCLevel       *string `json:"kycLevel"`
	PrefillDetails []struct {
		Name  *string `json:"name"`
		Value *string `json:"value"`
	} `json:"prefillDetails"`
}

var kycStartObject = objectOf(reflect.TypeFor[kycStartRequest]())

func validateKYCStart(r *kycStartRequest) []InvalidField {
	var v validator
	v.oneOf(nil, "kycLevel", r.KYCLevel, kycLevels())
	return v.out
}

// kycStartResponse is ConsumerKycStartResponse.
type kycStartResponse struct {
	Reference string `json:"reference"`
	KYCLevel  string `json:"kycLevel"`
}

// kycGetResponse is ConsumerKycGetResponse.
type kycGetResponse struct {
	FullDueDiligence        KYCStatus `json:"fullDueDiligence"`
	KYCLevel                string    `json:"kycLevel,omitempty"`
	OngoingFullDueDiligence KYCStatus `json:"ongoingFullDueDiligence"`
	OngoingKYCLevel         string    `json:"ongoingKycLevel,omitempty"`
}

// StartKYC is POST /multi/consumers/kyc (consumerKycStart): it starts the
// logged-in consumer's due diligence (status INITIATED) and answers the
// reference that initialises Weavr's KYC UI component, publishing the
// /consumers/kyc/watch event. Starting again while INITIATED answers the
// same reference and publishes nothing. ConsumerKycStartConflict's 409s:
// KYC_ALREADY_APPROVED, KYC_PENDING_REVIEW and KYC_REJECTED in those
// statuses, EMAIL_UNVERIFIED before the root user's email is verified
// (Weavr's onboarding verifies the email before KYC).
func (s *Service) StartKYC(c *gin.Context) {
	w := s.world(c)
	id, ok := s.authenticate(c, w)
	if !ok {
		return
	}
	var req kycStartRequest
	unknown, ok := s.decodeOptionalBody(c, &req, kycStartObject)
	if !ok {
		return
	}
	if bad := append(unknown, validateKYCStart(&req)...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	var started bool
	next, err := w.consumers.Update(id, func(_ consumerTx, cur Consumer) (Consumer, error) {
		switch cur.KYC.Status {
		case KYCApproved:
			return cur, ErrKYCApproved
		case KYCPendingReview:
			return cur, ErrKYCPending
		case KYCRejected:
			return cur, ErrKYCRejected
		case KYCInitiated:
			return cur, nil
		}
		if !cur.EmailVerified {
			return cur, ErrEmailUnverified
		}
		level := defaultKYCLevel
		if req.KYCLevel != nil {
			level = *req.KYCLevel
		}
		cur.KYC = KYC{Status: KYCInitiated, Level: level, Reference: kycReference(cur.ID)}
		started = true
		return cur, nil
	})
	if !s.respondErr(c, err) {
		return
	}
	if started {
		s.publishKYC(contract.SessionOf(c), c.Request, &next)
	}
	c.JSON(http.StatusOK, kycStartResponse{Reference: next.KYC.Reference, KYCLevel: next.KYC.Level})
}

// GetKYC is GET /multi/consumers/kyc (consumerKycGet): the logged-in
// consumer's due diligence. The document does not say how the ongoing
// status differs from fullDueDiligence; the sandbox reports the same
// status and level for both, as the KYC event's status and ongoingStatus.
func (s *Service) GetKYC(c *gin.Context) {
	w := s.world(c)
	id, ok := s.authenticate(c, w)
	if !ok {
		return
	}
	cur, _ := w.consumers.Get(id)
	k := cur.KYC
	c.JSON(http.StatusOK, kycGetResponse{FullDueDiligence: k.Status, KYCLevel: k.Level, OngoingFullDueDiligence: k.Status, OngoingKYCLevel: k.Level})
}

// approve is k approved (by the simulator or the control API): details
// and comment cleared, the level and reference kept or defaulted.
func approve(k KYC, id string) KYC {
	k.Status, k.Details, k.RejectionComment = KYCApproved, nil, ""
	if k.Level == "" {
		k.Level = defaultKYCLevel
	}
	if k.Reference == "" {
		k.Reference = kycReference(id)
	}
	return k
}
