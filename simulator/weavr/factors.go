package weavr

import (
	"net/http"
	"reflect"
	"time"

	"github.com/gin-gonic/gin"
)

// SMS one-time-password enrolment: Weavr's authFactorsGet,
// enrolDeviceUsingOtpStepOne and enrolDeviceUsingOtpStepTwo. Weavr's
// sandbox sends no text message: the code is always 123456 (the vendor
// document says so of every one-time password). A challenge expires
// after Settings.OTPExpiry (5 minutes, as documented) and allows
// Settings.OTPAttempts wrong codes (Weavr: "limited").

// The SCA channels of Weavr's documents: SCAOtpChannel has SMS only,
// SCAChannel also names the push channels.
const (
	channelSMS       = "SMS"
	channelAuthy     = "AUTHY"
	channelBiometric = "BIOMETRIC"
)

// scaVerifyRequest is SCAVerifyRequest.
type scaVerifyRequest struct {
	VerificationCode *string `json:"verificationCode"`
}

var scaVerifyObject = objectOf(reflect.TypeFor[scaVerifyRequest]())

// scaFactor is SCAFactor.
type scaFactor struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Channel string `json:"channel"`
}

// authFactorsResponse is AuthFactorsGetResponse.
type authFactorsResponse struct {
	Factors []scaFactor `json:"factors"`
}

// otpChannel checks the {channel} path parameter of the OTP operations:
// SMS is served; AUTHY and BIOMETRIC, channels Weavr has but not for
// one-time passwords, are 409 CHANNEL_NOT_SUPPORTED; anything else breaks
// the SCAOtpChannel enum, a 400 naming channel (IN). On failure it has
// answered.
func (s *Service) otpChannel(c *gin.Context) bool {
	switch c.Param("channel") {
	case channelSMS:
		return true
	case channelAuthy, channelBiometric:
		s.respond(c, ErrChannelNotSupported)
	default:
		s.respondInvalid(c, []InvalidField{{Params: []string{}, FieldName: "channel", Error: kindIn}})
	}
	return false
}

// decodeCode reads and validates SCAVerifyRequest (verificationCode
// required, six digits: the Nonce pattern). On failure it has answered.
func (s *Service) decodeCode(c *gin.Context) (string, bool) {
	var req scaVerifyRequest
	unknown, ok := s.decodeBody(c, &req, scaVerifyObject)
	if !ok {
		return "", false
	}
	var v validator
	if v.required(nil, "verificationCode", req.VerificationCode != nil) {
		v.text(nil, "verificationCode", req.VerificationCode, codeRe, 0, 0)
	}
	if bad := append(unknown, v.out...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return "", false
	}
	return *req.VerificationCode, true
}

// checkCode tries code against the challenge ch, counting a wrong one:
// nil when it is 123456; CHALLENGE_LIMIT_EXCEEDED once the attempts are
// used up (the wrong code that uses the last one included);
// VERIFICATION_CODE_EXPIRED past the expiry; ONE_CHALLENGE_LIMIT_REMAINING
// for the wrong code that leaves one attempt; VERIFICATION_CODE_INVALID
// for any other wrong code.
func (s *Service) checkCode(ch *OTPChallenge, code string, now time.Time) error {
	switch {
	case ch.Failures >= s.settings.OTPAttempts:
		return ErrChallengeLimit
	case now.UnixNano()-ch.Issued > int64(s.settings.OTPExpiry):
		ch.Expired = true
		return ErrCodeExpired
	case code == sandboxVerificationCode:
		ch.Verified = true
		return nil
	}
	ch.Failures++
	switch ch.Failures {
	case s.settings.OTPAttempts:
		return ErrChallengeLimit
	case s.settings.OTPAttempts - 1:
		return ErrOneChallengeLeft
	}
	return ErrVerificationCode
}

// GetAuthFactors is GET /multi/authentication_factors (authFactorsGet):
// the factors the logged-in user is enrolled on. SMS OTP is ACTIVE once
// enrolled, PENDING_VERIFICATION while an enrolment challenge can still
// be verified, INACTIVE when its attempts ran out (the enrolment was
// declined); a user who never started has none.
func (s *Service) GetAuthFactors(c *gin.Context) {
	w := s.world(c)
	id, ok := s.authenticate(c, w)
	if !ok {
		return
	}
	cur, _ := w.consumers.Get(id)
	out := authFactorsResponse{Factors: []scaFactor{}}
	if st := s.smsFactor(&cur); st != "" {
		out.Factors = append(out.Factors, scaFactor{Type: "OTP", Status: st, Channel: channelSMS})
	}
	c.JSON(http.StatusOK, out)
}

// smsFactor is the SCAFactorStatus of cur's SMS OTP factor: ACTIVE once
// enrolled, INACTIVE when the enrolment's attempts ran out,
// PENDING_VERIFICATION while it is started, "" before.
func (s *Service) smsFactor(cur *Consumer) string {
	switch e := cur.Enrolment; {
	case cur.SMSOTPEnrolled:
		return "ACTIVE"
	case e.Issued != 0 && e.Failures >= s.settings.OTPAttempts:
		return "INACTIVE"
	case e.Issued != 0:
		return "PENDING_VERIFICATION"
	}
	return ""
}

// EnrolOTP is POST /multi/authentication_factors/otp/{channel}
// (enrolDeviceUsingOtpStepOne): it "sends" a one-time password to the
// root user's mobile (always 123456) and answers 204; a new challenge
// replaces a pending one. Already enrolled is 409
// CHANNEL_ALREADY_REGISTERED.
func (s *Service) EnrolOTP(c *gin.Context) {
	w := s.world(c)
	id, ok := s.authenticate(c, w)
	if !ok || !s.otpChannel(c) {
		return
	}
	now := s.now(c)
	_, err := w.consumers.Update(id, func(_ consumerTx, cur Consumer) (Consumer, error) {
		if cur.SMSOTPEnrolled {
			return cur, ErrChannelRegistered
		}
		cur.Enrolment = OTPChallenge{Issued: now.UnixNano()}
		return cur, nil
	})
	if !s.respondErr(c, err) {
		return
	}
	c.Status(http.StatusNoContent)
}

// VerifyEnrolOTP is POST /multi/authentication_factors/otp/{channel}/verify
// (enrolDeviceUsingOtpStepTwo): 123456 enrols SMS one-time passwords
// (which verifies the mobile number) and publishes
// /authentication_factors/watch ACTIVE. 409s: CHANNEL_ALREADY_REGISTERED
// when enrolled, STATE_INVALID with no enrolment started, then checkCode's;
// the wrong code that ends the challenge publishes the event INACTIVE.
func (s *Service) VerifyEnrolOTP(c *gin.Context) {
	w := s.world(c)
	id, ok := s.authenticate(c, w)
	if !ok || !s.otpChannel(c) {
		return
	}
	code, ok := s.decodeCode(c)
	if !ok {
		return
	}
	now := s.now(c)
	var answer error
	var declined bool
	next, err := w.consumers.Update(id, func(_ consumerTx, cur Consumer) (Consumer, error) {
		answer, declined = nil, false
		switch {
		case cur.SMSOTPEnrolled:
			return cur, ErrChannelRegistered
		case cur.Enrolment.Issued == 0:
			return cur, ErrStateInvalid
		}
		before := cur.Enrolment.Failures
		answer = s.checkCode(&cur.Enrolment, code, now)
		declined = answer == ErrChallengeLimit && before < s.settings.OTPAttempts
		if answer == nil {
			cur.SMSOTPEnrolled, cur.MobileVerified, cur.Enrolment = true, true, OTPChallenge{}
		}
		return cur, nil
	})
	if err == nil {
		err = answer
		switch {
		case answer == nil:
			s.publishEnrolment(c, &next, enrolmentActive)
		case declined:
			s.publishEnrolment(c, &next, enrolmentInactive)
		}
	}
	if !s.respondErr(c, err) {
		return
	}
	c.Status(http.StatusNoContent)
}
